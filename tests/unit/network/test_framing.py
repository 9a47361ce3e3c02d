"""Length-prefixed frames over real asyncio streams: round trips and every limit's boundary."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

import pytest

from govchain.network import MAX_FRAME_BYTES, FrameError, read_frame, write_frame
from govchain.network.framing import LENGTH_PREFIX_BYTES, encode_frame
from govchain.types.errors import GovChainError

from .net_support import run

Streams = tuple[asyncio.StreamReader, asyncio.StreamWriter]


def over_loopback(scenario: Callable[[Streams, Streams], Awaitable[None]]) -> None:
    """Run ``scenario(client, server)`` over a plain TCP connection on 127.0.0.1."""

    async def main() -> None:
        accepted: asyncio.Queue[Streams] = asyncio.Queue()

        def on_client(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            accepted.put_nowait((reader, writer))

        server = await asyncio.start_server(on_client, "127.0.0.1", 0)
        port = server.sockets[0].getsockname()[1]
        client = await asyncio.open_connection("127.0.0.1", port)
        served = await asyncio.wait_for(accepted.get(), 30)
        try:
            await scenario(client, served)
        finally:
            for _, writer in (client, served):
                writer.close()
                await writer.wait_closed()
            server.close()
            await server.wait_closed()

    run(main)


def test_frames_round_trip_in_order() -> None:
    payloads = [b"x", b"hello" * 100, bytes(range(256)) * 1000]

    async def scenario(client: Streams, server: Streams) -> None:
        for payload in payloads:
            await write_frame(client[1], payload)
        assert [await read_frame(server[0]) for _ in payloads] == payloads

    over_loopback(scenario)


def test_exactly_the_limit_is_accepted_and_one_more_byte_is_refused() -> None:
    limit = 1000

    async def scenario(client: Streams, server: Streams) -> None:
        await write_frame(client[1], b"a" * limit, max_bytes=limit)
        assert await read_frame(server[0], limit) == b"a" * limit
        client[1].write((limit + 1).to_bytes(LENGTH_PREFIX_BYTES, "big") + b"a" * (limit + 1))
        await client[1].drain()
        with pytest.raises(FrameError, match="over the limit of 1000"):
            await read_frame(server[0], limit)

    over_loopback(scenario)


def test_the_default_limit_is_sixteen_mebibytes() -> None:
    assert MAX_FRAME_BYTES == 16 * 1024 * 1024

    async def scenario(client: Streams, server: Streams) -> None:
        # Read while writing: 16 MiB is more than the socket buffers hold.
        _, payload = await asyncio.gather(
            write_frame(client[1], b"b" * MAX_FRAME_BYTES), read_frame(server[0])
        )
        assert len(payload) == MAX_FRAME_BYTES
        client[1].write((MAX_FRAME_BYTES + 1).to_bytes(LENGTH_PREFIX_BYTES, "big"))
        await client[1].drain()
        with pytest.raises(FrameError):
            await read_frame(server[0])

    over_loopback(scenario)


def test_a_zero_length_frame_is_refused() -> None:
    async def scenario(client: Streams, server: Streams) -> None:
        client[1].write(bytes(LENGTH_PREFIX_BYTES))
        await client[1].drain()
        with pytest.raises(FrameError, match="zero length"):
            await read_frame(server[0])

    over_loopback(scenario)


def test_a_stream_that_ends_inside_a_frame_is_an_incomplete_read() -> None:
    async def scenario(client: Streams, server: Streams) -> None:
        client[1].write((10).to_bytes(LENGTH_PREFIX_BYTES, "big") + b"short")
        client[1].write_eof()
        with pytest.raises(asyncio.IncompleteReadError):
            await read_frame(server[0])

    over_loopback(scenario)


def test_the_writer_refuses_what_the_reader_would() -> None:
    with pytest.raises(FrameError):
        encode_frame(b"")
    with pytest.raises(FrameError):
        encode_frame(b"abc", max_bytes=2)
    assert encode_frame(b"ab", max_bytes=2) == b"\x00\x00\x00\x02ab"


def test_frame_error_is_a_typed_operating_error() -> None:
    error = FrameError("x")
    assert isinstance(error, GovChainError)
    assert error.code == "frame_invalid"
