"""A storage node's inbox store: sealed messages by recipient, in SQLite (docs/spec/messages.md).

One database, ``messages.db`` in the storage home, in WAL mode with
``synchronous = FULL``: a message is acknowledged only once its transaction
is on disk, and a crash leaves either the whole message or none of it. Each
message is stored once per id (a unique key); ``seq`` numbers arrivals on
this node and is the cursor of inbox pages and streams. The notifier keeps
its progress here too (``notifier_state``, ``open_requests``), in the same
transactions' safety. The store holds only sealed bytes and pseudonymous
addresses: no personal data in clear. Thread-safe (one connection, a lock).
"""

from __future__ import annotations

import sqlite3
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from govchain.types.validators import ADDRESS_SIZE

__all__ = [
    "INBOX_DB",
    "INBOX_MAX",
    "MESSAGE_ID_SIZE",
    "PAGE_BYTES_MAX",
    "PAGE_MAX",
    "InboxFullError",
    "InboxStore",
    "StoredMessage",
]

INBOX_DB = "messages.db"
INBOX_MAX = 10_000
"""Messages kept for one recipient on one node."""
PAGE_MAX = 100
PAGE_BYTES_MAX = 4 * 1024 * 1024
"""Sealed bytes in one page (a page has at least one message)."""
MESSAGE_ID_SIZE = 32

_SCHEMA = """
CREATE TABLE IF NOT EXISTS messages (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    id BLOB NOT NULL UNIQUE,
    sender BLOB NOT NULL,
    recipient BLOB NOT NULL,
    sealed BLOB NOT NULL,
    received INTEGER NOT NULL,
    read INTEGER
);
CREATE INDEX IF NOT EXISTS messages_by_recipient ON messages (recipient, seq);
CREATE INDEX IF NOT EXISTS messages_by_sender ON messages (sender, received);
CREATE TABLE IF NOT EXISTS notifier_state (name TEXT PRIMARY KEY, value INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS open_requests (id BLOB PRIMARY KEY, next_reminder INTEGER NOT NULL);
"""


class InboxFullError(Exception):
    """The recipient has :data:`INBOX_MAX` messages on this node."""


@dataclass(frozen=True, slots=True)
class StoredMessage:
    """A message as this node keeps it."""

    seq: int
    id: bytes
    sender: bytes
    recipient: bytes
    sealed: bytes
    received: int
    """The node's wall clock (ms) when it stored the message."""
    read: int | None
    """When the recipient first sent a read receipt (ms), None while unread."""

    def to_json(self) -> dict[str, object]:
        """The message as the routes answer it (bytes as hex)."""
        return {
            "id": self.id.hex(),
            "seq": self.seq,
            "sender": self.sender.hex(),
            "recipient": self.recipient.hex(),
            "received": self.received,
            "read": self.read,
            "sealed": self.sealed.hex(),
        }

    def status_json(self) -> dict[str, object]:
        """The delivery status: who, when received, when read."""
        return {
            "id": self.id.hex(),
            "sender": self.sender.hex(),
            "recipient": self.recipient.hex(),
            "received": self.received,
            "read": self.read,
        }


_COLUMNS = "seq, id, sender, recipient, sealed, received, read"


