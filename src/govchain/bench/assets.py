"""``govchain bench assets``: issuance and fetch rates of e-licences, end to end (F-C1, F-A1).

A fresh local network (4 validators and 2 storage nodes by default) runs as
OS processes, exactly as ``net up`` starts them; the cast is set up by
:mod:`govchain.bench.asset_scene`. Then two timed phases, each with
``clients`` concurrent SDK clients (threads of this process):

- **issue**: the member admin issues ``assets`` assets round robin to the
  holders, each through ``AssetClient.issue`` as an application would: read
  the type and the holder's locker key (proven against the genesis), check
  the fields, encrypt them and a document under a fresh data key, seal the
  key to the holder, PUT the blob to ``copies`` storage nodes, submit the tx
  and wait for its commit;
- **fetch**: each holder unwraps its locker key once (not timed), then reads
  each of its assets: the record (proven), its envelope opened, the blob
  fetched from a storage node (hash checked) and decrypted; the content is
  compared with what was issued.

The bound is the one ``bench cluster`` uses, measured in the same run:
signature checks per second on one core x cores / validators. Every
figure is measured; nothing here fails on a figure.
"""

from __future__ import annotations

import dataclasses
import hashlib
import os
import threading
import time
from collections import Counter
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from govchain.bench.asset_scene import AssetScene, Holder, sample_fields, set_up_scene
from govchain.bench.cluster import measure_verify_per_s, percentile, verify_bound_tps
from govchain.bench.network import BenchError, local_network, without_rate_limits
from govchain.bench.procstats import MACHINE, ProcessStats, machine
from govchain.client.asset_crypto import decrypt_content, open_envelope
from govchain.client.locker_keys import unwrap
from govchain.client.storage import StorageClient
from govchain.crypto import suite_for
from govchain.crypto.envelopes import LockerKey
from govchain.node import launcher
from govchain.node.netinit import NetworkLayout
from govchain.types.errors import GovChainError

__all__ = [
    "AssetsSettings",
    "PhaseFigures",
    "TimedStorage",
    "phase_figures",
    "run_assets_bench",
]

Progress = Callable[[str], None]
CLIENTS = "clients"
"""The bench's own process (its client threads), as the CPU figures name it."""


@dataclass(frozen=True)
class AssetsSettings:
    """What ``govchain bench assets`` was asked for."""

    validators: int = 4
    storage_nodes: int = 2
    copies: int = 2
    suite: str = "gm"
    clients: int = 4
    """Concurrent SDK clients; in the fetch phase each is one holder."""
    assets: int = 120
    document_kib: int = 16
    """Size of the document each asset carries, besides its fields."""
    directory: Path | None = None
    keep: bool = False

    def validate(self) -> None:
        """BenchError when the settings cannot make a run."""
        if self.copies > self.storage_nodes:
            raise BenchError(
                f"--copies {self.copies} needs at least as many storage nodes "
                f"(--storage-nodes {self.storage_nodes})"
            )
        if self.assets < self.clients:
            raise BenchError(f"--assets {self.assets}: at least one per client ({self.clients})")


@dataclass
class TimedStorage(StorageClient):
    """The SDK's storage client, timing each put and get (seconds)."""

    put_s: list[float] = field(default_factory=list)
    get_s: list[float] = field(default_factory=list)

    def put(self, data: bytes, holder: bytes, copies: int) -> tuple[bytes, tuple[str, ...]]:
        """``StorageClient.put``, timed."""
        start = time.perf_counter()
        try:
            return super().put(data, holder, copies)
        finally:
            self.put_s.append(time.perf_counter() - start)

    def get(
        self, digest: bytes, locators: Sequence[str], *, asset: bytes = b"", locker: bytes = b""
    ) -> bytes:
        """``StorageClient.get``, timed."""
        start = time.perf_counter()
        try:
            return super().get(digest, locators, asset=asset, locker=locker)
        finally:
            self.get_s.append(time.perf_counter() - start)


@dataclass(frozen=True)
class PhaseFigures:
    """One timed phase as the report shows it."""

    count: int
    """Operations that completed."""
    seconds: float
    per_s: float
    latency_ms_p50: float | None
    latency_ms_p99: float | None
    storage_ms_p50: float | None
    """The storage part of one operation: the PUT to every copy, or the GET."""
    errors: dict[str, int]
    cpu_percent: dict[str, float] = field(default_factory=dict)
    """Percent of one core used while the phase ran, by ``validators``, ``storage_nodes``,
    ``clients`` (this process) and the whole ``machine`` (others' processes too)."""


