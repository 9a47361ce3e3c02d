"""The grant phases of ``govchain bench assets``: grants, reads through them, codes (F-C2, F-C3).

After the issue and fetch phases (:mod:`govchain.bench.assets`), with the
holders' locker keys the fetch phase unlocked (scrypt once per holder, never
per operation) and the bank of the scene as the reader, four timed phases:

- **grant**: each client is one holder; it grants the bank ``view`` of its
  assets through ``GrantClient.grant``: the asset read (proven), its data
  key opened from the holder's envelope, the bank's locker key read
  (proven), the key sealed to it, ``grants.grant`` submitted and committed;
- **grant_fetch**: ``clients`` threads of the bank, which lists the grants
  shared with it once (all pages) and unlocks its locker key once, read each
  granted asset: the record (proven), ``grants.use`` through the grant,
  committed, the envelope of the grant opened, the blob read against the
  usage record (``StorageClient.get_for_use``, an annotated copy with it)
  and decrypted;
- **code**: each holder issues a one-use code for its assets through
  ``GrantClient.new_code`` (the code's keys derived with scrypt, by design);
- **code_fetch**: the bank's threads read with the codes through
  ``GrantClient.fetch_with_code``: keys derived from the code (scrypt),
  ``grants.use`` with the code's proof, committed, ``get_for_use``, decrypt.

Every read's content is compared with what was issued, and every tenth
read's annotated copy is verified offline (``verify_annotated_copy``) after
its phase (BenchError otherwise: that is not a figure). At the end the
usage history of every asset read is counted through the API.
"""

from __future__ import annotations

import hmac
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any, TypeVar

from govchain.bench.asset_scene import COMMIT_TIMEOUT_S, AssetScene, Holder
from govchain.bench.asset_timing import (
    Issued,
    PhaseFigures,
    Tally,
    TimedStorage,
    check_content,
    timed_threads,
)
from govchain.bench.network import BenchError
from govchain.client.annotations import verify_annotated_copy
from govchain.client.asset_crypto import decrypt_content, open_envelope
from govchain.client.assets import AssetClient
from govchain.client.grants import FetchedForUse, GrantClient
from govchain.client.sdk import NodeClient
from govchain.contracts.grants import UseArgs
from govchain.crypto import SigningKey, suite_for
from govchain.crypto.envelopes import LockerKey
from govchain.types.errors import GovChainError

__all__ = [
    "SAMPLE_EVERY",
    "CodeGiven",
    "Granted",
    "Reads",
    "UnlockedAssets",
    "code_fetch_phase",
    "code_phase",
    "grant_fetch_phase",
    "grant_phase",
    "usage_records",
    "verify_samples",
]

SAMPLE_EVERY = 10
"""Every this many reads, one annotated copy is verified offline."""
GRANT_PURPOSE = "开户尽职调查"
READ_PURPOSE = "开户核验"
VALID_MS = 24 * 3600 * 1000
"""How long the grants and codes last (BFT time): the whole run, with room."""
_T = TypeVar("_T")


class UnlockedAssets(AssetClient):
    """An AssetClient whose locker key was unlocked once and is reused, not re-derived.

    ``AssetClient.unlock`` runs scrypt on every call (and ``GrantClient.grant``
    and ``new_code`` call it per operation); an application that keeps the
    key for its session, as the bench does, answers from the key it holds.
    """

    def __init__(
        self, node: NodeClient, key: SigningKey, unlocked: LockerKey, password: bytes, **kw: Any
    ) -> None:
        super().__init__(node, key, **kw)
        self._unlocked = unlocked
        self._password = password

    def unlock(self, password: bytes) -> LockerKey:
        """The locker key unlocked at the start of the session (BenchError: another password)."""
        if not hmac.compare_digest(password, self._password):
            raise BenchError("the locker key was unlocked with another password")
        return self._unlocked


@dataclass(frozen=True)
class Granted:
    """A grant to the bank of an issued asset."""

    item: Issued
    grant: bytes


@dataclass(frozen=True)
class CodeGiven:
    """A one-use code of an issued asset, as its holder hands it to the bank."""

    item: Issued
    code: str = field(repr=False)


