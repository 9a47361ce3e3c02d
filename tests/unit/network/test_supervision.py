"""A handler of ours that fails stops the node; a peer's bad input only ends its link.

Issue 13 item 1: no exception from our own code is logged and forgotten while
the node keeps running without the part that failed.
"""

from __future__ import annotations

import logging

import pytest

from govchain.network import BlocksRequest, encode_envelope
from govchain.network.dispatch import HandlerFailedError
from govchain.network.framing import encode_frame
from govchain.types.errors import StorageFullError

from ...chain_support import ChainMaker
from .net_support import (
    Inbox,
    Pki,
    dial,
    fully_connected,
    make_node,
    run,
    running,
    signed_vote,
    wait_for,
)

MAKER = ChainMaker.make("intl", 3)


def test_a_failing_handler_goes_to_on_failure_and_is_not_counted_against_the_peer(
    pki: Pki,
) -> None:
    failures: list[BaseException] = []
    n1, n2 = make_node(pki, "n1"), make_node(pki, "n2", on_failure=failures.append)

    def broken(peer: str, raw: bytes) -> None:
        raise OSError(28, "No space left on device")  # an OSError must not pass for a reset

    n2.handlers.on_tx = broken

    async def scenario() -> None:
        async with running(n1, n2):
            dial(n1, n2)
            await wait_for(lambda: fully_connected([n1, n2]), "a link")
            n1.gossip_tx(b"tx")
            await wait_for(lambda: bool(failures), "the failure to be reported")
            await wait_for(lambda: "n1" not in n2.connected_peers, "the link to close")
        assert n2.counters["n1"].bad_frames == 0

    run(scenario)
    assert len(failures) == 1
    failure = failures[0]
    assert isinstance(failure, HandlerFailedError)
    assert isinstance(failure.cause, OSError)
    assert "the tx handler failed: OSError" in str(failure)
    assert n2.failure is failure


def test_a_store_that_fails_while_serving_blocks_is_our_failure(pki: Pki) -> None:
    failures: list[BaseException] = []
    n1, n2 = make_node(pki, "n1"), make_node(pki, "n2", on_failure=failures.append)

    def serve(from_height: int, count: int) -> list[tuple[bytes, bytes]]:
        raise StorageFullError("disk full writing /data; the write was rolled back")

    n2.handlers.serve_blocks = serve

    async def scenario() -> None:
        async with running(n1, n2):
            dial(n1, n2)
            await wait_for(lambda: fully_connected([n1, n2]), "a link")
            n1.send_envelope("n2", BlocksRequest(1, 4))
            await wait_for(lambda: bool(failures), "the failure to be reported")

    run(scenario)
    assert isinstance(failures[0], HandlerFailedError)
    assert "serve_blocks handler failed: StorageFullError: disk full" in str(failures[0])


def test_without_a_supervisor_the_failure_is_logged_as_an_error_and_kept(
    pki: Pki, caplog: pytest.LogCaptureFixture
) -> None:
    inbox = Inbox()
    n1, n2 = make_node(pki, "n1"), make_node(pki, "n2", inbox)

    def broken(peer: str, raw: bytes) -> None:
        raise RuntimeError("a bug in the mempool")

    n2.handlers.on_tx = broken

    async def scenario() -> None:
        async with running(n1, n2):
            dial(n1, n2)
            await wait_for(lambda: fully_connected([n1, n2]), "a link")
            with caplog.at_level(logging.ERROR, logger="govchain.network"):
                n1.gossip_tx(b"tx")
                await wait_for(lambda: n2.failure is not None, "the failure")

    run(scenario)
    assert any("a peer network task failed" in r.getMessage() for r in caplog.records)


def test_a_peers_undecodable_frames_still_only_count_against_its_link(pki: Pki) -> None:
    failures: list[BaseException] = []
    inbox = Inbox()
    n1, n2 = make_node(pki, "n1"), make_node(pki, "n2", inbox, on_failure=failures.append)

    async def scenario() -> None:
        async with running(n1, n2):
            dial(n1, n2)
            await wait_for(lambda: fully_connected([n1, n2]), "a link")
            bad = encode_envelope(BlocksRequest(1, 1)).replace(b"from_height", b"from_heighx")
            n1._connections["n2"].offer(encode_frame(bad))
            n1.broadcast(signed_vote(MAKER, 0))
            await wait_for(lambda: bool(inbox.consensus), "the vote after the bad frame")
            assert n2.counters["n1"].bad_frames == 1

    run(scenario)
    assert failures == []
