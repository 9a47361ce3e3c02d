"""A node's ``/v1/events`` stream as a follower reads it (docs/formats.md, section 8; issue 21).

:func:`parse_events` turns the lines of a server-sent event stream into
``(type, data)`` pairs. :class:`HeightGuard` is the pure rule every reader
applies to them: heights only go up (a ``block`` at or below the last one is
ignored), and the heights a ``gap`` names, or that a reconnect skipped, are
handed back to be read from ``GET /v1/blocks/{height}``.

:class:`BlockWatch` is the blocking shell used by the storage nodes'
notifier, the department adapters and the supervisor: a thread reads the
stream and :meth:`BlockWatch.wait_past` returns as soon as a block above a
height is heard. When the stream fails (or the node has none), it says so
once in the log and waiters fall back to waiting their poll interval; the
thread keeps trying to reconnect.
"""

from __future__ import annotations

import contextlib
import json
import logging
import socket
import threading
from collections.abc import Iterable, Iterator
from typing import Any

import httpx

__all__ = ["RECONNECT_S", "BlockWatch", "EventParser", "HeightGuard", "parse_events"]

log = logging.getLogger("govchain.client")

RECONNECT_S = 5.0
"""How long a watch waits before connecting again after its stream failed."""
CLOSE_WAIT_S = 5.0
"""How long :meth:`BlockWatch.close` waits for its reader thread to end."""
MAX_EVENT_BYTES = 64 * 1024
"""A ``data`` longer than this is dropped (the node's events are a few hundred bytes)."""


def parse_events(lines: Iterable[str]) -> Iterator[tuple[str, dict[str, Any]]]:
    """The events of server-sent event ``lines`` (without line ends): ``(type, data)``."""
    parser = EventParser()
    for line in lines:
        event = parser.feed(line)
        if event is not None:
            yield event


class EventParser:
    """Server-sent event lines in, one ``(type, data)`` out at the blank line ending each event.

    Comments (keep-alives) and fields other than ``event`` and ``data`` are
    skipped; an event whose data is not a JSON object, or is too long, is
    dropped (logged), and the stream goes on.
    """

    def __init__(self) -> None:
        self._kind = "message"
        self._data: list[str] = []
        self._size = 0

    def feed(self, line: str) -> tuple[str, dict[str, Any]] | None:
        """Take one line (without its end); the event it completes, if any."""
        if line == "":
            kind, data = self._kind, self._data
            self._kind, self._data, self._size = "message", [], 0
            if not data:
                return None
            event = _decoded(kind, "\n".join(data))
            return None if event is None else (kind, event)
        name, _, value = line.partition(":")
        value = value.removeprefix(" ")
        if name == "event":
            self._kind = value
        elif name == "data":
            self._size += len(value) + 1
            if self._size <= MAX_EVENT_BYTES:
                self._data.append(value)
            else:
                self._data = ["too long"]  # not JSON: dropped at the blank line
        return None


def _decoded(kind: str, data: str) -> dict[str, Any] | None:
    try:
        event = json.loads(data)
    except ValueError:
        event = None
    if not isinstance(event, dict):
        log.warning("dropped a %.40r event whose data is not a JSON object", kind)
        return None
    return event


class HeightGuard:
    """The heights a stream reader has seen, kept in order.

    ``height`` is the last height accounted for: heard as a ``block`` event,
    named by a ``gap``, or read back. Each method returns the heights the
    reader must read from ``GET /v1/blocks/{height}`` before going on, in
    order (empty: none).
    """

    def __init__(self, height: int) -> None:
        assert height >= 0, "heights start at 0 (no block yet)"
        self.height = height

    def block(self, height: int) -> tuple[list[int], bool]:
        """A ``block`` event at ``height``: (heights missed before it, whether it is new).

        A block at or below the last height is old news (a replay after a
        reconnect, or out of order): not new, nothing to read.
        """
        if height <= self.height:
            return [], False
        missed = list(range(self.height + 1, height))
        self.height = height
        return missed, True

    def gap(self, last: int) -> list[int]:
        """A ``gap`` event ending at ``last``: every height up to it not yet accounted for
        (the gap's own heights, and any before it a reader somehow did not hear)."""
        return self.caught_up(last)

    def caught_up(self, latest: int) -> list[int]:
        """After a (re)connect: the heights between the last one and ``latest`` to read."""
        missed = list(range(self.height + 1, latest + 1))
        self.height = max(self.height, latest)
        return missed


