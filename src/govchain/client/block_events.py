"""The committed blocks of a chain as a follower reads them: heights, BFT times and events,
and when to read them.

A follower (the storage nodes' reminder notifier, a department adapter,
the supervisor) reads the latest block and the events of the committed txs
of each new block, in block order. Events are hints: a follower decides by
the records it reads afterwards.

It reads again as soon as its node's ``/v1/events`` stream announces a
block it has not read (:class:`~govchain.client.event_stream.BlockWatch`,
issue 21): :func:`follow_blocks` is that loop, :class:`BlockWaiter` its
wait. While the stream is refused (503 ``too_many_streams``), dropped or
not there, the follower reads every poll interval, as before the stream;
while it is up and the chain is quiet, every ``IDLE_READ_S`` (or its poll
interval when that is longer, or when the follower has work to retry).
"""

from __future__ import annotations

import asyncio
import logging
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

from govchain.client.endpoints import client_tls_context, node_urls
from govchain.client.event_stream import BlockWatch
from govchain.client.sdk import DEFAULT_TIMEOUT_S, ApiError, NodeClient
from govchain.codec import CodecError
from govchain.ledger import records
from govchain.types.errors import GovChainError

__all__ = [
    "IDLE_READ_S",
    "STREAM_READ_TIMEOUT_S",
    "BlockEvents",
    "BlockWaiter",
    "ChainHead",
    "FollowerRead",
    "follow_blocks",
    "follow_until",
    "node_block_watch",
]

log = logging.getLogger("govchain.client")

IDLE_READ_S = 30.0
"""With the event stream up and no block announced, a follower still reads this often: a
safety net for a block the stream did not carry."""
STREAM_READ_TIMEOUT_S = 60.0
"""A stream silent this long is taken for dead (the node sends a keep-alive every 15 s)."""


@dataclass(frozen=True, slots=True)
class ChainHead:
    """The latest committed block: its height (0 before the first) and BFT time (ms)."""

    height: int
    time: int


class BlockEvents:
    """Blocks and their events, read from a node's API."""

    def __init__(self, node: NodeClient) -> None:
        self.node = node

    def head(self) -> ChainHead:
        """The latest committed block's height and BFT time."""
        try:
            block = self.node.latest_block()
        except ApiError as exc:
            if exc.code == "not_found":
                return ChainHead(0, 0)
            raise
        header = block["header"]
        return ChainHead(int(header["height"]), int(header["time"]))

    def latest_height(self) -> int:
        """The height of the latest committed block (0 before the first)."""
        return self.head().height

    def events_at(self, height: int) -> list[tuple[str, dict[str, Any]]]:
        """The events ``(type, attributes)`` of the successful txs of block ``height``."""
        return [(kind, attributes) for _, kind, attributes in self.tx_events_at(height)]

    def tx_events_at(self, height: int) -> list[tuple[bytes, str, dict[str, Any]]]:
        """The events of the successful txs of block ``height`` with each tx's hash:
        ``(tx hash, type, attributes)``, in block order."""
        block = self.node.block(height)
        found: list[tuple[bytes, str, dict[str, Any]]] = []
        for tx_hash in block.get("txs", []):
            result = self.node.tx(bytes.fromhex(str(tx_hash)))
            bundle = result.receipt or {}
            try:
                receipt = records.decode_receipt(bytes.fromhex(str(bundle.get("receipt"))))
            except (ValueError, GovChainError, CodecError) as exc:
                raise ApiError(200, "bad_response", f"a receipt does not decode: {exc}") from exc
            if receipt.status == 0:
                found += [(receipt.tx_hash, e.type, dict(e.attributes)) for e in receipt.events]
        return found


def node_block_watch(
    urls: str | Sequence[str], ca_bundle: Path | None = None, timeout_s: float = DEFAULT_TIMEOUT_S
) -> BlockWatch:
    """A watch (not started) of the event stream of the first of ``urls``, trusting the CAs of
    ``ca_bundle`` for an HTTPS node as :class:`~govchain.client.sdk.NodeClient` does."""
    url = node_urls(urls)[0]
    verify = True if ca_bundle is None else client_tls_context(ca_bundle)
    timeout = httpx.Timeout(timeout_s, read=STREAM_READ_TIMEOUT_S)
    return BlockWatch(url, httpx.Client(timeout=timeout, verify=verify))


