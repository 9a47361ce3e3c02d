"""Gossiped txs go in batches: one signature batch for what arrives, one frame for what leaves."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

GOSSIP_BATCH_S = 0.005
GOSSIP_BATCH_MAX = 256
"""Txs wait at most this long, or until this many, to be checked (received) or sent together."""


class TxBatcher:
    """Collects raw txs and hands them on together, after ``GOSSIP_BATCH_S`` or at the cap."""

    def __init__(
        self,
        flush: Callable[[list[bytes]], None],
        guarded: Callable[[Callable[[], None]], Callable[[], None]],
    ) -> None:
        self._flush = flush
        self._pending: list[bytes] = []
        self._on_timer = guarded(self.flush)  # a timer's exception fails the node

    def add(self, raw: bytes) -> None:
        self._pending.append(raw)
        if len(self._pending) == 1:
            asyncio.get_running_loop().call_later(GOSSIP_BATCH_S, self._on_timer)
        elif len(self._pending) >= GOSSIP_BATCH_MAX:
            self.flush()

    def flush(self) -> None:
        batch, self._pending = self._pending, []
        if batch:
            self._flush(batch)
