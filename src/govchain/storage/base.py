"""The storage Protocol: ordered tables of bytes, read and write transactions.

A store has a fixed set of named tables, each an ordered map from ``bytes``
keys to ``bytes`` values. All reads go through a read transaction (a
consistent snapshot); all writes go through a write transaction that commits
atomically when its ``with`` block ends normally and rolls back entirely when
it raises. Only one write transaction runs at a time.

Backends: :mod:`govchain.storage.memory` (tests) and
:mod:`govchain.storage.lmdb_store` (nodes). One conformance suite,
``tests/unit/storage``, runs against both.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass
from typing import Protocol

MAX_KEY_SIZE = 511
"""LMDB's default key limit; the memory backend enforces the same."""


class ReadTxn(Protocol):
    """A consistent snapshot of every table."""

    def get(self, table: str, key: bytes) -> bytes | None:
        """The value under ``key``, or None."""
        ...

    def scan(
        self, table: str, start: bytes = b"", end: bytes | None = None, *, reverse: bool = False
    ) -> Iterator[tuple[bytes, bytes]]:
        """Entries with ``start <= key < end`` (``end`` None: to the last), in key order."""
        ...


class WriteTxn(ReadTxn, Protocol):
    """A snapshot that also takes writes; it sees its own writes."""

    def put(self, table: str, key: bytes, value: bytes) -> None:
        """Set ``key`` to ``value``."""
        ...

    def put_many(self, table: str, items: Sequence[tuple[bytes, bytes]]) -> None:
        """Set each ``(key, value)`` of ``items`` (sorted by key, no key twice), as puts would."""
        ...

    def delete(self, table: str, key: bytes) -> bool:
        """Remove ``key``; True if it was there."""
        ...

    def delete_many(self, table: str, keys: Sequence[bytes]) -> None:
        """Remove each of ``keys`` that is there, as deletes would (without saying which were)."""
        ...


@dataclass(frozen=True, slots=True)
class StoreStats:
    """Space figures: bytes in use and the current and maximum map sizes."""

    used_bytes: int
    map_size: int
    max_map_size: int


class Store(Protocol):
    """A set of tables with transactions. Closing twice is harmless."""

    tables: tuple[str, ...]

    def read(self) -> AbstractContextManager[ReadTxn]:
        """A read transaction."""
        ...

    def write(self) -> AbstractContextManager[WriteTxn]:
        """A write transaction: commits on normal exit, rolls back on an exception."""
        ...

    def stats(self) -> StoreStats:
        """How much space is used and available."""
        ...

    def close(self) -> None:
        """Release the store; later calls raise ``StorageClosedError``."""
        ...
