"""In-memory store: the same contract as LMDB, for tests and the simulator.

Committed tables are immutable snapshots; a write transaction builds an
overlay and swaps in new tables atomically on commit, so readers never see a
half-applied transaction.
"""

from __future__ import annotations

import bisect
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from types import MappingProxyType

from govchain.storage.base import StoreStats
from govchain.storage.checks import check_key, check_table, check_tables, check_value
from govchain.types.errors import StorageClosedError, StorageFullError

_Table = MappingProxyType[bytes, bytes]
_DELETED = None


class _MemoryRead:
    """A snapshot: the committed tables at the moment it was opened."""

    def __init__(self, store: MemoryStore, tables: dict[str, _Table]) -> None:
        self._store = store
        self._tables = tables

    def _check(self, table: str) -> None:
        self._store.ensure_open()
        check_table(self._store.tables, table)

    def get(self, table: str, key: bytes) -> bytes | None:
        """The value under ``key``, or None."""
        self._check(table)
        return self._tables[table].get(check_key(key))

    def _keys(self, table: str) -> list[bytes]:
        return sorted(self._tables[table])

    def scan(
        self, table: str, start: bytes = b"", end: bytes | None = None, *, reverse: bool = False
    ) -> Iterator[tuple[bytes, bytes]]:
        """Entries with ``start <= key < end`` in key order (or reverse order)."""
        self._check(table)
        keys = self._keys(table)
        low = bisect.bisect_left(keys, start)
        high = len(keys) if end is None else bisect.bisect_left(keys, end)
        chosen = keys[low:high]
        if reverse:
            chosen.reverse()
        for key in chosen:
            value = self.get(table, key)
            if value is not None:
                yield key, value


class _MemoryWrite(_MemoryRead):
    """A snapshot plus an overlay of this transaction's writes."""

    def __init__(self, store: MemoryStore, tables: dict[str, _Table]) -> None:
        super().__init__(store, tables)
        self.overlay: dict[str, dict[bytes, bytes | None]] = {t: {} for t in tables}

    def get(self, table: str, key: bytes) -> bytes | None:
        """The value under ``key`` as this transaction sees it."""
        self._check(table)
        changes = self.overlay[table]
        if check_key(key) in changes:
            return changes[key]
        return self._tables[table].get(key)

    def _keys(self, table: str) -> list[bytes]:
        return sorted(set(self._tables[table]) | set(self.overlay[table]))

    def put(self, table: str, key: bytes, value: bytes) -> None:
        """Set ``key`` to ``value`` in this transaction."""
        self._check(table)
        self.overlay[table][check_key(key)] = check_value(value)

    def delete(self, table: str, key: bytes) -> bool:
        """Remove ``key`` in this transaction; True if it was there."""
        existed = self.get(table, key) is not None
        self.overlay[table][key] = _DELETED
        return existed


class MemoryStore:
    """Tables in memory. ``max_bytes`` (keys plus values) stands in for a full disk."""

    def __init__(self, tables: Sequence[str], max_bytes: int | None = None) -> None:
        self.tables = check_tables(tables)
        self.max_bytes = max_bytes
        self._tables: dict[str, _Table] = {t: MappingProxyType({}) for t in self.tables}
        self._used = 0
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
        yield _MemoryRead(self, dict(self._tables))

    @contextmanager
    def write(self) -> Iterator[_MemoryWrite]:
        """A write transaction; commits when the block ends normally."""
        self.ensure_open()
        with self._writer:
            txn = _MemoryWrite(self, dict(self._tables))
            yield txn
            self.ensure_open()
            self._commit(txn)

    def _commit(self, txn: _MemoryWrite) -> None:
        new_tables = dict(self._tables)
        used = self._used
        for table, changes in txn.overlay.items():
            if not changes:
                continue
            data = dict(self._tables[table])
            for key, value in changes.items():
                old = data.pop(key, None)
                if old is not None:
                    used -= len(key) + len(old)
                if value is not None:
                    data[key] = value
                    used += len(key) + len(value)
            new_tables[table] = MappingProxyType(data)
        if self.max_bytes is not None and used > self.max_bytes:
            raise StorageFullError(
                f"memory store full: the transaction needs {used} bytes, limit {self.max_bytes}"
            )
        self._tables, self._used = new_tables, used

    def stats(self) -> StoreStats:
        """Bytes of keys and values held."""
        self.ensure_open()
        limit = self.max_bytes if self.max_bytes is not None else 0
        return StoreStats(used_bytes=self._used, map_size=limit, max_map_size=limit)

    def close(self) -> None:
        """Drop the data; later calls raise StorageClosedError."""
        self._closed = True
