"""``govchain bench assets``: e-licences issued, fetched, granted and read, end to end.

F-C1, F-A1, F-C2, F-C3. A fresh local network (4 validators and 2 storage
nodes by default) runs as OS processes, exactly as ``net up`` starts them;
the cast (holders and a bank) is set up by :mod:`govchain.bench.asset_scene`.
Then timed phases, each with ``clients`` concurrent SDK clients (threads of
this process):

- **issue**: the member admin issues ``assets`` assets round robin to the
  holders, each through ``AssetClient.issue`` as an application would: read
  the type and the holder's locker key (proven against the genesis), check
  the fields, encrypt them and a document under a fresh data key, seal the
  key to the holder, PUT the blob to ``copies`` storage nodes, submit the tx
  and wait for its commit;
- **fetch**: each holder unwraps its locker key once (not timed), then reads
  each of its assets: the record (proven), its envelope opened, the blob
  fetched from a storage node (hash checked) and decrypted; the content is
  compared with what was issued;
- **grant**, **grant_fetch**, **code**, **code_fetch**: ``grants`` grants to
  the bank and its reads through them, ``codes`` one-use codes and the
  bank's reads with them, each read against a committed usage record
  (:mod:`govchain.bench.grant_phases`); then the usage records the chain
  holds are counted.

The bound is the one ``bench cluster`` uses, measured in the same run:
signature checks per second on one core x cores / validators. Every
figure is measured; nothing here fails on a figure (a read that decrypts
to other content, or an annotated copy that does not verify, is not a
figure: BenchError).
"""

from __future__ import annotations

import dataclasses
import hashlib
import os
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from govchain.bench import grant_phases
from govchain.bench.asset_scene import AssetScene, Holder, sample_fields, set_up_scene
from govchain.bench.asset_timing import (
    CLIENTS,
    Issued,
    PhaseFigures,
    Tally,
    TimedStorage,
    check_content,
    phase_figures,
    spread,
    timed_threads,
    with_cpu,
)
from govchain.bench.cluster import measure_verify_per_s, percentile, verify_bound_tps
from govchain.bench.network import BenchError, local_network, without_rate_limits
from govchain.bench.procstats import ProcessStats, machine
from govchain.client.asset_crypto import decrypt_content, open_envelope
from govchain.client.locker_keys import unwrap
from govchain.client.storage import StorageClient
from govchain.crypto import suite_for
from govchain.crypto.envelopes import LockerKey
from govchain.node import launcher
from govchain.node.netinit import NetworkLayout
from govchain.types.errors import GovChainError

__all__ = [
    "PHASES",
    "AssetsSettings",
    "PhaseFigures",
    "TimedStorage",
    "phase_figures",
    "run_assets_bench",
]

Progress = Callable[[str], None]
PHASES = ("issue", "fetch", "grant", "grant_fetch", "code", "code_fetch")
"""The timed phases, in the order they run (the keys of the report)."""


@dataclass(frozen=True)
class AssetsSettings:
    """What ``govchain bench assets`` was asked for."""

    validators: int = 4
    storage_nodes: int = 2
    copies: int = 2
    suite: str = "gm"
    clients: int = 4
    """Concurrent SDK clients; in the fetch, grant and code phases each is one holder."""
    assets: int = 120
    document_kib: int = 16
    """Size of the document each asset carries, besides its fields."""
    directory: Path | None = None
    keep: bool = False
    grants: int = 60
    """Grants to the bank, then reads through them: one per asset, at most every asset."""
    codes: int = 40
    """One-use codes, then the bank's reads with them: one per asset, at most every asset."""

    def validate(self) -> None:
        """BenchError when the settings cannot make a run."""
        if self.copies > self.storage_nodes:
            raise BenchError(
                f"--copies {self.copies} needs at least as many storage nodes "
                f"(--storage-nodes {self.storage_nodes})"
            )
        if self.assets < self.clients:
            raise BenchError(f"--assets {self.assets}: at least one per client ({self.clients})")
        if self.grants < 1 or self.codes < 1:
            raise BenchError(f"--grants {self.grants}, --codes {self.codes}: at least one each")