@dataclass
class Reads:
    """The reads of the grant phases: per asset, and every ``SAMPLE_EVERY``-th one kept."""

    per_asset: Counter[bytes] = field(default_factory=Counter)
    samples: list[FetchedForUse] = field(default_factory=list)
    count: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, fetched: FetchedForUse) -> None:
        """Count a completed read (the first and every ``SAMPLE_EVERY``-th after it sampled)."""
        with self.lock:
            if self.count % SAMPLE_EVERY == 0:
                self.samples.append(fetched)
            self.count += 1
            self.per_asset[fetched.asset.content_id] += 1


def _expires_ms() -> int:
    """An expiry (BFT time, ms) a day after now: the bench's clock is the validators' own."""
    return int(time.time() * 1000) + VALID_MS


def _by_holder(
    scene: AssetScene,
    chosen: Sequence[Issued],
    unlocked: dict[int, LockerKey],
    act: Callable[[GrantClient, Holder, Issued], _T],
) -> tuple[PhaseFigures, list[tuple[Issued, _T]]]:
    """Each holder of ``chosen`` on its own thread runs ``act`` on its assets (timed)."""
    tally, made = Tally(), []
    holders = sorted({item.holder for item in chosen})

    def worker(slot: int) -> None:
        index = holders[slot]
        holder = scene.holders[index]
        with scene.node(index) as node:
            assets = UnlockedAssets(
                node, holder.key, unlocked[index], holder.password, genesis=scene.genesis
            )
            grants = GrantClient(assets)
            for item in (i for i in chosen if i.holder == index):
                start = time.perf_counter()
                try:
                    result = act(grants, holder, item)
                except GovChainError as exc:
                    tally.failed(exc)
                    continue
                tally.done(start)
                with tally.lock:
                    made.append((item, result))

    figures = tally.figures(timed_threads(worker, len(holders)))
    if not made:
        raise BenchError(f"no holder could act on its assets: {tally.first_error}")
    return figures, made


def grant_phase(
    scene: AssetScene, chosen: Sequence[Issued], unlocked: dict[int, LockerKey]
) -> tuple[PhaseFigures, list[Granted]]:
    """The holders grant the bank ``view`` of ``chosen`` (one grant each, one use)."""
    expires = _expires_ms()

    def grant(grants: GrantClient, holder: Holder, item: Issued) -> bytes:
        return grants.grant(
            item.content_id.hex(), scene.bank.address, "view", GRANT_PURPOSE, expires, 1,
            holder.password,
        )  # fmt: skip

    figures, made = _by_holder(scene, chosen, unlocked, grant)
    return figures, [Granted(item, grant_id) for item, grant_id in made]


def code_phase(
    scene: AssetScene, chosen: Sequence[Issued], unlocked: dict[int, LockerKey]
) -> tuple[PhaseFigures, list[CodeGiven]]:
    """The holders issue a one-use code for each of ``chosen``."""
    expires = _expires_ms()

    def new_code(grants: GrantClient, holder: Holder, item: Issued) -> str:
        ref = item.content_id.hex()
        return grants.new_code(ref, READ_PURPOSE, expires, 1, holder.password).code

    figures, made = _by_holder(scene, chosen, unlocked, new_code)
    return figures, [CodeGiven(item, code) for item, code in made]


def _bank_reads(
    scene: AssetScene,
    work: Sequence[_T],
    clients: int,
    read: Callable[[GrantClient, _T], tuple[FetchedForUse, Issued]],
    reads: Reads,
) -> PhaseFigures:
    """``clients`` threads of the bank run ``read`` on ``work`` (timed); each content checked."""
    tally, queue = Tally(), iter(work)
    bank = scene.bank

    def worker(index: int) -> None:
        storage = _storage(scene)
        with storage, scene.node(index) as node:
            grants = GrantClient(scene.client(node, bank.key, storage, 1))
            while (job := _next(queue, tally.lock)) is not None:
                start = time.perf_counter()
                try:
                    fetched, item = read(grants, job)
                    check_content(fetched.plaintext, item)
                except GovChainError as exc:
                    tally.failed(exc)
                    continue
                tally.done(start)
                reads.add(fetched)
        with tally.lock:
            tally.storage_s.extend(storage.get_s)

    figures = tally.figures(timed_threads(worker, min(clients, len(work))))
    if figures.count == 0:
        raise BenchError(f"the bank read nothing: {tally.first_error}")
    return figures


def _next(queue: Iterator[_T], lock: threading.Lock) -> _T | None:
    with lock:
        return next(queue, None)


