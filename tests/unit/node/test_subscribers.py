"""Issue 13, item 8: subscribers are bounded; one that falls behind is told what it lost."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from govchain.api import TooManyStreamsError
from govchain.node.subscribers import EventSubscribers, Subscriber


def _block(height: int, txs: int = 0) -> tuple[dict[str, Any], ...]:
    events = [{"type": "block", "height": height}]
    events += [{"type": "tx", "height": height, "index": i} for i in range(txs)]
    return tuple(events)


async def _take(subscriber: Subscriber, count: int) -> list[dict[str, Any]]:
    return [await anext(subscriber) for _ in range(count)]


def test_a_subscriber_that_keeps_up_gets_every_event_in_order() -> None:
    async def scenario() -> list[dict[str, Any]]:
        feed = EventSubscribers(limit=4, backlog_blocks=2)
        subscriber = feed.subscribe()
        taken: list[dict[str, Any]] = []
        for height in (1, 2, 3):
            feed.publish(height, _block(height, txs=2))
            taken += await _take(subscriber, 3)
        return taken

    taken = asyncio.run(scenario())
    assert [(e["type"], e["height"]) for e in taken] == [
        (kind, h) for h in (1, 2, 3) for kind in ("block", "tx", "tx")
    ]


def test_a_slow_subscriber_reads_its_backlog_then_a_gap_then_goes_on() -> None:
    async def scenario() -> list[dict[str, Any]]:
        feed = EventSubscribers(limit=4, backlog_blocks=2)
        slow = feed.subscribe()
        for height in range(1, 7):  # room for blocks 1 and 2; 3 to 6 are lost
            feed.publish(height, _block(height, txs=1))
        taken = await _take(slow, 5)  # 1, 1, 2, 2, then the gap
        feed.publish(7, _block(7))
        taken += await _take(slow, 1)
        return taken

    taken = asyncio.run(scenario())
    assert [e["type"] for e in taken] == ["block", "tx", "block", "tx", "gap", "block"]
    assert [e["height"] for e in taken[:4]] == [1, 1, 2, 2]
    assert taken[4] == {"type": "gap", "from": 3, "to": 6}
    assert taken[5]["height"] == 7


def test_while_it_drains_its_backlog_a_subscriber_keeps_losing_so_the_gap_is_one_range() -> None:
    async def scenario() -> list[dict[str, Any]]:
        feed = EventSubscribers(limit=4, backlog_blocks=1)
        slow = feed.subscribe()
        feed.publish(1, _block(1))
        feed.publish(2, _block(2))  # lost: the backlog is full
        taken = await _take(slow, 1)  # block 1: room again, but 3 must not skip ahead of 2
        feed.publish(3, _block(3))
        taken += await _take(slow, 1)
        feed.publish(4, _block(4))
        taken += await _take(slow, 1)
        return taken

    assert asyncio.run(scenario()) == [
        {"type": "block", "height": 1},
        {"type": "gap", "from": 2, "to": 3},
        {"type": "block", "height": 4},
    ]


def test_a_fast_subscriber_is_not_held_back_by_a_slow_one() -> None:
    async def scenario() -> tuple[list[dict[str, Any]], dict[str, Any]]:
        feed = EventSubscribers(limit=4, backlog_blocks=1)
        slow, fast = feed.subscribe(), feed.subscribe()
        fast_taken: list[dict[str, Any]] = []
        for height in (1, 2, 3):
            feed.publish(height, _block(height))
            fast_taken += await _take(fast, 1)
        await _take(slow, 1)
        return fast_taken, await anext(slow)

    fast_taken, slow_next = asyncio.run(scenario())
    assert [e["height"] for e in fast_taken] == [1, 2, 3]
    assert slow_next == {"type": "gap", "from": 2, "to": 3}


def test_the_limit_is_one_number_and_a_closed_subscriber_frees_its_slot() -> None:
    async def scenario() -> None:
        feed = EventSubscribers(limit=256)
        subscribers = [feed.subscribe() for _ in range(256)]
        with pytest.raises(TooManyStreamsError, match="256 event streams") as refused:
            feed.subscribe()
        assert refused.value.code == "too_many_streams"
        await subscribers[0].aclose()
        await subscribers[0].aclose()  # harmless twice
        assert len(feed) == 255
        feed.subscribe()

    asyncio.run(scenario())


def test_closing_ends_a_waiting_reader() -> None:
    async def scenario() -> None:
        feed = EventSubscribers(limit=1)
        subscriber = feed.subscribe()
        waiting = asyncio.create_task(anext(subscriber))
        await asyncio.sleep(0)
        await subscriber.aclose()
        with pytest.raises(StopAsyncIteration):
            await waiting
        feed.publish(1, _block(1))  # nobody left to offer it to
        assert len(feed) == 0

    asyncio.run(scenario())


def test_ready_hands_out_what_waits_in_the_order_anext_would_without_waiting() -> None:
    async def scenario() -> tuple[list[dict[str, Any]], list[dict[str, Any]], list[Any]]:
        feed = EventSubscribers(limit=4, backlog_blocks=2)
        subscriber = feed.subscribe()
        for height in range(1, 5):  # room for blocks 1 and 2; 3 and 4 are lost
            feed.publish(height, _block(height, txs=1))
        first = await _take(subscriber, 1)
        rest = subscriber.ready()
        empty = subscriber.ready()
        return first, rest, empty

    first, rest, empty = asyncio.run(scenario())
    assert [(e["type"], e.get("height")) for e in first + rest] == [
        ("block", 1), ("tx", 1), ("block", 2), ("tx", 2), ("gap", None)
    ]  # fmt: skip
    assert rest[-1] == {"type": "gap", "from": 3, "to": 4}
    assert empty == []
