"""The per-connection relay of the chaos fault proxy.

One connection accepted on a link is served here: it is refused while the link
is cut, otherwise the target is dialed and bytes are piped both ways through a
bounded queue per direction, each chunk held until its delay (and, when drawn as
lost, its stall) has passed. The relay also owns how connections end: a clean
end on both sides closes gracefully, anything else (an error, a cut, a reset,
the proxy stopping) aborts both sides with an RST, as a broken path would.

It is kept apart from :mod:`govchain.chaos.proxy`, which owns the links and
their fault settings, so that the byte path can be read on its own. The relay
sees a link only through :class:`RelayedLink`; it never changes fault settings.
Everything here runs on the proxy's loop.
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
import struct
from collections.abc import Iterable
from dataclasses import dataclass
from functools import partial
from typing import Protocol

__all__ = [
    "CHUNK_BYTES_MAX",
    "Chunk",
    "RelayedLink",
    "accept_connection",
    "drop_connections",
]

CHUNK_BYTES_MAX = 64 * 1024
"""The most bytes read from one side at a time: one chunk."""
QUEUE_CHUNKS_MAX = 256
"""Chunks waiting per direction; a full queue stops reading (TCP back-pressure)."""
CONNECT_TIMEOUT_S = 5.0
"""How long to wait for the target to accept before closing the dialer's side."""
HALF_CLOSE_LINGER_S = 2.0
"""After one side ends cleanly, how long the other direction may still finish."""
CLOSE_TIMEOUT_S = 1.0
"""How long a graceful close waits for the peer before cutting the socket."""


@dataclass(frozen=True)
class Chunk:
    """Bytes read from one side, waiting to be written to the other."""

    data: bytes
    due: float
    """Loop time at which the chunk may go: its arrival plus the link delay."""
    stall_s: float
    """Extra hold when the chunk was drawn as lost (0 when it was not)."""


@dataclass(frozen=True)
class _End:
    clean: bool
    """True for an EOF, False for a broken connection."""


class RelayedLink(Protocol):
    """What the relay needs of a link: its target, cut state, counters and connections."""

    target: tuple[str, int]
    is_cut: bool
    accepted: int
    refused_while_cut: int
    connections: set[asyncio.Task[None]]

    def admit(self, data: bytes, now: float) -> Chunk:
        """Stamp a chunk that just arrived with its due time and stall."""

    def forwarded(self, size: int, to_target: bool) -> None:
        """Count a chunk handed to the other side."""


_Side = tuple[asyncio.StreamReader, asyncio.StreamWriter]


def accept_connection(
    link: RelayedLink, reader: asyncio.StreamReader, writer: asyncio.StreamWriter
) -> None:
    """Start serving a connection accepted on ``link`` in a task the link owns.

    Not a coroutine on purpose: asyncio would run it in a task of its own, and
    on 3.11 cancelling that task (a cut or reset) makes asyncio log an error.
    Registering here, at accept, also means a cut never misses a connection.
    """
    task = asyncio.get_running_loop().create_task(_serve(link, reader, writer))
    link.connections.add(task)
    task.add_done_callback(link.connections.discard)
    # A task cancelled before its first step never runs its own cleanup.
    task.add_done_callback(partial(_abort_if_open, writer))


async def drop_connections(links: Iterable[RelayedLink]) -> None:
    """Close every current connection of ``links`` abruptly and wait until they are gone."""
    tasks = [task for link in links for task in link.connections]
    for task in tasks:
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)


async def _serve(
    link: RelayedLink, reader: asyncio.StreamReader, writer: asyncio.StreamWriter
) -> None:
    """Refuse the connection while ``link`` is cut, else forward it to the target."""
    if link.is_cut:
        link.refused_while_cut += 1
        _abort(writer)
        return
    link.accepted += 1
    await _forward_to_target(link, reader, writer)


async def _forward_to_target(
    link: RelayedLink, reader: asyncio.StreamReader, writer: asyncio.StreamWriter
) -> None:
    try:
        async with asyncio.timeout(CONNECT_TIMEOUT_S):
            target_reader, target_writer = await asyncio.open_connection(
                *link.target, limit=CHUNK_BYTES_MAX
            )
    except (OSError, TimeoutError):
        _abort(writer)  # the target is down: the dialer sees its connection refused
        return
    except asyncio.CancelledError:
        _abort(writer)
        raise
    clean = False
    try:
        clean = await _pipe(link, (reader, writer), (target_reader, target_writer))
    finally:
        # A clean end closes both sides gracefully; an error, a cut, a reset
        # or stop ends both with an RST, as a broken path would.
        if clean:
            await _close(writer, target_writer)
        else:
            _abort(writer)
            _abort(target_writer)