class BlockWatch:
    """The latest height a node's event stream announced, and a way to wait for the next one.

    The watch reads ``GET {url}/v1/events`` in a daemon thread once started.
    It only learns heights; a follower still reads the blocks it needs.
    """

    def __init__(
        self, url: str, http: httpx.Client | None = None, reconnect_s: float = RECONNECT_S
    ) -> None:
        self.url = url.rstrip("/") + "/v1/events"
        self._http = http if http is not None else httpx.Client(timeout=None)
        self._reconnect_s = reconnect_s
        self._changed = threading.Condition()
        self._height = 0
        self._live = False
        self._warned = False
        self._closed = False
        self._thread: threading.Thread | None = None
        self._socket: socket.socket | None = None

    @property
    def live(self) -> bool:
        """Whether the stream is connected (False: waiters poll)."""
        return self._live

    @property
    def height(self) -> int:
        """The highest height the stream announced (0: none yet)."""
        return self._height

    def start(self) -> BlockWatch:
        """Start reading the stream in a daemon thread; returns the watch."""
        with self._changed:  # not while closing: close() joins the thread it finds
            if self._thread is None and not self._closed:
                self._thread = threading.Thread(target=self._run, name="block-watch", daemon=True)
                self._thread.start()
        return self

    def wait_past(
        self,
        height: int,
        timeout_s: float,
        stop: threading.Event | None = None,
        *,
        while_live: bool = False,
    ) -> bool:
        """Wait until a block above ``height`` is announced, at most ``timeout_s`` seconds.

        True if one was; False on timeout, once closed, or once ``stop`` is set
        (whoever sets it calls :meth:`wake`). With ``while_live`` the wait also
        ends when the stream drops, so the caller can go back to polling. With
        the stream down this just waits ``timeout_s``: the caller polls, as
        before the stream.
        """

        def over() -> bool:
            return (
                self._closed
                or self._height > height
                or (stop is not None and stop.is_set())
                or (while_live and not self._live)
            )

        with self._changed:
            return (
                self._changed.wait_for(over, timeout_s)
                and self._height > height
                and not self._closed
                and not (stop is not None and stop.is_set())
            )

    def wake(self) -> None:
        """Wake every waiter to look again (after setting the ``stop`` it waits with).

        Only takes the watch's reentrant lock: safe in a signal handler.
        """
        with self._changed:
            self._changed.notify_all()

    def close(self) -> None:
        """Stop reading, wake every waiter, and wait (at most ``CLOSE_WAIT_S``) for the reader
        thread to end: a stream being read is shut down under it."""
        with self._changed:
            self._closed = True
            self._changed.notify_all()
            thread = self._thread
        reading = self._socket
        if reading is not None:
            with contextlib.suppress(OSError):  # already closed
                # the plain socket's shutdown, also under TLS: it wakes a blocked read
                socket.socket.shutdown(reading, socket.SHUT_RDWR)
        if thread is not None and thread is not threading.current_thread():
            thread.join(CLOSE_WAIT_S)
        self._http.close()

    def _run(self) -> None:
        while not self._closed:
            try:
                with self._http.stream("GET", self.url) as answer:
                    if answer.status_code != 200:
                        raise ValueError(f"it answered {answer.status_code}")
                    self._socket = _socket_of(answer)
                    self._set(live=True)
                    for kind, event in parse_events(answer.iter_lines()):
                        self._heard(kind, event)
                raise httpx.RemoteProtocolError("the stream ended")
            except Exception as exc:  # the reader must outlive any failure while it is wanted
                self._socket = None
                self._set(live=False)
                if self._closed:
                    return
                if not self._warned:
                    self._warned = True
                    log.warning(
                        "the event stream of %s failed (%s): following by polling until it is back",
                        self.url,
                        exc if isinstance(exc, httpx.HTTPError | OSError | ValueError)
                        else f"{type(exc).__name__}: {exc}",
                    )  # fmt: skip
                with self._changed:
                    self._changed.wait_for(lambda: self._closed, self._reconnect_s)

    def _heard(self, kind: str, event: dict[str, Any]) -> None:
        key = "height" if kind == "block" else "to" if kind == "gap" else None
        value = event.get(key) if key is not None else None
        if type(value) is int and value > self._height:
            with self._changed:
                self._height = value
                self._changed.notify_all()

    def _set(self, *, live: bool) -> None:
        with self._changed:
            self._live = live
            self._changed.notify_all()
        if live and self._warned:
            log.info("the event stream of %s is back", self.url)
            self._warned = False


def _socket_of(answer: httpx.Response) -> socket.socket | None:
    """The socket a streamed answer is read from (None: a test transport has none)."""
    stream = answer.extensions.get("network_stream")
    found = None if stream is None else stream.get_extra_info("socket")
    return found if isinstance(found, socket.socket) else None
