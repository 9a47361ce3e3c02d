"""``WorkerPool``: a few threads that take pure work off the node's event loop (decision 0005).

The API, consensus and the peers share one asyncio loop. Work that costs
more than a few lookups (proof building, block decoding, signature batches)
runs here instead, and the loop awaits it. The pool is bounded twice: its
threads, and the jobs that may wait for one. A request past both is refused
at once with :class:`BusyError` (503 ``busy`` with ``Retry-After``), so a
flood of reads queues nowhere. The node's own work (gossiped txs) may pass
that bound: it is bounded by its caller instead.

Jobs are pure: they read a chain snapshot or check signatures, and never
touch state that the loop owns (the mempool, the subscribers).
"""

from __future__ import annotations

import asyncio
import functools
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any, TypeVar, TypeVarTuple

from govchain.api.ratelimit import charge_work, work_metered
from govchain.api.service import BusyError, NotReadyError

__all__ = ["WorkerPool"]

_T = TypeVar("_T")
_Args = TypeVarTuple("_Args")


class WorkerPool:
    """``threads`` workers and room for ``queue`` more jobs waiting for one."""

    def __init__(self, name: str, threads: int, queue: int) -> None:
        assert threads >= 1, "threads"
        assert queue >= 0, "queue"
        self.name = name
        self.threads = threads
        self.capacity = threads + queue
        """Jobs running or waiting at most (the node's own work aside)."""
        self._executor = ThreadPoolExecutor(max_workers=threads, thread_name_prefix=name)
        self._lock = threading.Lock()
        self._in_flight = 0

    @property
    def in_flight(self) -> int:
        """Jobs running or waiting now."""
        return self._in_flight

    async def run(self, fn: Callable[[*_Args], _T], *args: *_Args, bounded: bool = True) -> _T:
        """``fn(*args)`` on a worker; the loop waits for it without blocking.

        Raises BusyError when ``bounded`` and the pool is at capacity, and
        NotReadyError once the pool is closed. If the caller is cancelled
        before the job starts, the job is dropped.
        """
        with self._lock:
            if bounded and self._in_flight >= self.capacity:
                raise BusyError(
                    f"the node's {self.name} workers are all busy ({self.capacity} jobs); "
                    "retry shortly"
                )
            self._in_flight += 1
        # a job is timed only for a request that pays for its work (api.ratelimit): the
        # node's own work (gossip, consensus) saves two clock reads per job
        cpu_ns = [0] if work_metered() else None
        try:
            if cpu_ns is None:
                future = self._executor.submit(fn, *args)
            else:
                future = self._executor.submit(_timed, cpu_ns, functools.partial(fn, *args))
        except RuntimeError as exc:  # submit after shutdown
            self._release()
            raise NotReadyError("the node is stopping") from exc
        future.add_done_callback(self._released)
        try:
            return await asyncio.wrap_future(future)
        finally:
            if cpu_ns is not None:
                charge_work(cpu_ns[0])  # the request that asked for it pays

    def _released(self, _future: Future[Any]) -> None:
        self._release()

    def _release(self) -> None:
        with self._lock:
            self._in_flight -= 1

    async def close(self) -> None:
        """Drop the jobs not started and wait, off the loop, for the running ones to end."""
        await asyncio.to_thread(self._executor.shutdown, wait=True, cancel_futures=True)


def _timed(cpu_ns: list[int], job: Callable[[], _T]) -> _T:
    """``job()``, adding the CPU time this worker thread spent on it to ``cpu_ns[0]``."""
    started = time.thread_time_ns()
    try:
        return job()
    finally:
        cpu_ns[0] += time.thread_time_ns() - started
