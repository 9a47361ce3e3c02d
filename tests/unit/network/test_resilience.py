"""A misbehaving link is closed while the node keeps serving others; restarts; full queues."""

from __future__ import annotations

import logging
from collections.abc import Callable

import pytest

from govchain.network import (
    MAX_FRAME_BYTES,
    ConsensusPayload,
    Hello,
    NetworkConfig,
    decode_envelope,
    encode_envelope,
    read_frame,
)
from govchain.network.framing import LENGTH_PREFIX_BYTES

from ...chain_support import CHAIN_ID, ChainMaker
from .net_support import (
    FAST,
    Inbox,
    Pki,
    close_raw,
    dial,
    ended,
    fully_connected,
    make_node,
    raw_peer,
    run,
    running,
    send_raw,
    signed_vote,
    wait_for,
)

MAKER = ChainMaker.make("intl", 3)


async def still_serves(node_inbox: Inbox, sender_send: Callable[[], None], what: str) -> None:
    """Await one more consensus message arriving in ``node_inbox`` after ``sender_send()``."""
    before = len(node_inbox.consensus)
    sender_send()
    await wait_for(lambda: len(node_inbox.consensus) == before + 1, what)


def test_an_oversize_frame_closes_that_link_only(
    pki: Pki, caplog: pytest.LogCaptureFixture
) -> None:
    inbox = Inbox()
    n1, n2 = make_node(pki, "n1", inbox), make_node(pki, "n2")

    async def scenario() -> None:
        async with running(n1, n2):
            dial(n2, n1)
            reader, writer = await raw_peer(pki, "n4", n1.port)
            try:
                await send_raw(writer, encode_envelope(Hello("n4", CHAIN_ID, 0)))
                assert decode_envelope(await read_frame(reader)) == Hello("n1", CHAIN_ID, 0)
                await wait_for(lambda: n1.connected_peers == ["n2", "n4"], "n2 and n4 linked")
                with caplog.at_level(logging.WARNING, logger="govchain.network"):
                    length = MAX_FRAME_BYTES + 1
                    writer.write(length.to_bytes(LENGTH_PREFIX_BYTES, "big"))
                    await writer.drain()
                    assert await ended(reader)
            finally:
                await close_raw(writer)
            await wait_for(lambda: n1.connected_peers == ["n2"], "n4 dropped")
            assert any("over the limit" in r.getMessage() for r in caplog.records)
            await still_serves(inbox, lambda: n2.send("n1", signed_vote(MAKER, 0)), "n2's vote")

    run(scenario)


def test_garbage_frames_close_the_link_at_the_limit(pki: Pki) -> None:
    inbox = Inbox()
    config = NetworkConfig(bad_frames_max=3, backoff_initial_s=0.02, backoff_max_s=0.2)
    n1, n2 = make_node(pki, "n1", inbox, config=config), make_node(pki, "n2")

    async def scenario() -> None:
        async with running(n1, n2):
            dial(n2, n1)
            reader, writer = await raw_peer(pki, "n4", n1.port)
            try:
                await send_raw(writer, encode_envelope(Hello("n4", CHAIN_ID, 0)))
                await read_frame(reader)
                await wait_for(lambda: "n4" in n1.connected_peers, "n4 linked")
                await send_raw(writer, b"\xff garbage")
                await send_raw(writer, encode_envelope(ConsensusPayload(b"not a vote")))
                await wait_for(lambda: n1.counters["n4"].bad_frames == 2, "two bad frames")
                assert "n4" in n1.connected_peers  # below the limit the link stays
                await send_raw(writer, encode_envelope(Hello("n4", CHAIN_ID, 0)))  # twice
                assert await ended(reader)
            finally:
                await close_raw(writer)
            assert n1.counters["n4"].bad_frames == 3
            await wait_for(lambda: n1.connected_peers == ["n2"], "n4 dropped")
            await still_serves(inbox, lambda: n2.broadcast(signed_vote(MAKER, 1)), "n2's vote")

    run(scenario)


def test_a_restarted_node_is_reconnected(pki: Pki) -> None:
    inbox = Inbox()
    n1 = make_node(pki, "n1")
    n2 = make_node(pki, "n2")

    async def scenario() -> None:
        async with running(n1, n2):
            dial(n1, n2)
            await wait_for(lambda: fully_connected([n1, n2]), "the first link")
            port = n2.port
            await n2.stop()
            await wait_for(lambda: n1.connected_peers == [], "n1 noticing n2 left")
            again = make_node(pki, "n2", inbox, port=port)
            async with running(again):  # it dials nobody: n1 must come back to it
                await wait_for(lambda: fully_connected([n1, again]), "the link again")
                await still_serves(inbox, lambda: n1.broadcast(signed_vote(MAKER, 2)), "a vote")
            assert n1.counters["n2"].connections == 2

    run(scenario)


def test_a_full_send_queue_drops_and_counts(pki: Pki) -> None:
    inbox = Inbox()
    config = NetworkConfig(send_queue_depth=2, backoff_initial_s=0.02)
    n1, n2 = make_node(pki, "n1", config=config), make_node(pki, "n2", inbox)
    votes = [signed_vote(MAKER, 0, height=h) for h in range(1, 6)]

    async def scenario() -> None:
        async with running(n1, n2):
            dial(n1, n2)
            await wait_for(lambda: fully_connected([n1, n2]), "a link")
            for vote in votes:  # no await in between: the writer cannot run
                n1.send("n2", vote)
            assert n1.counters["n2"].dropped == 3
            await wait_for(lambda: len(inbox.consensus) == 2, "the two queued votes")
            assert [message for _, message in inbox.consensus] == votes[:2]
            n1.send("n2", votes[4])  # the queue drained, so sending works again
            await wait_for(lambda: len(inbox.consensus) == 3, "one more")
            assert n1.counters["n2"].dropped == 3

    run(scenario)


def test_the_fast_test_config_is_valid_and_limits_are_checked() -> None:
    assert FAST.backoff_max_s >= FAST.backoff_initial_s
    for bad in (
        {"max_frame_bytes": 0},
        {"max_frame_bytes": 2**32},
        {"send_queue_depth": 0},
        {"bad_frames_max": 0},
        {"backoff_initial_s": 0},
        {"backoff_initial_s": 2.0, "backoff_max_s": 1.0},
        {"status_interval_s": -1},
    ):
        with pytest.raises(ValueError, match="NetworkConfig"):
            NetworkConfig(**bad)
