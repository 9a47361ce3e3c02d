"""Length-prefixed frames over asyncio streams.

A frame is a 4-byte big-endian length followed by that many payload bytes.
A zero length or a length over the connection's limit raises
:class:`FrameError` before anything is allocated; the caller then closes
the connection, because the stream can no longer be trusted to be in step.
"""

from __future__ import annotations

import asyncio

from govchain.network.errors import FrameError

__all__ = ["LENGTH_PREFIX_BYTES", "MAX_FRAME_BYTES", "encode_frame", "read_frame", "write_frame"]

LENGTH_PREFIX_BYTES = 4
MAX_FRAME_BYTES = 16 * 1024 * 1024
"""The default largest payload of one frame; each connection may set its own."""

_LENGTH_FIELD_MAX = 2 ** (8 * LENGTH_PREFIX_BYTES) - 1


def _check_length(length: int, max_bytes: int) -> None:
    if length == 0:
        raise FrameError("frame of zero length")
    if length > max_bytes:
        raise FrameError(f"frame of {length} bytes is over the limit of {max_bytes}")


def encode_frame(payload: bytes, max_bytes: int = MAX_FRAME_BYTES) -> bytes:
    """The bytes of one frame carrying ``payload``; FrameError if empty or too large."""
    assert 0 < max_bytes <= _LENGTH_FIELD_MAX, "a frame limit must fit the length prefix"
    _check_length(len(payload), max_bytes)
    return len(payload).to_bytes(LENGTH_PREFIX_BYTES, "big") + payload


async def read_frame(reader: asyncio.StreamReader, max_bytes: int = MAX_FRAME_BYTES) -> bytes:
    """Read one frame's payload.

    Parameters:
        reader: the stream to read from.
        max_bytes: the largest payload accepted.

    Returns:
        The payload bytes.

    Raises:
        FrameError: the length prefix is zero or over ``max_bytes``.
        asyncio.IncompleteReadError: the stream ended before a whole frame.
    """
    header = await reader.readexactly(LENGTH_PREFIX_BYTES)
    length = int.from_bytes(header, "big")
    _check_length(length, max_bytes)
    return await reader.readexactly(length)


async def write_frame(
    writer: asyncio.StreamWriter, payload: bytes, max_bytes: int = MAX_FRAME_BYTES
) -> None:
    """Write one frame and wait until the stream's buffer drains; FrameError if it is invalid."""
    writer.write(encode_frame(payload, max_bytes))
    await writer.drain()