def grant_fetch_phase(
    scene: AssetScene, granted: Sequence[Granted], clients: int, reads: Reads
) -> PhaseFigures:
    """The bank reads each granted asset once, through its grant."""
    envelopes = _grants_to_bank(scene)
    missing = [g.grant.hex() for g in granted if g.grant not in envelopes]
    if missing:
        raise BenchError(f"the bank does not see {len(missing)} of its grants, e.g. {missing[0]}")
    with _storage(scene) as storage, scene.node(0) as node:
        unlocked = scene.client(node, scene.bank.key, storage, 1).unlock(scene.bank.password)

    def read(grants: GrantClient, job: Granted) -> tuple[FetchedForUse, Issued]:
        return _read_through_grant(grants, job, envelopes[job.grant], unlocked), job.item

    return _bank_reads(scene, granted, clients, read, reads)


def code_fetch_phase(
    scene: AssetScene, given: Sequence[CodeGiven], clients: int, reads: Reads
) -> PhaseFigures:
    """The bank reads each asset once with the code its holder gave it."""

    def read(grants: GrantClient, job: CodeGiven) -> tuple[FetchedForUse, Issued]:
        ref = job.item.content_id.hex()
        return grants.fetch_with_code(ref, job.code, READ_PURPOSE), job.item

    return _bank_reads(scene, given, clients, read, reads)


def _storage(scene: AssetScene) -> TimedStorage:
    """A timed storage client of the bank."""
    return TimedStorage(suite_for(scene.layout.suite), scene.bank.key, scene.storage)


def _grants_to_bank(scene: AssetScene) -> dict[bytes, bytes]:
    """Every grant shared with the bank (a signed read, all pages): id -> envelope."""
    found: dict[bytes, bytes] = {}
    path = f"/v1/grants/to/{scene.bank.address.hex()}"
    urls = list(scene.api_urls)
    with NodeClient(urls, ca_bundle=scene.layout.ca_bundle, signing_key=scene.bank.key) as node:
        cursor: str | None = None
        while True:
            page = node.get_json(path, {} if cursor is None else {"cursor": cursor})
            for grant in page["records"]:
                found[bytes.fromhex(str(grant["id"]))] = bytes.fromhex(str(grant["envelope"]))
            cursor = page.get("next")
            if cursor is None:
                return found


def _read_through_grant(
    grants: GrantClient, job: Granted, envelope: bytes, unlocked: LockerKey
) -> FetchedForUse:
    """``GrantClient.fetch_with_grant`` with the grant known and the locker key unlocked once:
    the record (proven), ``grants.use`` committed, the blob against it, decrypted."""
    assets = grants.assets
    asset = assets.asset(job.item.content_id.hex())
    receipt = assets.send(UseArgs(asset.content_id, "view", READ_PURPOSE, {"grant": job.grant}))
    data_key = open_envelope(assets.suite, unlocked, envelope)
    blob = asset.content.blob
    data, annotation = assets.storage.get_for_use(blob.hash, blob.locators, receipt.tx_hash)
    version = max(asset.version, 1)
    plaintext = decrypt_content(assets.suite, data_key, asset.content_id, version, data)
    return FetchedForUse(asset, plaintext, receipt.tx_hash, annotation)


def verify_samples(scene: AssetScene, samples: Sequence[FetchedForUse]) -> int:
    """Verify the sampled reads' annotated copies offline; how many (BenchError if one fails)."""
    with scene.node(0) as node:
        for fetched in samples:
            try:
                node.wait(fetched.use_tx, COMMIT_TIMEOUT_S)
                verify_annotated_copy(scene.genesis, fetched.annotated_copy(node))
            except GovChainError as exc:
                raise BenchError(
                    f"the annotated copy of read {fetched.use_tx.hex()} does not verify: {exc}"
                ) from exc
    return len(samples)


def usage_records(scene: AssetScene, assets: Sequence[bytes], clients: int) -> int:
    """The usage records the chain holds for ``assets``, read through their usage histories."""
    slices = [assets[i::clients] for i in range(clients)]

    def count(index: int) -> int:
        with scene.node(index) as node:
            grants = GrantClient(AssetClient(node, scene.bank.key, genesis=scene.genesis))
            return sum(len(grants.history(content_id.hex())) for content_id in slices[index])

    with ThreadPoolExecutor(clients) as pool:
        return sum(pool.map(count, range(clients)))
