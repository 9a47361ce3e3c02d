"""One authenticated link to a named peer: a bounded send queue, a writer task and a reader.

A connection owns its stream. Its run task reads frames and hands each to
the network's dispatch function; when the run task ends, for whatever
reason, it stops the writer, closes the TLS stream (cutting it if the peer
does not answer the close in time) and reports the end once. The link's
failures (a reset, a bad frame) end only the link; any other exception out
of its tasks is this node's own failure and goes to ``on_failure`` (the
network's supervisor) after the link is closed.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from dataclasses import dataclass

from govchain.network.config import NetworkConfig
from govchain.network.errors import FrameError
from govchain.network.framing import read_frame
from govchain.types.errors import ValidationError

__all__ = ["PeerConnection", "PeerCounters"]

logger = logging.getLogger("govchain.network")


@dataclass
class PeerCounters:
    """What happened with one peer, over all its connections (for status and metrics)."""

    frames_received: int = 0
    frames_queued: int = 0
    dropped: int = 0
    """Frames not sent because the peer's send queue was full."""
    bad_frames: int = 0
    """Frames from the peer that did not decode."""
    connections: int = 0


Dispatch = Callable[["PeerConnection", bytes], None]
"""Handles one frame's payload; raises ValidationError when it does not decode."""
OnFailure = Callable[[BaseException], None]
"""Told of an exception that is this node's failure, not the link's."""


class PeerConnection:
    """A registered link to ``peer``. ``dialer`` is the node that opened it."""

    def __init__(
        self,
        peer: str,
        dialer: str,
        streams: tuple[asyncio.StreamReader, asyncio.StreamWriter],
        config: NetworkConfig,
        counters: PeerCounters,
        key: bytes = b"",
    ) -> None:
        self.peer = peer
        self.dialer = dialer
        self.key = key
        """The SPKI SHA-256 of the peer's certificate: re-checked when the registry changes."""
        self.counters = counters
        self.closed = asyncio.Event()
        """Set once the stream is closed."""
        self._reader, self._writer = streams
        self._config = config
        self._queue: asyncio.Queue[bytes] = asyncio.Queue(maxsize=config.send_queue_depth)
        self._bad_frames = 0
        self._task: asyncio.Task[None] | None = None
        self._on_failure: OnFailure | None = None

    @property
    def address(self) -> str:
        """The peer's host and port, for logs."""
        peername = self._writer.get_extra_info("peername")
        return f"{peername[0]}:{peername[1]}" if peername else "?"

    def offer(self, frame: bytes) -> bool:
        """Queue one encoded frame without waiting; False (and counted) if the queue is full."""
        if self._queue.full():
            self.counters.dropped += 1
            return False
        self._queue.put_nowait(frame)
        self.counters.frames_queued += 1
        return True

    def start(
        self,
        dispatch: Dispatch,
        on_closed: Callable[[PeerConnection], None],
        on_failure: OnFailure,
    ) -> None:
        """Start reading and writing.

        ``on_closed`` is called once, after the stream is closed; ``on_failure``
        with any exception that ends the link's tasks other than the link's own
        failures (a handler of ours that raised, a bug).
        """
        assert self._task is None, "a connection starts once"
        self.counters.connections += 1
        self._on_failure = on_failure
        self._task = asyncio.create_task(
            self._run(dispatch, on_closed), name=f"govchain.network peer {self.peer}"
        )
        self._task.add_done_callback(self._task_ended)

    def _task_ended(self, task: asyncio.Task[None]) -> None:
        """Report an exception that ended one of the link's tasks (the link is closing)."""
        if task.cancelled():
            return
        failure = task.exception()
        if failure is not None:
            assert self._task is not None
            assert self._on_failure is not None
            if task is not self._task:
                self._task.cancel()  # the writer failed: close the link too
            self._on_failure(failure)

    async def close(self) -> None:
        """Close the link and wait until it is closed. Safe to call more than once."""
        assert self._task is not None, "a connection is closed after it starts"
        if self._task is not asyncio.current_task():
            self._task.cancel()
            await asyncio.wait({self._task})

    async def _run(self, dispatch: Dispatch, on_closed: Callable[[PeerConnection], None]) -> None:
        writer_task = asyncio.create_task(
            self._write_loop(), name=f"govchain.network to {self.peer}"
        )
        writer_task.add_done_callback(self._task_ended)
        try:
            await self._read_loop(dispatch)
        except FrameError as exc:
            logger.warning("closing the link to %s (%s): %s", self.peer, self.address, exc)
        except (asyncio.IncompleteReadError, ConnectionError, OSError) as exc:
            logger.info("the link to %s ended: %s", self.peer, exc or type(exc).__name__)
        finally:
            writer_task.cancel()
            await asyncio.wait({writer_task})
            try:
                await close_stream(self._writer, self._config.close_timeout_s)
            finally:
                self.closed.set()
                on_closed(self)

    async def _read_loop(self, dispatch: Dispatch) -> None:
        while True:
            payload = await read_frame(self._reader, self._config.max_frame_bytes)
            self.counters.frames_received += 1
            try:
                dispatch(self, payload)
            except ValidationError as exc:
                self._bad_frames += 1
                self.counters.bad_frames += 1
                if self._bad_frames >= self._config.bad_frames_max:
                    logger.warning(
                        "closing the link to %s: %d bad frames, the last: %s",
                        self.peer, self._bad_frames, exc,
                    )  # fmt: skip
                    return
                logger.info("bad frame from %s: %s", self.peer, exc)

    async def _write_loop(self) -> None:
        try:
            while True:
                frames = [await self._queue.get()]
                while not self._queue.empty():
                    frames.append(self._queue.get_nowait())
                # one TLS record and one send for what queued up together, not one per frame
                self._writer.write(frames[0] if len(frames) == 1 else b"".join(frames))
                await self._writer.drain()
        except (ConnectionError, OSError) as exc:
            logger.info("cannot write to %s: %s", self.peer, exc)
            if self._task is not None:
                self._task.cancel()


async def close_stream(writer: asyncio.StreamWriter, timeout_s: float) -> None:
    """Close a stream, waiting up to ``timeout_s`` for the peer, then cut it."""
    writer.close()
    try:
        # asyncio.timeout, not wait_for: on 3.11 wait_for can swallow a
        # cancellation that races with the inner wait finishing.
        async with asyncio.timeout(timeout_s):
            await writer.wait_closed()
    except (TimeoutError, ConnectionError, OSError):
        writer.transport.abort()  # the peer did not answer the close in time, or the link broke
    except asyncio.CancelledError:
        writer.transport.abort()
        raise
