"""A fake chain node for followers: its height, and its ``/v1/events`` stream over
``httpx.MockTransport``, which announces each block, or is refused (503 ``too_many_streams``),
or drops after its first event."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from functools import partial

import httpx

from govchain.client.event_stream import BlockWatch

URL = "http://events-node.test"
WAIT_S = 10.0
"""How long a test waits for what should happen at once (well under any fallback poll)."""


class EventNode:
    """The chain's height and the node's event stream; ``mode`` says how the stream answers:
    ``live`` (every block), ``refuse`` (503), ``drop`` (its first event, then it ends, and
    every stream after that is refused)."""

    def __init__(self, mode: str = "live", url: str = URL) -> None:
        self.mode = mode
        self.url = url
        self.height = 0
        self.streams = 0
        """Stream requests answered so far (refused ones too)."""
        self.opened = 0
        """Streams that started (answered 200)."""
        self.closed = False
        self._changed = threading.Condition()

    def commit(self) -> int:
        """One more block; its height."""
        with self._changed:
            self.height += 1
            self._changed.notify_all()
            return self.height

    def close(self) -> None:
        """End every open stream."""
        with self._changed:
            self.closed = True
            self._changed.notify_all()

    def wait_streams(self, count: int) -> None:
        """Wait until ``count`` stream requests were answered."""
        with self._changed:
            assert self._changed.wait_for(lambda: self.streams >= count, WAIT_S)

    def wait_opened(self, count: int) -> None:
        """Wait until ``count`` streams started: a block committed after it is announced."""
        with self._changed:
            assert self._changed.wait_for(lambda: self.opened >= count, WAIT_S)

    def watch(self, reconnect_s: float = 0.01) -> BlockWatch:
        """A watch (not started) of this node's stream."""
        transport = httpx.MockTransport(self._handle)
        return BlockWatch(self.url, httpx.Client(transport=transport), reconnect_s=reconnect_s)

    def _handle(self, request: httpx.Request) -> httpx.Response:
        assert request.url.path == "/v1/events"
        with self._changed:
            self.streams += 1
            refused = self.mode == "refuse" or (self.mode == "drop" and self.streams > 1)
            self.opened += 0 if refused else 1
            sent = self.height
            self._changed.notify_all()
        if refused:
            body = {"error": {"code": "too_many_streams", "message": "too many event streams"}}
            return httpx.Response(503, json=body)
        return httpx.Response(200, stream=_Body(self._events(sent, once=self.mode == "drop")))

    def _events(self, sent: int, *, once: bool) -> Iterator[bytes]:
        while True:
            with self._changed:
                self._changed.wait_for(partial(self._past, sent))
                if self.closed:
                    return
                sent += 1
            data = json.dumps({"type": "block", "height": sent, "txs": 0})
            yield f"event: block\ndata: {data}\n\n".encode()
            if once:
                return

    def _past(self, height: int) -> bool:
        return self.closed or self.height > height


class _Body(httpx.SyncByteStream):
    def __init__(self, chunks: Iterator[bytes]) -> None:
        self._chunks = chunks

    def __iter__(self) -> Iterator[bytes]:
        yield from self._chunks


class Reads:
    """A follower's reads of an :class:`EventNode`: the heights it saw, in order."""

    def __init__(self, node: EventNode) -> None:
        self.node = node
        self.seen: list[int] = []
        self._changed = threading.Condition()

    def read(self) -> tuple[int, int, bool]:
        """One read: (scanned, latest, busy) as ``follow_blocks`` takes it."""
        height = self.node.height
        with self._changed:
            self.seen.append(height)
            self._changed.notify_all()
        return height, height, False

    def wait_for(self, height: int) -> None:
        """Wait until a read saw ``height``."""
        with self._changed:
            assert self._changed.wait_for(lambda: height in self.seen, WAIT_S), self.seen