def phase_figures(
    latencies_s: Sequence[float], seconds: float, storage_s: Sequence[float], errors: Counter[str]
) -> PhaseFigures:
    """The figures of a phase from its completed operations' latencies and its wall time."""

    def ms(values: Sequence[float], q: float) -> float | None:
        found = percentile([1000 * v for v in values], q)
        return None if found is None else round(found, 1)

    return PhaseFigures(
        count=len(latencies_s),
        seconds=round(seconds, 2),
        per_s=round(len(latencies_s) / seconds, 2) if seconds > 0 else 0.0,
        latency_ms_p50=ms(latencies_s, 50),
        latency_ms_p99=ms(latencies_s, 99),
        storage_ms_p50=ms(storage_s, 50),
        errors=dict(sorted(errors.items())),
    )


@dataclass(frozen=True)
class _Issued:
    """What was issued, to check the fetch against."""

    holder: int
    content_id: bytes
    fields: dict[str, Any]
    document_sha256: bytes


@dataclass
class _Tally:
    """The shared results of one phase's threads."""

    latencies_s: list[float] = field(default_factory=list)
    storage_s: list[float] = field(default_factory=list)
    errors: Counter[str] = field(default_factory=Counter)
    first_error: str = ""
    lock: threading.Lock = field(default_factory=threading.Lock)

    def failed(self, exc: GovChainError) -> None:
        with self.lock:
            self.errors[str(getattr(exc, "code", type(exc).__name__))] += 1
            self.first_error = self.first_error or str(exc)


def _issue_phase(scene: AssetScene, settings: AssetsSettings) -> tuple[PhaseFigures, list[_Issued]]:
    tally, issued = _Tally(), []
    numbers = iter(range(settings.assets))
    document_size = settings.document_kib * 1024

    def worker(index: int) -> None:
        suite = suite_for(scene.layout.suite)
        storage = TimedStorage(suite, scene.admin, scene.storage)
        with scene.node(index) as node:
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
                with tally.lock:
                    tally.latencies_s.append(time.perf_counter() - start)
                    digest = hashlib.sha256(document).digest()
                    issued.append(_Issued(holder, done.content_id, fields, digest))
        with tally.lock:
            tally.storage_s.extend(storage.put_s)

    seconds = _timed_threads(worker, settings.clients)
    figures = phase_figures(tally.latencies_s, seconds, tally.storage_s, tally.errors)
    if not issued:
        raise BenchError(f"no asset was issued: {tally.first_error}")
    return figures, issued


def _fetch_phase(
    scene: AssetScene, issued: list[_Issued], clients: int
) -> tuple[PhaseFigures, list[float]]:
    """Each client is one holder: unwrap its locker key, then fetch its assets (timed)."""
    tally, unlock_s = _Tally(), []
    holders = min(clients, len(scene.holders))
    barrier = threading.Barrier(holders + 1)

    def worker(index: int) -> None:
        holder = scene.holders[index]
        suite = suite_for(scene.layout.suite)
        storage = TimedStorage(suite, holder.key, scene.storage)
        mine = [item for item in issued if item.holder == index]
        with scene.node(index) as node:
            client = scene.client(node, holder.key, storage, 1)
            try:
                start = time.perf_counter()
                private = _unlock(client.locker(holder.address), storage, holder, suite)
                with tally.lock:
                    unlock_s.append(time.perf_counter() - start)
            finally:
                barrier.wait()
            for item in mine:
                start = time.perf_counter()
                try:
                    _fetch_one(client, storage, private, item)
                except GovChainError as exc:
                    tally.failed(exc)
                    continue
                with tally.lock:
                    tally.latencies_s.append(time.perf_counter() - start)
        with tally.lock:
            tally.storage_s.extend(storage.get_s[1:])  # the first get was the locker's key

    seconds = _timed_threads(worker, holders, barrier)
    figures = phase_figures(tally.latencies_s, seconds, tally.storage_s, tally.errors)
    if figures.count == 0:
        raise BenchError(f"no asset was fetched: {tally.first_error}")
    return figures, unlock_s


def _unlock(locker: Any, storage: StorageClient, holder: Holder, suite: Any) -> LockerKey:
    if locker is None:
        raise BenchError("a holder's locker is not on the chain")
    blob = locker.key_blob
    wrapped = storage.get(blob.hash, blob.locators, locker=holder.address)
    return unwrap(suite, wrapped, holder.password, holder.address)


