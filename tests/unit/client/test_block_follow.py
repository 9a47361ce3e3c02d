"""Followers read at each block their node's /v1/events stream announces, and poll when it is
refused or dropped; stopping leaves no thread behind (issue 21 item 5, N-1)."""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterator

import pytest

from govchain.client.block_events import BlockWaiter, follow_blocks
from tests.unit.client.event_node import WAIT_S, EventNode, Reads

SLOW_POLL_S = 60.0
"""A poll interval no test waits out: what happens sooner came from the stream."""
FAST_POLL_S = 0.01


@pytest.fixture
def node() -> Iterator[EventNode]:
    node = EventNode()
    yield node
    node.close()


def _follow(node: EventNode, poll_s: float) -> tuple[Reads, BlockWaiter, threading.Thread]:
    reads = Reads(node)
    waiter = BlockWaiter(poll_s, node.watch())
    thread = threading.Thread(target=follow_blocks, args=(reads.read, waiter), daemon=True)
    thread.start()
    reads.wait_for(0)
    return reads, waiter, thread


def _stop(node: EventNode, waiter: BlockWaiter, thread: threading.Thread) -> None:
    node.close()
    waiter.stop()
    thread.join(WAIT_S)
    assert not thread.is_alive()
    watch = waiter.watch
    assert watch is not None
    assert watch._thread is not None
    assert not watch._thread.is_alive()  # the stream reader ended with the follower


def test_a_follower_reads_each_block_as_the_stream_announces_it(node: EventNode) -> None:
    reads, waiter, thread = _follow(node, SLOW_POLL_S)
    node.wait_opened(1)
    for height in (1, 2, 3):
        node.commit()
        reads.wait_for(height)  # long before the poll interval
    _stop(node, waiter, thread)


def test_a_refused_stream_is_said_once_and_the_follower_polls(
    caplog: pytest.LogCaptureFixture,
) -> None:
    node = EventNode("refuse", "http://refused-node.test")
    caplog.set_level(logging.WARNING, "govchain.client")
    reads, waiter, thread = _follow(node, FAST_POLL_S)
    node.wait_streams(3)  # it keeps asking for the stream
    for height in (1, 2):
        node.commit()
        reads.wait_for(height)
    assert waiter.watch is not None
    assert not waiter.watch.live
    lines = [r for r in caplog.records if "refused-node.test" in r.getMessage()]
    assert len(lines) == 1
    _stop(node, waiter, thread)


def test_a_dropped_stream_falls_back_to_polling() -> None:
    node = EventNode("drop")
    reads, waiter, thread = _follow(node, FAST_POLL_S)
    node.wait_opened(1)
    node.commit()  # announced, then the stream ends; every later one is refused
    reads.wait_for(1)
    node.wait_streams(2)
    for height in (2, 3):
        node.commit()
        reads.wait_for(height)
    _stop(node, waiter, thread)


def test_a_dropped_stream_comes_back_and_is_waited_on_again() -> None:
    node = EventNode("drop")
    reads, waiter, thread = _follow(node, SLOW_POLL_S)
    node.wait_opened(1)
    node.commit()
    reads.wait_for(1)  # announced before the stream ended
    node.wait_streams(2)  # it asks again, and is refused
    node.mode = "live"  # the node takes streams again
    node.wait_opened(2)
    node.commit()
    reads.wait_for(2)
    _stop(node, waiter, thread)


class _ScriptedWaiter(BlockWaiter):
    """Records each wait instead of waiting; stops after the script's reads."""

    def __init__(self, heard: list[int]) -> None:
        super().__init__(1.0)
        self.heard_script = heard
        self.waits: list[tuple[str, int]] = []

    def heard(self) -> int:
        return self.heard_script.pop(0)

    def wait_past(self, height: int, *, busy: bool = False) -> bool:
        self.waits.append(("busy" if busy else "block", height))
        return True

    def pause(self) -> None:
        self.waits.append(("pause", 0))


def test_the_loop_waits_past_heard_heights_goes_on_when_behind_and_pauses_after_a_failure() -> None:
    outcomes: list[tuple[int, int, bool] | None] = [
        (5, 5, False),  # caught up with the stream: the next block
        (6, 6, False),  # the node read lags the stream (heard 7): no read again before 8
        (8, 10, False),  # behind: read again at once
        None,  # failed: the poll interval, whatever the stream says
        (10, 10, True),  # busy: at most the poll interval
    ]
    waiter = _ScriptedWaiter([5, 7, 10, 10, 10])

    def read() -> tuple[int, int, bool] | None:
        outcome = outcomes.pop(0)
        if not outcomes:
            waiter.stop()
        return outcome

    follow_blocks(read, waiter)
    assert waiter.waits == [("block", 5), ("block", 7), ("pause", 0), ("busy", 10)]
    assert waiter.stopped