class BlockWaiter:
    """How a follower waits between reads: for the next block its node's event stream
    announces, at most ``poll_s`` seconds while the stream is down or the follower is busy,
    ``max(IDLE_READ_S, poll_s)`` while it is up; without a watch, ``poll_s`` every time.

    :meth:`stop` ends every wait, now and later; :meth:`close` also closes the watch.
    """

    def __init__(
        self, poll_s: float, watch: BlockWatch | None = None, idle_s: float = IDLE_READ_S
    ) -> None:
        assert min(poll_s, idle_s) > 0, "a waiter waits a positive time"
        self.poll_s = poll_s
        self.idle_s = max(idle_s, poll_s)
        self.watch = watch
        self._stop = threading.Event()

    @property
    def stopped(self) -> bool:
        """Whether :meth:`stop` was called."""
        return self._stop.is_set()

    def heard(self) -> int:
        """The highest height the stream announced (0: none, or no watch)."""
        return 0 if self.watch is None else self.watch.height

    def start(self) -> BlockWaiter:
        """Start the watch's stream reader (if there is a watch); returns the waiter."""
        if self.watch is not None:
            self.watch.start()
        return self

    def wait_past(self, height: int, *, busy: bool = False) -> bool:
        """Wait for a block above ``height``; True if the stream announced one.

        ``busy``: the follower has work to retry on its own clock, so it waits
        at most ``poll_s`` even while the stream is up.
        """
        watch = self.watch
        if watch is None:
            self._stop.wait(self.poll_s)
            return False
        if busy or not watch.live:
            return watch.wait_past(height, self.poll_s, self._stop)
        return watch.wait_past(height, self.idle_s, self._stop, while_live=True)

    def pause(self) -> None:
        """Wait ``poll_s`` (or until stopped), whatever the stream says: after a failed read."""
        self._stop.wait(self.poll_s)

    def stop(self) -> None:
        """End every wait, now and later. Safe in a signal handler (no I/O, no joining)."""
        self._stop.set()
        if self.watch is not None:
            self.watch.wake()

    def close(self) -> None:
        """Stop, and close the watch (its reader thread ends)."""
        self.stop()
        if self.watch is not None:
            self.watch.close()


FollowerRead = Callable[[], tuple[int, int, bool] | None]
"""One read of a follower: ``(scanned, latest, busy)``, or None when it failed (said in the
log by the read itself). ``scanned`` is the last height it has read, ``latest`` the latest it
saw, ``busy`` whether it has work to retry on its own clock."""


def follow_blocks(read: FollowerRead, waiter: BlockWaiter) -> None:
    """Run a follower until ``waiter`` is stopped, then close the waiter (blocking).

    Each round reads; a follower behind the latest height (it reads a bounded
    number of blocks at a time) reads again at once; one that is caught up
    waits for a block above the heights it read and saw and those the stream
    had announced before that read (a node read that lags the streaming one
    is not read again at once: the next block, or the poll interval, brings
    it); a failed read waits the poll interval.
    """
    waiter.start()
    try:
        while not waiter.stopped:
            heard = waiter.heard()
            outcome = read()
            if outcome is None:
                waiter.pause()
                continue
            scanned, latest, busy = outcome
            if scanned < latest:
                continue
            waiter.wait_past(max(scanned, latest, heard), busy=busy)
    finally:
        waiter.close()


async def follow_until(stop: asyncio.Event, read: FollowerRead, waiter: BlockWaiter) -> None:
    """:func:`follow_blocks` in a worker thread until ``stop`` is set; closes ``waiter``."""
    stopping = asyncio.create_task(stop.wait())
    stopping.add_done_callback(lambda _task: waiter.stop())
    try:
        await asyncio.to_thread(follow_blocks, read, waiter)
    finally:
        stopping.cancel()
        waiter.close()
