"""In-memory store: the same contract as LMDB, for tests and the simulator.

Committed tables are immutable: each is a dict plus its keys in sorted order,
and neither is changed once published. A write transaction collects its
changes in an overlay; commit builds new tables and publishes them with one
attribute assignment, so a reader sees either all of a transaction or none.
"""

from __future__ import annotations

import heapq
import threading
from bisect import bisect_left
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from types import MappingProxyType

from govchain.storage.base import StoreStats
from govchain.storage.checks import (
    check_items,
    check_key,
    check_keys,
    check_table,
    check_tables,
    check_value,
)
from govchain.types.errors import StorageClosedError, StorageFullError


@dataclass(frozen=True, slots=True)
class _Table:
    """One committed table: its entries and its keys in ascending order."""

    data: Mapping[bytes, bytes]
    keys: tuple[bytes, ...]

    def key_range(self, start: bytes, end: bytes | None) -> tuple[bytes, ...]:
        low = bisect_left(self.keys, start)
        high = len(self.keys) if end is None else bisect_left(self.keys, end)
        return self.keys[low:high] if low < high else ()


@dataclass(frozen=True, slots=True)
class _State:
    """Everything committed, published as one object."""

    tables: Mapping[str, _Table]
    used: int


def _in_range(key: bytes, start: bytes, end: bytes | None) -> bool:
    return start <= key and (end is None or key < end)


def _merged(committed: Iterable[bytes], extra: list[bytes], reverse: bool) -> Iterator[bytes]:
    """Two sorted key sequences merged, duplicates dropped."""
    previous: bytes | None = None
    for key in heapq.merge(committed, extra, reverse=reverse):
        if key != previous:
            previous = key
            yield key


class _MemoryRead:
    """A snapshot: the committed state at the moment it was opened."""

    def __init__(self, store: MemoryStore, state: _State) -> None:
        self._store = store
        self._state = state

    def _table(self, table: str) -> _Table:
        self._store.ensure_open()
        check_table(self._store.tables, table)
        return self._state.tables[table]

    def get(self, table: str, key: bytes) -> bytes | None:
        """The value under ``key``, or None."""
        committed = self._table(table)
        return committed.data.get(check_key(key))

    def scan(
        self, table: str, start: bytes = b"", end: bytes | None = None, *, reverse: bool = False
    ) -> Iterator[tuple[bytes, bytes]]:
        """Entries with ``start <= key < end`` in key order (or reverse order)."""
        committed = self._table(table)
        keys = committed.key_range(start, end)
        return ((key, committed.data[key]) for key in (reversed(keys) if reverse else keys))


class _MemoryWrite(_MemoryRead):
    """A snapshot plus an overlay of this transaction's writes (None marks a delete)."""

    def __init__(self, store: MemoryStore, state: _State) -> None:
        super().__init__(store, state)
        self.overlay: dict[str, dict[bytes, bytes | None]] = {t: {} for t in store.tables}

    def get(self, table: str, key: bytes) -> bytes | None:
        """The value under ``key`` as this transaction sees it."""
        committed = self._table(table)
        changes = self.overlay[table]
        if check_key(key) in changes:
            return changes[key]
        return committed.data.get(key)

    def scan(
        self, table: str, start: bytes = b"", end: bytes | None = None, *, reverse: bool = False
    ) -> Iterator[tuple[bytes, bytes]]:
        """Entries as this transaction sees them, in key order (or reverse order)."""
        committed = self._table(table)
        changes = self.overlay[table]
        extra = sorted((k for k in changes if _in_range(k, start, end)), reverse=reverse)
        keys = committed.key_range(start, end)
        ordered = _merged(reversed(keys) if reverse else keys, extra, reverse)
        return self._entries(table, ordered)

    def _entries(self, table: str, keys: Iterator[bytes]) -> Iterator[tuple[bytes, bytes]]:
        committed, changes = self._state.tables[table], self.overlay[table]
        for key in keys:
            value = changes[key] if key in changes else committed.data.get(key)
            if value is not None:
                yield key, value

    def put(self, table: str, key: bytes, value: bytes) -> None:
        """Set ``key`` to ``value`` in this transaction."""
        self._table(table)
        self.overlay[table][check_key(key)] = check_value(value)

    def put_many(self, table: str, items: Sequence[tuple[bytes, bytes]]) -> None:
        """Set each ``(key, value)`` in this transaction (``WriteTxn.put_many``)."""
        self._table(table)
        check_items(items)  # every item checked before any is written
        self.overlay[table].update(items)

    def delete(self, table: str, key: bytes) -> bool:
        """Remove ``key`` in this transaction; True if it was there."""
        existed = self.get(table, key) is not None
        self.overlay[table][key] = None
        return existed

    def delete_many(self, table: str, keys: Sequence[bytes]) -> None:
        """Remove each of ``keys`` in this transaction (``WriteTxn.delete_many``)."""
        self._table(table)
        check_keys(keys)  # every key checked before any is removed
        self.overlay[table].update(dict.fromkeys(keys))


