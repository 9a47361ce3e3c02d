"""Batch signature checks spread over every core.

SM2 calls release the GIL inside libcrypto, so plain threads scale across
cores. A batch is cut into one contiguous chunk per worker; small batches run
on the calling thread, where a thread hand-off would cost more than it saves.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor

__all__ = ["BATCH_INLINE_MAX", "run_batch", "worker_count"]

BATCH_INLINE_MAX = 16
"""Batches this small or smaller run on the caller's thread."""

_pool_lock = threading.Lock()
_pool: ThreadPoolExecutor | None = None


def worker_count() -> int:
    """Threads used for batches: ``GOVCHAIN_VERIFY_THREADS`` or the usable cores."""
    configured = os.environ.get("GOVCHAIN_VERIFY_THREADS")
    if configured and configured.isdigit() and int(configured) > 0:
        return int(configured)
    return max(1, len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else 1)


def _executor() -> ThreadPoolExecutor:
    global _pool  # noqa: PLW0603 - one pool per process, created on first use
    with _pool_lock:
        if _pool is None:
            _pool = ThreadPoolExecutor(max_workers=worker_count(), thread_name_prefix="verify")
        return _pool


def run_batch(
    verify: Callable[[bytes, bytes, bytes], bool],
    items: Sequence[tuple[bytes, bytes, bytes]],
    workers: int | None = None,
) -> list[bool]:
    """Apply ``verify(public_key, message, signature)`` to every item, in parallel.

    Results are in the order of ``items``. ``workers`` caps the number of
    chunks (default: :func:`worker_count`).
    """
    count = len(items)
    chunks = min(workers or worker_count(), count)
    if count <= BATCH_INLINE_MAX or chunks <= 1:
        return [verify(key, message, sig) for key, message, sig in items]

    def check(start: int, stop: int) -> list[bool]:
        return [verify(key, message, sig) for key, message, sig in items[start:stop]]

    size = -(-count // chunks)
    futures = [_executor().submit(check, i, min(i + size, count)) for i in range(0, count, size)]
    results: list[bool] = []
    for future in futures:
        results.extend(future.result())
    return results
