"""Worker pools: jobs off the loop, bounded, and their CPU time charged to the request (N-5)."""

from __future__ import annotations

import asyncio
import threading
import time
from typing import Any

import pytest

from govchain.api.ratelimit import RateLimiter, RateLimitMiddleware, RateLimits
from govchain.api.service import BusyError
from govchain.node.worker_pool import WorkerPool


def _burn(cpu_ms: int) -> int:
    """Spend about ``cpu_ms`` of this thread's CPU time; return the thread's ident."""
    end = time.thread_time_ns() + cpu_ms * 1_000_000
    spins = 0
    while time.thread_time_ns() < end:
        spins += 1
    return threading.get_ident()


def test_a_job_runs_in_a_worker_thread_and_its_cpu_time_is_charged_to_the_request() -> None:
    pool = WorkerPool("reads", threads=1, queue=0)
    threads: list[int] = []

    async def app(_scope: Any, _receive: Any, send: Any) -> None:
        threads.append(await pool.run(_burn, 30))
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b""})

    limits = RateLimits(reads_per_s=1000, burst_s=1)
    middleware = RateLimitMiddleware(app, limits, max_body_bytes=1024, clock=lambda: 0)
    scope = {"type": "http", "method": "GET", "path": "/v1/blocks/1", "client": ("10.0.0.9", 1)}

    async def serve() -> None:
        async def receive() -> dict[str, Any]:
            return {"type": "http.request", "body": b"", "more_body": False}

        async def send(_message: dict[str, Any]) -> None:
            return None

        await middleware(scope, receive, send)
        await pool.close()

    asyncio.run(serve())
    assert len(threads) == 1
    assert threads[0] != threading.get_ident()
    reads = middleware.reads
    assert isinstance(reads, RateLimiter)
    spent = 1000 - reads.tokens("10.0.0.9", 0)
    assert 30 <= spent <= 1000  # one token, and one per ms of the job's 30+ ms of CPU


def test_a_full_pool_refuses_at_once_with_busy() -> None:
    pool = WorkerPool("reads", threads=1, queue=0)

    async def two_at_once() -> None:
        first = asyncio.ensure_future(pool.run(_burn, 50))
        await asyncio.sleep(0)
        with pytest.raises(BusyError):
            await pool.run(_burn, 1)
        await first
        await pool.close()

    asyncio.run(two_at_once())


def test_the_nodes_own_work_is_not_timed(monkeypatch: pytest.MonkeyPatch) -> None:
    """Gossip and consensus jobs have no request to charge: no clock reads around them."""
    from govchain.node import worker_pool

    timed: list[int] = []
    original = worker_pool._timed

    def counting(cpu_ns: list[int], job: Any) -> Any:
        timed.append(1)
        return original(cpu_ns, job)

    monkeypatch.setattr(worker_pool, "_timed", counting)
    pool = WorkerPool("verify", threads=1, queue=0)

    async def outside_a_request() -> int:
        try:
            return await pool.run(_burn, 1, bounded=False)
        finally:
            await pool.close()

    assert asyncio.run(outside_a_request()) != threading.get_ident()
    assert timed == []