def _apply(old: _Table, changes: dict[bytes, bytes | None]) -> tuple[_Table, int]:
    """``old`` with ``changes`` applied, and the change in bytes used."""
    data = dict(old.data)
    delta = 0
    removed: set[bytes] = set()
    added: list[bytes] = []
    for key, value in changes.items():
        previous = data.pop(key, None)
        if previous is not None:
            delta -= len(key) + len(previous)
        if value is not None:
            data[key] = value
            delta += len(key) + len(value)
        if previous is None and value is not None:
            added.append(key)
        elif previous is not None and value is None:
            removed.add(key)
    kept = (k for k in old.keys if k not in removed) if removed else old.keys
    keys = tuple(heapq.merge(kept, sorted(added))) if added or removed else old.keys
    return _Table(MappingProxyType(data), keys), delta


class MemoryStore:
    """Tables in memory. ``max_bytes`` (keys plus values) stands in for a full disk.

    ``stats()`` reports the bytes of keys and values held; its map sizes are
    ``max_bytes``, or 0 when there is no limit.
    """

    def __init__(self, tables: Sequence[str], max_bytes: int | None = None) -> None:
        self.tables = check_tables(tables)
        if max_bytes is not None and max_bytes < 0:
            raise ValueError(f"max_bytes must be non-negative, got {max_bytes}")
        self.max_bytes = max_bytes
        empty = _Table(MappingProxyType({}), ())
        self._state = _State(MappingProxyType(dict.fromkeys(self.tables, empty)), 0)
        self._writer = threading.Lock()
        self._closed = False

    def ensure_open(self) -> None:
        """Raise StorageClosedError after close()."""
        if self._closed:
            raise StorageClosedError("the memory store is closed")

    @contextmanager
    def read(self) -> Iterator[_MemoryRead]:
        """A read snapshot."""
        self.ensure_open()
        yield _MemoryRead(self, self._state)

    @contextmanager
    def write(self) -> Iterator[_MemoryWrite]:
        """A write transaction; commits when the block ends normally."""
        self.ensure_open()
        with self._writer:
            txn = _MemoryWrite(self, self._state)
            yield txn
            self.ensure_open()
            self._commit(txn)

    def _commit(self, txn: _MemoryWrite) -> None:
        state = self._state
        tables = dict(state.tables)
        used = state.used
        for table, changes in txn.overlay.items():
            if changes:
                tables[table], delta = _apply(state.tables[table], changes)
                used += delta
        if self.max_bytes is not None and used > self.max_bytes:
            raise StorageFullError(
                f"memory store full: the transaction would bring the store to {used} bytes, "
                f"over its limit of {self.max_bytes}; the write was rolled back"
            )
        self._state = _State(MappingProxyType(tables), used)

    def stats(self) -> StoreStats:
        """Bytes of keys and values held, and the limit (0: none)."""
        self.ensure_open()
        limit = self.max_bytes if self.max_bytes is not None else 0
        return StoreStats(used_bytes=self._state.used, map_size=limit, max_map_size=limit)

    def close(self) -> None:
        """Drop the data; later calls raise StorageClosedError."""
        self._closed = True
        self._state = _State(MappingProxyType({}), 0)