async def _pipe(link: RelayedLink, dialer: _Side, target: _Side) -> bool:
    """Forward both ways until one side ends; True if everything ended cleanly.

    When one side half-closes (EOF), the EOF is passed on and the other
    direction may finish for up to ``HALF_CLOSE_LINGER_S``.
    """
    up: asyncio.Queue[Chunk | _End] = asyncio.Queue(QUEUE_CHUNKS_MAX)
    down: asyncio.Queue[Chunk | _End] = asyncio.Queue(QUEUE_CHUNKS_MAX)
    readers = [
        asyncio.create_task(_read_chunks(link, dialer[0], up)),
        asyncio.create_task(_read_chunks(link, target[0], down)),
    ]
    writers = [
        asyncio.create_task(_write_chunks(link, up, target[1], to_target=True)),
        asyncio.create_task(_write_chunks(link, down, dialer[1], to_target=False)),
    ]
    try:
        done, pending = await asyncio.wait(writers, return_when=asyncio.FIRST_COMPLETED)
        if not all(task.result() for task in done):
            return False
        if pending:
            done, pending = await asyncio.wait(pending, timeout=HALF_CLOSE_LINGER_S)
        return not pending and all(task.result() for task in done)
    finally:
        for task in readers + writers:
            task.cancel()
        await asyncio.gather(*readers, *writers, return_exceptions=True)


async def _read_chunks(
    link: RelayedLink, source: asyncio.StreamReader, queue: asyncio.Queue[Chunk | _End]
) -> None:
    """Queue what ``source`` sends, chunk by chunk, stamped on arrival; then its end."""
    loop = asyncio.get_running_loop()
    try:
        while data := await source.read(CHUNK_BYTES_MAX):
            await queue.put(link.admit(data, loop.time()))
    except OSError:
        await queue.put(_End(clean=False))
    else:
        await queue.put(_End(clean=True))


async def _write_chunks(
    link: RelayedLink,
    queue: asyncio.Queue[Chunk | _End],
    sink: asyncio.StreamWriter,
    *,
    to_target: bool,
) -> bool:
    """Write queued chunks to ``sink`` in order, each when due; True on a clean end."""
    loop = asyncio.get_running_loop()
    try:
        while isinstance(item := await queue.get(), Chunk):
            wait_s = item.due - loop.time()
            if wait_s > 0:
                await asyncio.sleep(wait_s)
            if item.stall_s > 0:
                await asyncio.sleep(item.stall_s)  # a retransmission: all behind it waits too
            sink.write(item.data)
            link.forwarded(len(item.data), to_target)
            await sink.drain()
        if item.clean and sink.can_write_eof():
            sink.write_eof()
    except OSError:
        return False
    return item.clean


def _abort(writer: asyncio.StreamWriter) -> None:
    """End a connection at once with an RST (zero linger), dropping unsent bytes."""
    sock = writer.get_extra_info("socket")
    if sock is not None:
        with contextlib.suppress(OSError):
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    writer.transport.abort()


def _abort_if_open(writer: asyncio.StreamWriter, _: object = None) -> None:
    """Abort ``writer`` unless it is already closing (usable as a done callback)."""
    if not writer.transport.is_closing():
        _abort(writer)


async def _close(*writers: asyncio.StreamWriter) -> None:
    """Close connections gracefully, cutting those whose peer does not finish in time."""
    for writer in writers:
        writer.close()  # before any await, so a cancellation cannot skip it
    try:
        async with asyncio.timeout(CLOSE_TIMEOUT_S):
            for writer in writers:
                with contextlib.suppress(OSError):
                    await writer.wait_closed()
    except TimeoutError:
        _abort_all(writers)
    except asyncio.CancelledError:
        _abort_all(writers)
        raise


def _abort_all(writers: Iterable[asyncio.StreamWriter]) -> None:
    for writer in writers:
        writer.transport.abort()