def _issue_phase(scene: AssetScene, settings: AssetsSettings) -> tuple[PhaseFigures, list[Issued]]:
    tally, issued = Tally(), []
    numbers = iter(range(settings.assets))
    document_size = settings.document_kib * 1024

    def worker(index: int) -> None:
        suite = suite_for(scene.layout.suite)
        storage = TimedStorage(suite, scene.admin, scene.storage)
        with storage, scene.node(index) as node:
            client = scene.client(node, scene.admin, storage, settings.copies)
            while True:
                with tally.lock:
                    number = next(numbers, None)
                if number is None:
                    break
                holder = number % len(scene.holders)
                fields = sample_fields(number)
                document = os.urandom(document_size)
                start = time.perf_counter()
                try:
                    done = client.issue(
                        scene.type_code, scene.holders[holder].address, "authority", fields,
                        (f"licence-{number:05d}.bin", document),
                    )  # fmt: skip
                except GovChainError as exc:
                    tally.failed(exc)
                    continue
                tally.done(start)
                digest = hashlib.sha256(document).digest()
                with tally.lock:
                    issued.append(Issued(holder, done.content_id, fields, digest))
        with tally.lock:
            tally.storage_s.extend(storage.put_s)

    figures = tally.figures(timed_threads(worker, settings.clients))
    if not issued:
        raise BenchError(f"no asset was issued: {tally.first_error}")
    return figures, issued


def _fetch_phase(
    scene: AssetScene, issued: list[Issued], clients: int
) -> tuple[PhaseFigures, list[float], dict[int, LockerKey]]:
    """Each client is one holder: unwrap its locker key, then fetch its assets (timed).

    Also the unlock times and the holders' locker keys (the grant phases reuse them).
    """
    tally, unlock_s, unlocked = Tally(), [], {}
    holders = min(clients, len(scene.holders))
    barrier = threading.Barrier(holders + 1)

    def worker(index: int) -> None:
        holder = scene.holders[index]
        suite = suite_for(scene.layout.suite)
        storage = TimedStorage(suite, holder.key, scene.storage)
        mine = [item for item in issued if item.holder == index]
        with storage, scene.node(index) as node:
            client = scene.client(node, holder.key, storage, 1)
            try:
                start = time.perf_counter()
                private = _unlock(client.locker(holder.address), storage, holder, suite)
                with tally.lock:
                    unlock_s.append(time.perf_counter() - start)
                    unlocked[index] = private
            finally:
                barrier.wait()
            for item in mine:
                start = time.perf_counter()
                try:
                    _fetch_one(client, storage, private, item)
                except GovChainError as exc:
                    tally.failed(exc)
                    continue
                tally.done(start)
        with tally.lock:
            tally.storage_s.extend(storage.get_s[1:])  # the first get was the locker's key

    figures = tally.figures(timed_threads(worker, holders, barrier))
    if figures.count == 0:
        raise BenchError(f"no asset was fetched: {tally.first_error}")
    return figures, unlock_s, unlocked


def _unlock(locker: Any, storage: StorageClient, holder: Holder, suite: Any) -> LockerKey:
    if locker is None:
        raise BenchError("a holder's locker is not on the chain")
    blob = locker.key_blob
    wrapped = storage.get(blob.hash, blob.locators, locker=holder.address)
    return unwrap(suite, wrapped, holder.password, holder.address)


def _fetch_one(client: Any, storage: StorageClient, private: LockerKey, item: Issued) -> None:
    asset = client.asset(item.content_id.hex())
    envelope = asset.content.envelope_of(client.address)
    if envelope is None:
        raise BenchError(f"asset {item.content_id.hex()} has no envelope for its holder")
    data_key = open_envelope(client.suite, private, envelope.sealed)
    blob = storage.get(asset.content.blob.hash, asset.content.blob.locators, asset=asset.content_id)
    plaintext = decrypt_content(client.suite, data_key, asset.content_id, asset.version, blob)
    check_content(plaintext, item)


@dataclass(frozen=True)
class _Outcome:
    """What the timed phases measured, besides each phase's figures."""

    phases: dict[str, PhaseFigures]
    unlock_s: list[float]
    usage_records: int
    annotations_verified: int


