"""The reminder notifier's logic over a fake chain (docs/spec/messages.md "Reminders"; F-C3).

The fake chain holds request records and block events and behaves as the
chain does: a remind is accepted once the height reaches the request's
``next_reminder`` (and commits in the next block), refused ``not_due``
otherwise; after the last reminder the next one lapses the request.
"""

from __future__ import annotations

import asyncio
import threading
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import pytest

from govchain.client.block_events import BlockWaiter
from govchain.contracts.grants.records import GrantRequest
from govchain.storage_node.inbox import INBOX_DB, InboxStore
from govchain.storage_node.notifier import (
    RETRY_HEIGHTS,
    ReminderNotifier,
    reminder_key,
    reminder_text,
    run_notifier,
)
from govchain.types.errors import GovChainError
from tests.unit.client.event_node import WAIT_S, EventNode

REQUEST = b"\x07" * 16
HOLDER = b"\x0a" * 20


def _request(height: int, every: int = 2, reminders: int = 2) -> GrantRequest:
    return GrantRequest(
        REQUEST, b"\x01" * 16, HOLDER, b"\x0b" * 20, "view", "贷款审查", "", 10**13,
        every, reminders, 0, height + every, "open", b"", "", height,
    )  # fmt: skip


@dataclass
class FakeChain:
    height: int = 0
    events: dict[int, list[tuple[str, dict[str, Any]]]] = field(default_factory=dict)
    requests: dict[bytes, GrantRequest] = field(default_factory=dict)
    reminds: list[tuple[bytes, int]] = field(default_factory=list)
    accept_reminds: bool = True

    def latest_height(self) -> int:
        return self.height

    def events_at(self, height: int) -> list[tuple[str, dict[str, Any]]]:
        assert height <= self.height
        return self.events.get(height, [])

    def request(self, request_id: bytes) -> GrantRequest | None:
        return self.requests.get(request_id)

    def remind(self, request_id: bytes) -> None:
        self.reminds.append((request_id, self.height))
        if self.accept_reminds:
            self.commit_remind(request_id)

    def commit_remind(self, request_id: bytes) -> None:
        request = self.requests[request_id]
        at = self.height + 1
        if at < request.next_reminder or request.status != "open":
            return  # not_due / bad_status: a failure receipt, no event
        if request.reminded >= request.reminders:
            self.requests[request_id] = replace(request, status="lapsed")
            self.events.setdefault(at, []).append(("grants.lapsed", {"request": request_id}))
            return
        count = request.reminded + 1
        self.requests[request_id] = replace(
            request, reminded=count, next_reminder=at + request.remind_every
        )
        event = {"request": request_id, "holder": request.holder, "count": count}
        self.events.setdefault(at, []).append(("grants.reminded", event))

    def ask(self) -> None:
        self.height += 1
        self.requests[REQUEST] = _request(self.height)
        self.events.setdefault(self.height, []).append(
            ("grants.requested", {"request": REQUEST, "holder": HOLDER})
        )


@dataclass
class Posts:
    sent: list[tuple[bytes, int]] = field(default_factory=list)
    failing: bool = False

    def __call__(self, request: GrantRequest, count: int) -> None:
        if self.failing:
            raise GovChainError("no storage node took the message")
        self.sent.append((request.id, count))


def _notifier(tmp_path: Path, chain: FakeChain, posts: Posts) -> ReminderNotifier:
    return ReminderNotifier(chain, InboxStore(tmp_path / INBOX_DB), posts)


def test_reminders_follow_the_heights_then_the_request_lapses(tmp_path: Path) -> None:
    chain, posts = FakeChain(), Posts()
    notifier = _notifier(tmp_path, chain, posts)
    chain.ask()  # height 1, first reminder due at 3
    notifier.step()
    assert notifier.open == {REQUEST: 3}
    for _ in range(12):
        chain.height += 1
        notifier.step()
    assert posts.sent == [(REQUEST, 1), (REQUEST, 2)]
    # each commits a height later, the next due remind_every after it; the third lapses it
    assert [height for _, height in chain.reminds] == [3, 6, 9]
    assert chain.requests[REQUEST].status == "lapsed"
    assert notifier.open == {}


def test_a_due_remind_is_sent_once_then_again_only_after_the_retry_heights(tmp_path: Path) -> None:
    chain, posts = FakeChain(accept_reminds=False), Posts()
    notifier = _notifier(tmp_path, chain, posts)
    chain.ask()
    chain.height = 3
    notifier.step()
    notifier.step()
    assert chain.reminds == [(REQUEST, 3)]
    chain.height = 3 + RETRY_HEIGHTS - 1
    notifier.step()
    assert len(chain.reminds) == 1
    chain.height = 3 + RETRY_HEIGHTS
    notifier.step()
    assert len(chain.reminds) == 2
    assert posts.sent == []


