"""Tx hashes grouped by the height after which they may be forgotten (F-A7 replay window)."""

from __future__ import annotations

import heapq

__all__ = ["ExpiryIndex"]


class ExpiryIndex:
    """Hashes keyed by a last height; :meth:`pop_expired` hands back those now past it.

    Order is deterministic: by last height, then by the order of :meth:`add`.
    Memory is one entry per hash added and not yet popped.
    """

    def __init__(self) -> None:
        self._heights: list[int] = []
        """Min-heap of the distinct last heights that have a bucket."""
        self._buckets: dict[int, list[bytes]] = {}

    def add(self, tx_hash: bytes, last_height: int) -> None:
        """Remember ``tx_hash`` until the next height is above ``last_height``."""
        bucket = self._buckets.get(last_height)
        if bucket is None:
            bucket = self._buckets[last_height] = []
            heapq.heappush(self._heights, last_height)
        bucket.append(tx_hash)

    def pop_expired(self, next_height: int) -> list[bytes]:
        """Remove and return every hash whose last height is below ``next_height``."""
        expired: list[bytes] = []
        while self._heights and self._heights[0] < next_height:
            expired.extend(self._buckets.pop(heapq.heappop(self._heights)))
        return expired