def _run_phases(scene: AssetScene, settings: AssetsSettings, stats: ProcessStats) -> _Outcome:
    """Every timed phase in turn (each with its CPU figures), then the usage records counted."""
    phases: dict[str, PhaseFigures] = {}
    began = time.monotonic()

    def done(name: str, figures: PhaseFigures) -> None:
        nonlocal began
        phases[name] = with_cpu(figures, stats, began)
        began = time.monotonic()

    clients, reads = settings.clients, grant_phases.Reads()
    figures, issued = _issue_phase(scene, settings)
    done("issue", figures)
    figures, unlock_s, unlocked = _fetch_phase(scene, issued, clients)
    done("fetch", figures)
    figures, granted = grant_phases.grant_phase(scene, spread(issued, settings.grants), unlocked)
    done("grant", figures)
    done("grant_fetch", grant_phases.grant_fetch_phase(scene, granted, clients, reads))
    figures, given = grant_phases.code_phase(scene, spread(issued, settings.codes), unlocked)
    done("code", figures)
    done("code_fetch", grant_phases.code_fetch_phase(scene, given, clients, reads))
    verified = grant_phases.verify_samples(scene, reads.samples)
    usage = grant_phases.usage_records(scene, sorted(reads.per_asset), clients)
    return _Outcome(phases, unlock_s, usage, verified)


def _watched(layout: NetworkLayout, processes: dict[str, Any]) -> dict[str, int]:
    """The processes whose CPU the report shows: chain nodes, storage nodes, this one."""
    pids = {name: process.pid for name, process in processes.items()}
    for node in layout.storage_nodes:
        pid = launcher.pid_of(node)
        if pid is not None:
            pids[node.name] = pid
    pids[CLIENTS] = os.getpid()
    return pids


def run_assets_bench(settings: AssetsSettings, progress: Progress | None = None) -> dict[str, Any]:
    """Run the whole benchmark; returns the JSON-ready figures."""
    settings.validate()
    report = progress or (lambda _stage: None)
    started = time.time()
    host = machine()
    report(f"measuring {settings.suite} signature checks on one core")
    verify_rate = measure_verify_per_s(settings.suite)
    report(f"starting {settings.validators} validators and {settings.storage_nodes} storage nodes")
    with local_network(
        settings.directory,
        settings.keep,
        validators=settings.validators,
        storage_nodes=settings.storage_nodes,
        suite=settings.suite,
        before_start=without_rate_limits,
    ) as (layout, processes):
        scene = set_up_scene(layout, settings.clients, settings.copies, report)
        report(
            f"issuing {settings.assets} assets, fetching them, {settings.grants} grants and "
            f"{settings.codes} codes with {settings.clients} clients"
        )
        with ProcessStats(_watched(layout, processes), machine=True) as stats:
            outcome = _run_phases(scene, settings, stats)
        network_dir = str(layout.directory) if settings.keep or settings.directory else None
    bound = verify_bound_tps(verify_rate, host["cores"], settings.validators)
    unlock = percentile([1000 * s for s in outcome.unlock_s], 50)
    phases = outcome.phases
    reads = phases["grant_fetch"].count + phases["code_fetch"].count
    return {
        "validators": settings.validators,
        "storage_nodes": settings.storage_nodes,
        "copies": settings.copies,
        "suite": settings.suite,
        "clients": settings.clients,
        "assets": settings.assets,
        "document_kib": settings.document_kib,
        "grants": settings.grants,
        "codes": settings.codes,
        **{name: dataclasses.asdict(phases[name]) for name in PHASES},
        "unlock_ms_p50": None if unlock is None else round(unlock, 1),
        "reads": reads,
        "usage_records": outcome.usage_records,
        "annotations_verified": outcome.annotations_verified,
        "cores": host["cores"],
        "verify_per_s_per_core": round(verify_rate, 1),
        "verify_bound_tps": round(bound, 1),
        **{f"{name}_bound_ratio": round(phases[name].per_s / bound, 4) for name in PHASES},
        "machine": host,
        "network_dir": network_dir,
        "wall_s": round(time.time() - started, 1),
    }
