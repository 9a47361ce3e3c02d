"""Issue 13, item 8, through the API over the real node service: the 257th event stream gets
503 ``too_many_streams``, and a client that reads slowly gets a ``gap`` event in its stream.

Requests go straight through ASGI on one event loop, so 257 streams are cheap
and a client's slowness is exact: its ``send`` blocks until the test lets go.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi import FastAPI

from govchain.api import create_app
from govchain.execution import apply_block, propose_block
from govchain.ledger import records
from govchain.node.service import ChainNodeService
from govchain.node.services import service_routes

from ...chain_support import ChainMaker
from .service_support import Fatal, anchored_chain, make_service, notary_maker

LOOP_TURNS = 1000
"""Loop turns to wait for a condition another task brings about (never a time)."""


class _Stream:
    """One ``GET /v1/events`` through ASGI: what the app sent, and a client that may stall."""

    def __init__(self, app: FastAPI) -> None:
        self.messages: list[dict[str, Any]] = []
        self.reading = asyncio.Event()
        self.reading.set()
        self._gone = asyncio.Event()
        self._asked = False
        scope = {
            "type": "http",
            "asgi": {"version": "3.0", "spec_version": "2.3"},
            "http_version": "1.1",
            "method": "GET",
            "scheme": "http",
            "path": "/v1/events",
            "raw_path": b"/v1/events",
            "query_string": b"",
            "root_path": "",
            "headers": [(b"host", b"node")],
            "client": ("127.0.0.1", 5000),
            "server": ("node", 80),
        }
        self.task = asyncio.create_task(app(scope, self._receive, self._send))

    async def _receive(self) -> dict[str, Any]:
        if not self._asked:
            self._asked = True
            return {"type": "http.request", "body": b"", "more_body": False}
        await self._gone.wait()
        return {"type": "http.disconnect"}

    async def _send(self, message: dict[str, Any]) -> None:
        if message["type"] == "http.response.body":
            await self.reading.wait()  # a slow client: the app waits here
        self.messages.append(message)

    @property
    def status(self) -> int | None:
        starts = [m["status"] for m in self.messages if m["type"] == "http.response.start"]
        return starts[0] if starts else None

    def events(self) -> list[dict[str, Any]]:
        text = b"".join(m.get("body", b"") for m in self.messages[1:]).decode()
        return [
            json.loads(line.removeprefix("data: "))
            for line in text.splitlines()
            if line.startswith("data: ")
        ]

    async def leave(self) -> None:
        self.reading.set()
        self._gone.set()
        await self.task


async def _until(condition: Any, what: str) -> None:
    for _ in range(LOOP_TURNS):
        if condition():
            return
        await asyncio.sleep(0)
    raise AssertionError(f"{what} did not happen")


@pytest.fixture(scope="module")
def maker() -> ChainMaker:
    return notary_maker()


@pytest.fixture
def fatal() -> Iterator[Fatal]:
    made = Fatal()
    yield made
    assert made.failures == []


def _app(service: ChainNodeService) -> FastAPI:
    return create_app(service, service_routes=service_routes(), metrics=service.metrics)


def test_the_257th_event_stream_gets_503_too_many_streams(maker: ChainMaker, fatal: Fatal) -> None:
    service = make_service(maker, anchored_chain(maker, blocks=1), fatal)  # the default limits
    assert service.limits.max_event_streams == 256
    app = _app(service)

    async def scenario() -> None:
        streams = [_Stream(app) for _ in range(256)]
        await _until(lambda: len(service.subscribers) == 256, "256 subscriptions")
        extra = _Stream(app)
        await extra.task  # refused before its stream starts: the request ends
        assert extra.status == 503
        body = json.loads(b"".join(m.get("body", b"") for m in extra.messages[1:]))
        assert body["error"]["code"] == "too_many_streams"
        assert all(s.status == 200 for s in streams)
        for stream in streams:
            await stream.leave()
        assert len(service.subscribers) == 0  # every slot is free again
        await service.close()

    asyncio.run(scenario())


def test_a_client_that_reads_slowly_gets_a_gap_event_naming_what_it_lost(
    maker: ChainMaker, fatal: Fatal
) -> None:
    service = make_service(
        maker, anchored_chain(maker, blocks=1), fatal, subscriber_backlog_blocks=2
    )

    def publish(height: int) -> None:
        service.subscribers.publish(height, ({"type": "block", "height": height},))

    async def scenario() -> list[dict[str, Any]]:
        stream = _Stream(_app(service))
        await _until(lambda: len(service.subscribers) == 1, "the subscription")
        stream.reading.clear()  # the client stops reading
        publish(1)
        await _until(lambda: stream.status == 200, "the stream's start")
        for _ in range(10):
            await asyncio.sleep(0)  # let the app take block 1 and get stuck sending it
        for height in range(2, 21):
            publish(height)
            await asyncio.sleep(0)
        stream.reading.set()  # the client reads again: its backlog, then the gap
        await _until(lambda: any(e["type"] == "gap" for e in stream.events()), "the gap")
        publish(21)
        await _until(lambda: any(e.get("height") == 21 for e in stream.events()), "block 21")
        events = stream.events()
        await stream.leave()
        await service.close()
        return events

    events = asyncio.run(scenario())
    [gap] = [e for e in events if e["type"] == "gap"]
    position = events.index(gap)
    before = [e["height"] for e in events[:position]]
    after = [e["height"] for e in events[position + 1 :]]
    # every height once: as events up to the gap, inside the gap, then as events again
    assert before == list(range(1, gap["from"]))
    assert gap["to"] == 20
    assert 2 <= gap["from"] <= 20
    assert after == [21]


def test_a_committed_block_is_one_block_event_then_one_tx_event_per_tx(
    maker: ChainMaker, fatal: Fatal
) -> None:
    chain = anchored_chain(maker, blocks=1)
    service = make_service(maker, chain, fatal)
    txs = [  # a valid anchoring, then one its contract refuses (a failure receipt)
        maker.tx(maker.keys[0], "notary.anchor", digest=bytes(32)),
        maker.tx(maker.keys[1], "notary.anchor", digest=b"short"),
    ]

    async def scenario() -> list[dict[str, Any]]:
        subscriber = service.subscribe()
        with chain.view() as view:
            block = propose_block(
                view,
                txs,
                proposer=maker.validators.validators[0].address,
                last_commit=view.commit(1),
                registry=maker.registry,
            )
            result = apply_block(view, block, maker.registry)
        commit = maker.commit(2, result.block_hash, block.header.time + 1)
        chain.commit_block(block, commit, result)
        service.on_commit(block, commit, result)
        taken = [await anext(subscriber) for _ in range(3)]
        await subscriber.aclose()
        await service.close()
        return taken

    block_event, first, second = asyncio.run(scenario())
    assert (block_event["type"], block_event["height"], block_event["txs"]) == ("block", 2, 2)
    hashes = [records.tx_hash(maker.suite, tx).hex() for tx in txs]
    assert [(first["type"], first["hash"], first["status"])] == [("tx", hashes[0], "committed")]
    assert (second["hash"], second["status"]) == (hashes[1], "failed")
