"""Inbound connections: a cap before any TLS work, and refusals logged at a bounded rate.

Issue 13 item 3 (N-5): anyone who can reach the peer port may open
connections and fail handshakes; neither may cost the node unbounded work
or flood its log.
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging

import pytest

from govchain.network import NetworkConfig
from govchain.network.inbound import InboundGate
from govchain.network.refusal_log import RefusalLog

from .net_support import FAST, Pki, dial, fully_connected, make_node, run, running, wait_for

LOGGER = "govchain.network"


def test_the_first_refusal_from_an_address_is_logged_then_one_line_per_interval() -> None:
    log = RefusalLog(interval_s=60.0, max_keys=8)  # keyed here by the address alone
    assert log.note("10.0.0.1", 0.0) == 0
    assert [log.note("10.0.0.1", t) for t in (1.0, 2.0, 59.9)] == [None, None, None]
    assert log.note("10.0.0.2", 3.0) == 0  # every address has its own allowance
    assert log.note("10.0.0.1", 60.0) == 3  # the next line says how many were left out
    assert log.note("10.0.0.1", 61.0) is None
    assert log.note("10.0.0.1", 120.0) == 1


def test_the_refusal_log_forgets_the_least_recently_refused_address() -> None:
    log = RefusalLog(interval_s=60.0, max_keys=2)
    for address in ("a", "b", "c"):
        assert log.note(address, 0.0) == 0
    assert len(log) == 2
    assert log.note("a", 1.0) == 0  # forgotten, so logged again
    assert log.note("c", 1.0) is None


async def _raw_tcp(port: int) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
    return await asyncio.open_connection("127.0.0.1", port)


async def _closed_by_peer(reader: asyncio.StreamReader) -> bool:
    try:
        return await asyncio.wait_for(reader.read(1), 10) == b""
    except ConnectionError:
        return True  # a reset: closed at once


def test_connections_over_the_cap_are_closed_at_once_before_any_tls(pki: Pki) -> None:
    n1 = make_node(pki, "n1", config=dataclasses.replace(FAST, max_inbound=2))

    async def scenario() -> None:
        async with running(n1):
            first = [await _raw_tcp(n1.port) for _ in range(2)]  # silent: still handshaking
            await wait_for(lambda: n1.inbound.open == 2, "two open inbound connections")
            reader, writer = await _raw_tcp(n1.port)
            assert await _closed_by_peer(reader)
            writer.close()
            assert n1.inbound.turned_away == 1
            assert n1.inbound.open == 2
            first[0][1].close()  # a slot frees up ...
            await wait_for(lambda: n1.inbound.open == 1, "the closed one to be counted out")
            reader, writer = await _raw_tcp(n1.port)  # ... and the next one gets in
            await wait_for(lambda: n1.inbound.open == 2, "the new one")
            assert n1.inbound.turned_away == 1
            for _, other in [first[1], (reader, writer)]:
                other.close()

    run(scenario)


def test_a_registered_link_counts_against_the_cap_until_it_closes(pki: Pki) -> None:
    n1 = make_node(pki, "n1", config=dataclasses.replace(FAST, max_inbound=1))
    n2, n3 = make_node(pki, "n2"), make_node(pki, "n3")

    async def scenario() -> None:
        async with running(n1, n2, n3):
            dial(n2, n1)
            await wait_for(lambda: fully_connected([n1, n2]), "n2's link")
            assert n1.inbound.open == 1
            dial(n3, n1)
            await wait_for(lambda: n1.inbound.turned_away >= 1, "n3 turned away")
            assert "n3" not in n1.connected_peers
            await n2.stop()
            await wait_for(lambda: "n3" in n1.connected_peers, "n3 in once n2 is gone", 30)

    run(scenario)


def test_failed_handshakes_from_one_address_make_one_log_line(
    pki: Pki, caplog: pytest.LogCaptureFixture
) -> None:
    n1 = make_node(pki, "n1", config=dataclasses.replace(FAST, refusal_log_interval_s=3600.0))

    async def scenario() -> None:
        async with running(n1):
            with caplog.at_level(logging.WARNING, logger=LOGGER):
                for _ in range(5):
                    reader, writer = await _raw_tcp(n1.port)
                    writer.write(b"GET / HTTP/1.1\r\n\r\n" * 40)  # not a TLS client hello
                    assert await _closed_by_peer(reader)
                    writer.close()
                await wait_for(lambda: n1.refused == 5, "five refusals")
            lines = [r.getMessage() for r in caplog.records if r.name == LOGGER]
            assert len([m for m in lines if "TLS handshake failed" in m]) == 1

    run(scenario)


def test_each_kind_of_refusal_has_its_own_allowance_and_the_count_comes_later(
    caplog: pytest.LogCaptureFixture,
) -> None:
    now = [0.0]
    config = NetworkConfig(max_inbound=1, refusal_log_interval_s=60.0)
    gate = InboundGate("n1", config, clock=lambda: now[0])
    with caplog.at_level(logging.WARNING, logger=LOGGER):
        for _ in range(3):
            gate.refused("tls", "10.0.0.9", "10.0.0.9:4000", "TLS handshake failed: bad")
        assert gate.enter("10.0.0.9")
        assert not gate.enter("10.0.0.9")  # over the cap: another kind, so it is logged
        now[0] = 60.0
        gate.refused("tls", "10.0.0.9", "10.0.0.9:4001", "TLS handshake failed: bad")
    assert [r.getMessage() for r in caplog.records] == [
        "n1 refused the peer at 10.0.0.9:4000: TLS handshake failed: bad",
        "n1 refused the peer at 10.0.0.9: already 1 inbound connections (p2p.max_inbound)",
        "n1 refused the peer at 10.0.0.9:4001: TLS handshake failed: bad"
        " (2 more like it from 10.0.0.9 in the last 60 s)",
    ]
    assert gate.turned_away == 1