def _fetch_one(client: Any, storage: StorageClient, private: LockerKey, item: _Issued) -> None:
    asset = client.asset(item.content_id.hex())
    envelope = asset.content.envelope_of(client.address)
    if envelope is None:
        raise BenchError(f"asset {item.content_id.hex()} has no envelope for its holder")
    data_key = open_envelope(client.suite, private, envelope.sealed)
    blob = storage.get(asset.content.blob.hash, asset.content.blob.locators, asset=asset.content_id)
    plaintext = decrypt_content(client.suite, data_key, asset.content_id, asset.version, blob)
    file = plaintext.file
    if (
        plaintext.fields != item.fields
        or file is None
        or hashlib.sha256(file[1]).digest() != item.document_sha256
    ):
        raise BenchError(f"asset {item.content_id.hex()} decrypted to other content")


def _timed_threads(
    worker: Callable[[int], None], count: int, barrier: threading.Barrier | None = None
) -> float:
    """Run ``worker(i)`` on ``count`` threads; the wall time (from the barrier, if given)."""
    with ThreadPoolExecutor(count) as pool:
        futures = [pool.submit(worker, i) for i in range(count)]
        if barrier is not None:
            try:
                barrier.wait(timeout=120)
            except threading.BrokenBarrierError as exc:
                raise BenchError("a fetch client did not get ready") from exc
        start = time.monotonic()
        for future in futures:
            future.result()
        return time.monotonic() - start


def _watched(layout: NetworkLayout, processes: dict[str, Any]) -> dict[str, int]:
    """The processes whose CPU the report shows: chain nodes, storage nodes, this one."""
    pids = {name: process.pid for name, process in processes.items()}
    for node in layout.storage_nodes:
        pid = launcher.pid_of(node)
        if pid is not None:
            pids[node.name] = pid
    pids[CLIENTS] = os.getpid()
    return pids


def _with_cpu(figures: PhaseFigures, stats: ProcessStats, began: float) -> PhaseFigures:
    """The phase's figures with the CPU used while it ran (its last ``seconds``)."""
    end = time.monotonic()
    cpu = stats.cpu_percent_between(max(began, end - figures.seconds), end)
    storage = {n for n in cpu if n.startswith("storage")}
    chain = {n for n in cpu if n not in storage and n not in (CLIENTS, MACHINE)}
    shares = {
        "validators": sum(cpu[n] for n in chain),
        "storage_nodes": sum(cpu[n] for n in storage),
        "clients": cpu.get(CLIENTS, 0.0),
        "machine": cpu.get(MACHINE, 0.0),
    }
    return dataclasses.replace(figures, cpu_percent={k: round(v, 1) for k, v in shares.items()})


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
        with ProcessStats(_watched(layout, processes), machine=True) as stats:
            report(f"issuing {settings.assets} assets with {settings.clients} clients")
            began = time.monotonic()
            issue, issued = _issue_phase(scene, settings)
            issue = _with_cpu(issue, stats, began)
            report(f"fetching {len(issued)} assets with {settings.clients} holders")
            began = time.monotonic()
            fetch, unlock_s = _fetch_phase(scene, issued, settings.clients)
            fetch = _with_cpu(fetch, stats, began)
        network_dir = str(layout.directory) if settings.keep or settings.directory else None
    bound = verify_bound_tps(verify_rate, host["cores"], settings.validators)
    unlock = percentile([1000 * s for s in unlock_s], 50)
    return {
        "validators": settings.validators,
        "storage_nodes": settings.storage_nodes,
        "copies": settings.copies,
        "suite": settings.suite,
        "clients": settings.clients,
        "assets": settings.assets,
        "document_kib": settings.document_kib,
        "issue": dataclasses.asdict(issue),
        "fetch": dataclasses.asdict(fetch),
        "unlock_ms_p50": None if unlock is None else round(unlock, 1),
        "cores": host["cores"],
        "verify_per_s_per_core": round(verify_rate, 1),
        "verify_bound_tps": round(bound, 1),
        "issue_bound_ratio": round(issue.per_s / bound, 4),
        "fetch_bound_ratio": round(fetch.per_s / bound, 4),
        "machine": host,
        "network_dir": network_dir,
        "wall_s": round(time.time() - started, 1),
    }