class InboxStore:
    """The messages of one storage node and its notifier's progress."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._lock = threading.Lock()
        self._db = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=FULL")
        with self._lock:
            self._db.executescript(_SCHEMA)

    def close(self) -> None:
        """Close the database."""
        with self._lock:
            self._db.close()

    def add(
        self, message_id: bytes, sender: bytes, recipient: bytes, sealed: bytes, now_ms: int
    ) -> StoredMessage | None:
        """Store a message once: the stored message, or None when this id is here already.

        Raises InboxFullError when the recipient has :data:`INBOX_MAX` messages.
        """
        assert len(message_id) == MESSAGE_ID_SIZE, "message id"
        assert len(sender) == ADDRESS_SIZE, "sender address"
        assert len(recipient) == ADDRESS_SIZE, "recipient address"
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                if self._one("SELECT 1 FROM messages WHERE id = ?", (message_id,)) is not None:
                    self._db.execute("ROLLBACK")
                    return None
                count = self._one("SELECT COUNT(*) FROM messages WHERE recipient = ?", (recipient,))
                if count is not None and count[0] >= INBOX_MAX:
                    self._db.execute("ROLLBACK")
                    raise InboxFullError(f"the recipient has {INBOX_MAX} messages here")
                cursor = self._db.execute(
                    "INSERT INTO messages (id, sender, recipient, sealed, received) "
                    "VALUES (?, ?, ?, ?, ?)",
                    (message_id, sender, recipient, sealed, now_ms),
                )
                self._db.execute("COMMIT")
            except BaseException:
                if self._db.in_transaction:
                    self._db.execute("ROLLBACK")
                raise
        seq = cursor.lastrowid
        assert seq is not None
        return StoredMessage(seq, message_id, sender, recipient, sealed, now_ms, None)

    def has(self, message_id: bytes) -> bool:
        """Whether this node holds the message ``message_id``."""
        with self._lock:
            return self._one("SELECT 1 FROM messages WHERE id = ?", (message_id,)) is not None

    def sent_since(self, sender: bytes, since_ms: int) -> tuple[int, int]:
        """How many messages ``sender`` stored here after ``since_ms``, and the oldest's time."""
        with self._lock:
            row = self._one(
                "SELECT COUNT(*), MIN(received) FROM messages WHERE sender = ? AND received > ?",
                (sender, since_ms),
            )
        assert row is not None
        return int(row[0]), int(row[1] or 0)

    def inbox(
        self, recipient: bytes, after: int, limit: int = PAGE_MAX
    ) -> tuple[list[StoredMessage], int | None]:
        """Messages of ``recipient`` with seq above ``after``, oldest first, and the next
        page's ``after`` (None: no more)."""
        limit = max(1, min(limit, PAGE_MAX))
        with self._lock:
            rows = self._db.execute(
                f"SELECT {_COLUMNS} FROM messages WHERE recipient = ? AND seq > ? "
                "ORDER BY seq LIMIT ?",
                (recipient, after, limit + 1),
            ).fetchall()
        page: list[StoredMessage] = []
        size = 0
        for row in rows[:limit]:
            message = StoredMessage(*row)
            if page and size + len(message.sealed) > PAGE_BYTES_MAX:
                return page, page[-1].seq
            page.append(message)
            size += len(message.sealed)
        return page, (page[-1].seq if len(rows) > limit else None)

    def message(self, message_id: bytes) -> StoredMessage | None:
        """The message ``message_id``, or None."""
        with self._lock:
            row = self._one(f"SELECT {_COLUMNS} FROM messages WHERE id = ?", (message_id,))
        return None if row is None else StoredMessage(*row)

    def mark_read(self, message_id: bytes, now_ms: int) -> StoredMessage | None:
        """Record the read receipt (the first time is kept); the message, or None if absent."""
        with self._lock:
            self._db.execute(
                "UPDATE messages SET read = ? WHERE id = ? AND read IS NULL", (now_ms, message_id)
            )
            row = self._one(f"SELECT {_COLUMNS} FROM messages WHERE id = ?", (message_id,))
        return None if row is None else StoredMessage(*row)

    # --- the notifier's progress ------------------------------------------------------------

    def scanned_height(self) -> int:
        """The last height the notifier has read every tx of (0: none yet)."""
        with self._lock:
            row = self._one("SELECT value FROM notifier_state WHERE name = 'height'", ())
        return 0 if row is None else int(row[0])

    def open_requests(self) -> dict[bytes, int]:
        """The open requests the notifier follows: id -> height of its next reminder."""
        with self._lock:
            rows = self._db.execute("SELECT id, next_reminder FROM open_requests ORDER BY id")
            return {bytes(r[0]): int(r[1]) for r in rows.fetchall()}

    def save_progress(self, height: int, changed: dict[bytes, int | None]) -> None:
        """Set the scanned height and the open requests' changes (None: dropped), at once."""
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                for request, due in sorted(changed.items()):
                    if due is None:
                        self._db.execute("DELETE FROM open_requests WHERE id = ?", (request,))
                    else:
                        self._db.execute(
                            "INSERT OR REPLACE INTO open_requests (id, next_reminder) "
                            "VALUES (?, ?)",
                            (request, due),
                        )
                self._db.execute(
                    "INSERT OR REPLACE INTO notifier_state (name, value) VALUES ('height', ?)",
                    (height,),
                )
                self._db.execute("COMMIT")
            except BaseException:
                if self._db.in_transaction:
                    self._db.execute("ROLLBACK")
                raise

    def _one(self, query: str, params: tuple[object, ...]) -> tuple[Any, ...] | None:
        row = self._db.execute(query, params).fetchone()
        return None if row is None else tuple(row)
