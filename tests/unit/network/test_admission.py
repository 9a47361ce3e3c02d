"""Only registered nodes get in: unknown CAs, unregistered keys and false names are refused."""

from __future__ import annotations

import asyncio
import logging
import ssl

import pytest

from govchain.network import Hello, NetworkConfig, decode_envelope, encode_envelope, read_frame

from ...chain_support import CHAIN_ID
from .net_support import (
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
    wait_for,
)

LOGGER = "govchain.network"


def warnings_of(caplog: pytest.LogCaptureFixture) -> list[str]:
    """The warning messages the network logged."""
    return [
        r.getMessage() for r in caplog.records if r.name == LOGGER and r.levelno == logging.WARNING
    ]


async def refused_at_tls(pki: Pki, name: str, port: int) -> bool:
    """Whether a hand-driven client with ``name``'s certificate is cut off during or after TLS."""
    try:
        reader, writer = await raw_peer(pki, name, port)
    except ssl.SSLError:
        return True
    try:
        return await ended(reader)
    finally:
        await close_raw(writer)


def test_a_certificate_from_an_unknown_ca_is_refused(
    pki: Pki, caplog: pytest.LogCaptureFixture
) -> None:
    # rogue's key is even in the allow-list: only its CA keeps it out.
    n1, rogue = make_node(pki, "n1"), make_node(pki, "rogue")

    async def scenario() -> None:
        async with running(n1, rogue):
            with caplog.at_level(logging.WARNING, logger=LOGGER):
                assert await refused_at_tls(pki, "rogue", n1.port)
                await wait_for(lambda: n1.refused == 1, "the accepting side to count it")
                # the accepting side logs it too: refused at TLS, before identification
                assert any(
                    "refused the peer at" in m and "TLS handshake failed" in m
                    for m in warnings_of(caplog)
                )
                dial(n1, rogue)
                await wait_for(
                    lambda: any("TLS handshake failed" in m for m in warnings_of(caplog)),
                    "the refusal",
                )
            assert n1.connected_peers == []
            assert rogue.connected_peers == []

    run(scenario)


def test_a_good_ca_but_an_unregistered_key_is_refused(
    pki: Pki, caplog: pytest.LogCaptureFixture
) -> None:
    n1, ghost = make_node(pki, "n1"), make_node(pki, "ghost")

    async def scenario() -> None:
        async with running(n1, ghost):
            with caplog.at_level(logging.WARNING, logger=LOGGER):
                assert await refused_at_tls(pki, "ghost", n1.port)
                await wait_for(lambda: n1.refused == 1, "the inbound refusal")
                dial(n1, ghost)  # and n1 will not talk to it when it dials, either
                await wait_for(lambda: n1.refused >= 2, "the outbound refusal")
            refusals = [m for m in warnings_of(caplog) if "is not registered for any node" in m]
            assert len(refusals) >= 2
            assert n1.connected_peers == []

    run(scenario)


def test_a_hello_with_another_nodes_name_is_refused(
    pki: Pki, caplog: pytest.LogCaptureFixture
) -> None:
    n1 = make_node(pki, "n1")

    async def scenario() -> None:
        async with running(n1):
            reader, writer = await raw_peer(pki, "n4", n1.port)
            try:
                with caplog.at_level(logging.WARNING, logger=LOGGER):
                    await send_raw(writer, encode_envelope(Hello("n2", CHAIN_ID, 0)))
                    theirs = decode_envelope(await read_frame(reader))
                    assert theirs == Hello("n1", CHAIN_ID, 0)
                    assert await ended(reader)
            finally:
                await close_raw(writer)
            assert n1.refused == 1
            assert any("hello names 'n2'" in m and "'n4'" in m for m in warnings_of(caplog))
            assert n1.connected_peers == []

    run(scenario)


def test_a_first_frame_other_than_hello_is_refused(pki: Pki) -> None:
    n1 = make_node(pki, "n1")

    async def scenario() -> None:
        async with running(n1):
            reader, writer = await raw_peer(pki, "n4", n1.port)
            try:
                await send_raw(writer, b"\xa0")
                assert await ended(reader)
            finally:
                await close_raw(writer)
            assert n1.refused == 1

    run(scenario)


def test_a_peer_on_another_chain_is_refused(pki: Pki, caplog: pytest.LogCaptureFixture) -> None:
    n1, n2 = make_node(pki, "n1"), make_node(pki, "n2", chain_id="other-chain")

    async def scenario() -> None:
        async with running(n1, n2):
            with caplog.at_level(logging.WARNING, logger=LOGGER):
                dial(n2, n1)
                await wait_for(
                    lambda: n1.refused >= 1 and n2.refused >= 1, "refusals on both sides"
                )
            assert any("is on chain 'other-chain'" in m for m in warnings_of(caplog))
            assert n1.connected_peers == n2.connected_peers == []

    run(scenario)


def test_dialing_an_address_where_another_node_answers_is_refused(
    pki: Pki, caplog: pytest.LogCaptureFixture
) -> None:
    n1, n3 = make_node(pki, "n1"), make_node(pki, "n3")

    async def scenario() -> None:
        async with running(n1, n3):
            with caplog.at_level(logging.WARNING, logger=LOGGER):
                n1.add_peer("n2", ("127.0.0.1", n3.port))
                await wait_for(lambda: n1.refused >= 1, "the refusal")
            assert any("dialed 'n2'" in m for m in warnings_of(caplog))
            assert not fully_connected([n1, n3])

    run(scenario)


def test_a_silent_peer_is_dropped_after_the_handshake_timeout(pki: Pki) -> None:
    n1 = make_node(pki, "n1", config=NetworkConfig(handshake_timeout_s=0.2, close_timeout_s=0.5))

    async def scenario() -> None:
        async with running(n1):
            reader, writer = await raw_peer(pki, "n4", n1.port)
            try:
                await read_frame(reader)  # n1's hello; ours never comes
                assert await asyncio.wait_for(ended(reader), 30)
            finally:
                await close_raw(writer)
            assert n1.connected_peers == []

    run(scenario)
