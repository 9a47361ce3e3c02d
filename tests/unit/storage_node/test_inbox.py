"""The inbox store of a storage node (docs/spec/messages.md, "Inbox store"; F-C6).

Each message once per id, pages by cursor, the notifier's progress kept,
and crash safety: a process killed right after an acknowledged add leaves
the message whole on disk, one killed inside an uncommitted transaction
leaves nothing of it.
"""

from __future__ import annotations

import multiprocessing
import os
import sqlite3
from pathlib import Path

import pytest

from govchain.storage_node import inbox as inbox_module
from govchain.storage_node.inbox import INBOX_DB, InboxFullError, InboxStore

SENDER, RECIPIENT, OTHER = b"\x01" * 20, b"\x02" * 20, b"\x03" * 20


def _id(n: int) -> bytes:
    return n.to_bytes(32, "big")


def test_a_message_is_stored_once_per_id(tmp_path: Path) -> None:
    store = InboxStore(tmp_path / INBOX_DB)
    first = store.add(_id(1), SENDER, RECIPIENT, b"sealed one", 1000)
    assert first is not None
    assert first.read is None
    assert store.add(_id(1), SENDER, RECIPIENT, b"sealed again", 2000) is None
    page, following = store.inbox(RECIPIENT, 0)
    assert [(m.id, m.sealed, m.received) for m in page] == [(_id(1), b"sealed one", 1000)]
    assert following is None
    assert store.inbox(OTHER, 0) == ([], None)


def test_pages_follow_the_cursor_and_never_repeat(tmp_path: Path) -> None:
    store = InboxStore(tmp_path / INBOX_DB)
    for n in range(7):
        store.add(_id(n), SENDER, RECIPIENT if n % 2 == 0 else OTHER, b"x%d" % n, n)
    seen, after = [], 0
    while True:
        page, following = store.inbox(RECIPIENT, after, limit=2)
        seen += [m.id for m in page]
        if following is None:
            break
        after = following
    assert seen == [_id(0), _id(2), _id(4), _id(6)]
    last = store.inbox(RECIPIENT, 0)[0][-1].seq
    assert store.inbox(RECIPIENT, last) == ([], None)


def test_a_page_stops_at_its_byte_limit(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(inbox_module, "PAGE_BYTES_MAX", 10)
    store = InboxStore(tmp_path / INBOX_DB)
    for n in range(3):
        store.add(_id(n), SENDER, RECIPIENT, b"123456", n)
    page, following = store.inbox(RECIPIENT, 0)
    assert [m.id for m in page] == [_id(0)]
    assert following == page[0].seq


def test_a_full_inbox_refuses_and_keeps_what_it_has(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(inbox_module, "INBOX_MAX", 2)
    store = InboxStore(tmp_path / INBOX_DB)
    store.add(_id(1), SENDER, RECIPIENT, b"a", 1)
    store.add(_id(2), SENDER, RECIPIENT, b"b", 2)
    with pytest.raises(InboxFullError):
        store.add(_id(3), SENDER, RECIPIENT, b"c", 3)
    assert [m.id for m in store.inbox(RECIPIENT, 0)[0]] == [_id(1), _id(2)]
    assert store.add(_id(4), SENDER, OTHER, b"d", 4) is not None


def test_the_first_read_time_is_kept_and_the_sender_count_follows_time(tmp_path: Path) -> None:
    store = InboxStore(tmp_path / INBOX_DB)
    store.add(_id(1), SENDER, RECIPIENT, b"a", 1_000)
    store.add(_id(2), SENDER, RECIPIENT, b"b", 5_000)
    assert store.mark_read(_id(9), 6_000) is None
    read = store.mark_read(_id(1), 6_000)
    assert read is not None
    assert read.read == 6_000
    again = store.mark_read(_id(1), 7_000)
    assert again is not None
    assert again.read == 6_000
    assert store.sent_since(SENDER, 0) == (2, 1_000)
    assert store.sent_since(SENDER, 1_000) == (1, 5_000)
    assert store.sent_since(OTHER, 0) == (0, 0)


def test_the_notifiers_progress_survives_a_reopen(tmp_path: Path) -> None:
    store = InboxStore(tmp_path / INBOX_DB)
    assert (store.scanned_height(), store.open_requests()) == (0, {})
    store.save_progress(5, {b"r1" * 8: 7, b"r2" * 8: 9})
    store.save_progress(6, {b"r1" * 8: None})
    store.close()
    reopened = InboxStore(tmp_path / INBOX_DB)
    assert reopened.scanned_height() == 6
    assert reopened.open_requests() == {b"r2" * 8: 9}


def _add_and_die(path: str) -> None:
    store = InboxStore(Path(path))
    store.add(_id(1), SENDER, RECIPIENT, b"acknowledged", 1)
    os._exit(0)  # no close, no flush: as a kill right after the answer


def _die_inside_a_transaction(path: str) -> None:
    db = sqlite3.connect(path, isolation_level=None)
    db.execute("BEGIN IMMEDIATE")
    db.execute(
        "INSERT INTO messages (id, sender, recipient, sealed, received) VALUES (?, ?, ?, ?, ?)",
        (_id(2), SENDER, RECIPIENT, b"half", 2),
    )
    os._exit(0)  # killed before the commit


@pytest.mark.parametrize("child", [_add_and_die, _die_inside_a_transaction])
def test_a_crash_leaves_whole_messages_or_none(tmp_path: Path, child: object) -> None:
    path = tmp_path / INBOX_DB
    InboxStore(path).close()
    process = multiprocessing.get_context("spawn").Process(target=child, args=(str(path),))
    process.start()
    process.join(60)
    assert process.exitcode == 0
    page, _ = InboxStore(path).inbox(RECIPIENT, 0)
    expected = [(_id(1), b"acknowledged")] if child is _add_and_die else []
    assert [(m.id, m.sealed) for m in page] == expected