def test_a_remind_another_notifier_sent_counts_and_its_reminder_is_posted(tmp_path: Path) -> None:
    chain, posts = FakeChain(accept_reminds=False), Posts()
    notifier = _notifier(tmp_path, chain, posts)
    chain.ask()
    chain.height = 3
    chain.commit_remind(REQUEST)  # another storage node's remind commits at height 4
    chain.height = 4
    notifier.step()
    assert posts.sent == [(REQUEST, 1)]
    assert notifier.open == {REQUEST: 6}


def test_an_event_the_proven_record_does_not_bear_out_posts_nothing(tmp_path: Path) -> None:
    chain, posts = FakeChain(accept_reminds=False), Posts()
    notifier = _notifier(tmp_path, chain, posts)
    chain.ask()
    chain.height = 2
    forged = {"request": REQUEST, "holder": HOLDER, "count": 2}
    chain.events[2] = [("grants.reminded", forged), ("grants.requested", {"request": b"x"})]
    notifier.step()
    assert posts.sent == []


def test_a_failed_post_is_read_again_and_posted_once(tmp_path: Path) -> None:
    chain, posts = FakeChain(), Posts(failing=True)
    notifier = _notifier(tmp_path, chain, posts)
    chain.ask()
    chain.height = 4
    notifier.step()  # reads 1..4, sends the due remind: it commits at 5
    chain.height = 5
    with pytest.raises(GovChainError):
        notifier.step()
    assert notifier.scanned == 4
    posts.failing = False
    notifier.step()
    notifier.step()
    assert posts.sent == [(REQUEST, 1)]


def test_a_restarted_notifier_resumes_where_it_was(tmp_path: Path) -> None:
    chain, posts = FakeChain(accept_reminds=False), Posts()
    first = _notifier(tmp_path, chain, posts)
    chain.ask()
    chain.height = 2
    first.step()
    first.store.close()
    again = _notifier(tmp_path, chain, posts)
    assert (again.scanned, again.open) == (2, {REQUEST: 3})


def test_an_answered_request_is_dropped(tmp_path: Path) -> None:
    chain, posts = FakeChain(accept_reminds=False), Posts()
    notifier = _notifier(tmp_path, chain, posts)
    chain.ask()
    chain.height = 2
    chain.events[2] = [("grants.answered", {"request": REQUEST, "status": "declined"})]
    notifier.step()
    chain.height = 9
    notifier.step()
    assert (notifier.open, chain.reminds) == ({}, [])


def test_the_reminder_names_the_request_and_its_key_is_stable() -> None:
    request = _request(1)
    text = reminder_text(request, 1)
    assert REQUEST.hex() in text
    assert "贷款审查" in text
    assert "reminder 1 of 2" in text
    assert reminder_key(REQUEST, 2) == f"grants.remind/{REQUEST.hex()}/2"


@dataclass
class _ReadChain(FakeChain):
    """The fake chain, saying when the notifier first read it."""

    first_read: threading.Event = field(default_factory=threading.Event)

    def latest_height(self) -> int:
        self.first_read.set()
        return super().latest_height()


def test_the_notifier_reads_at_each_announced_block_and_stops_with_its_watch(
    tmp_path: Path,
) -> None:
    """run_notifier reads as the node's /v1/events announces blocks (not at its poll
    interval), and stopping it ends its stream reader (issue 21 item 5)."""
    chain, node = _ReadChain(), EventNode()
    posted = threading.Event()
    notifier = ReminderNotifier(chain, InboxStore(tmp_path / INBOX_DB), lambda *_: posted.set())
    waiter = BlockWaiter(60.0, node.watch())  # a poll interval the test never waits out

    async def scenario() -> None:
        stop = asyncio.Event()
        running = asyncio.create_task(run_notifier(notifier, waiter, stop))
        assert await asyncio.to_thread(chain.first_read.wait, WAIT_S)
        await asyncio.to_thread(node.wait_opened, 1)
        chain.ask()  # height 1: requested; height 2: its first reminder committed
        chain.requests[REQUEST] = replace(chain.requests[REQUEST], reminded=1)
        chain.events[2] = [("grants.reminded", {"request": REQUEST, "holder": HOLDER, "count": 1})]
        chain.height = 2
        node.commit()
        node.commit()
        assert await asyncio.to_thread(posted.wait, WAIT_S)
        node.close()
        stop.set()
        await running

    asyncio.run(scenario())
    assert waiter.stopped
    assert waiter.watch is not None
    assert waiter.watch._thread is not None
    assert not waiter.watch._thread.is_alive()
