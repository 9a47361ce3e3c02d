"""What the timed phases of ``govchain bench assets`` share: figures, tallies, threads.

A phase runs ``count`` client threads (:func:`timed_threads`), each recording
its completed operations' latencies and failures in a :class:`Tally`; the
storage part of each operation is timed by :class:`TimedStorage`; the
phase's figures are :func:`phase_figures`. What was issued (:class:`Issued`)
is what every read is checked against (:func:`check_content`).
"""

from __future__ import annotations

import dataclasses
import hashlib
import threading
import time
from collections import Counter
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

from govchain.bench.cluster import percentile
from govchain.bench.network import BenchError
from govchain.bench.procstats import MACHINE, ProcessStats
from govchain.client.annotations import Annotation
from govchain.client.asset_crypto import Plaintext
from govchain.client.storage import StorageClient
from govchain.types.errors import GovChainError

__all__ = [
    "CLIENTS",
    "READY_TIMEOUT_S",
    "Issued",
    "PhaseFigures",
    "Tally",
    "TimedStorage",
    "check_content",
    "phase_figures",
    "spread",
    "timed_threads",
    "with_cpu",
]

CLIENTS = "clients"
"""The bench's own process (its client threads), as the CPU figures name it."""
READY_TIMEOUT_S = 120.0
"""How long the clients of a phase may take to get ready (unlock their keys)."""


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

    def get_for_use(
        self, digest: bytes, locators: Sequence[str], use_tx: bytes
    ) -> tuple[bytes, Annotation]:
        """``StorageClient.get_for_use`` (a read against a usage record), timed."""
        start = time.perf_counter()
        try:
            return super().get_for_use(digest, locators, use_tx)
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
    """The storage part of one operation: the PUT to every copy, or the GET (None: none)."""
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
class Issued:
    """What was issued, to check every read against."""

    holder: int
    content_id: bytes
    fields: dict[str, Any]
    document_sha256: bytes


@dataclass
class Tally:
    """The shared results of one phase's threads."""

    latencies_s: list[float] = field(default_factory=list)
    storage_s: list[float] = field(default_factory=list)
    errors: Counter[str] = field(default_factory=Counter)
    first_error: str = ""
    lock: threading.Lock = field(default_factory=threading.Lock)

    def failed(self, exc: GovChainError) -> None:
        """Count a failed operation by its error code (a BenchError is not a figure: raised)."""
        if isinstance(exc, BenchError):
            raise exc
        with self.lock:
            self.errors[str(getattr(exc, "code", type(exc).__name__))] += 1
            self.first_error = self.first_error or str(exc)

    def done(self, started: float) -> None:
        """Record an operation that began at ``started`` (``time.perf_counter``) as completed."""
        elapsed = time.perf_counter() - started
        with self.lock:
            self.latencies_s.append(elapsed)

    def figures(self, seconds: float) -> PhaseFigures:
        """The phase's figures over its wall time."""
        return phase_figures(self.latencies_s, seconds, self.storage_s, self.errors)


def check_content(plaintext: Plaintext, item: Issued) -> None:
    """BenchError unless ``plaintext`` is what was issued as ``item``."""
    file = plaintext.file
    if (
        plaintext.fields != item.fields
        or file is None
        or hashlib.sha256(file[1]).digest() != item.document_sha256
    ):
        raise BenchError(f"asset {item.content_id.hex()} decrypted to other content")


def spread(issued: Sequence[Issued], count: int) -> list[Issued]:
    """``count`` of the issued assets (all, if fewer), taken from the holders in turn."""
    by_holder: dict[int, list[Issued]] = {}
    for item in issued:
        by_holder.setdefault(item.holder, []).append(item)
    queues = [by_holder[h] for h in sorted(by_holder)]
    chosen: list[Issued] = []
    for depth in range(max((len(q) for q in queues), default=0)):
        chosen += [q[depth] for q in queues if depth < len(q)]
    return chosen[:count]


def timed_threads(
    worker: Callable[[int], None], count: int, barrier: threading.Barrier | None = None
) -> float:
    """Run ``worker(i)`` on ``count`` threads; the wall time (from the barrier, if given)."""
    with ThreadPoolExecutor(count) as pool:
        futures = [pool.submit(worker, i) for i in range(count)]
        if barrier is not None:
            try:
                barrier.wait(timeout=READY_TIMEOUT_S)
            except threading.BrokenBarrierError as exc:
                raise BenchError("a client of the phase did not get ready") from exc
        start = time.monotonic()
        for future in futures:
            future.result()
        return time.monotonic() - start


def with_cpu(figures: PhaseFigures, stats: ProcessStats, began: float) -> PhaseFigures:
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
