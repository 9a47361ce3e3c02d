"""LMDB store for nodes: one sub-database per table, one LMDB transaction per write.

LMDB writes copy-on-write pages and switches the meta page last, so a crash
at any instant leaves the last committed transaction intact. The map grows on
demand (doubling up to ``max_map_size``); a write that still does not fit,
or a full disk, is rolled back and raises :class:`StorageFullError`.
"""

from __future__ import annotations

import errno
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import lmdb

from govchain.storage.base import StoreStats
from govchain.storage.checks import check_key, check_table, check_tables, check_value
from govchain.types.errors import StorageClosedError, StorageError, StorageFullError

MIB = 1024 * 1024
_Op = tuple[str, bytes, bytes | None]


def _is_disk_full(exc: lmdb.Error) -> bool:
    return "No space left" in str(exc) or getattr(exc, "errno", None) == errno.ENOSPC


class _LmdbRead:
    def __init__(self, store: LmdbStore, txn: Any) -> None:
        self._store = store
        self._txn = txn

    def _db(self, table: str) -> Any:
        self._store.ensure_open()
        check_table(self._store.tables, table)
        return self._store.dbs[table]

    def get(self, table: str, key: bytes) -> bytes | None:
        """The value under ``key``, or None."""
        value = self._txn.get(check_key(key), db=self._db(table))
        return None if value is None else bytes(value)

    def scan(
        self, table: str, start: bytes = b"", end: bytes | None = None, *, reverse: bool = False
    ) -> Iterator[tuple[bytes, bytes]]:
        """Entries with ``start <= key < end`` in key order (or reverse order)."""
        with self._txn.cursor(db=self._db(table)) as cursor:
            if not reverse:
                found = cursor.set_range(start) if start else cursor.first()
                while found:
                    key = bytes(cursor.key())
                    if end is not None and key >= end:
                        return
                    yield key, bytes(cursor.value())
                    found = cursor.next()
                return
            found = cursor.set_range(end) if end is not None else cursor.last()
            if end is not None:
                found = cursor.prev() if found else cursor.last()
            while found:
                key = bytes(cursor.key())
                if key < start:
                    return
                yield key, bytes(cursor.value())
                found = cursor.prev()


class _LmdbWrite(_LmdbRead):
    """A write transaction that logs its operations so it can be replayed after map growth."""

    def __init__(self, store: LmdbStore, txn: Any) -> None:
        super().__init__(store, txn)
        self.ops: list[_Op] = []

    def put(self, table: str, key: bytes, value: bytes) -> None:
        """Set ``key`` to ``value``."""
        op = (table, check_key(key), check_value(value))
        self._store.db_of(table)
        self.ops.append(op)
        self._txn = self._store.apply(self._txn, self.ops, op)

    def delete(self, table: str, key: bytes) -> bool:
        """Remove ``key``; True if it was there."""
        existed = self.get(table, key) is not None
        op = (table, key, None)
        self.ops.append(op)
        self._txn = self._store.apply(self._txn, self.ops, op)
        return existed


class LmdbStore:
    """Tables in an LMDB environment in directory ``path`` (created with mode 0700)."""

    def __init__(
        self,
        path: Path,
        tables: Sequence[str],
        *,
        map_size: int = 1024 * MIB,
        max_map_size: int = 64 * 1024 * MIB,
        sync: bool = True,
    ) -> None:
        self.tables = check_tables(tables)
        self.path = Path(path)
        self.max_map_size = max(max_map_size, map_size)
        self.path.mkdir(mode=0o700, parents=True, exist_ok=True)
        try:
            self.env = lmdb.open(
                str(self.path),
                map_size=map_size,
                max_dbs=len(self.tables) + 1,
                subdir=True,
                sync=sync,
                metasync=sync,
                readahead=False,
                lock=True,
            )
            self.dbs = {t: self.env.open_db(t.encode()) for t in self.tables}
        except lmdb.Error as exc:
            raise StorageError(f"cannot open the LMDB store at {self.path}: {exc}") from exc
        self._writer = threading.Lock()
        self._closed = False

    def ensure_open(self) -> None:
        """Raise StorageClosedError after close()."""
        if self._closed:
            raise StorageClosedError(f"the store at {self.path} is closed")

    def db_of(self, table: str) -> Any:
        """The sub-database of ``table``."""
        self.ensure_open()
        check_table(self.tables, table)
        return self.dbs[table]

    @contextmanager
    def read(self) -> Iterator[_LmdbRead]:
        """A read snapshot."""
        self.ensure_open()
        with self.env.begin(buffers=False) as txn:
            yield _LmdbRead(self, txn)

    @contextmanager
    def write(self) -> Iterator[_LmdbWrite]:
        """A write transaction; commits when the block ends normally."""
        self.ensure_open()
        with self._writer:
            writer = _LmdbWrite(self, self.env.begin(write=True))
            try:
                yield writer
                self._commit(writer)
            except BaseException:
                writer._txn.abort()  # aborting an already-ended txn is a no-op
                raise

    def apply(self, txn: Any, ops: list[_Op], op: _Op) -> Any:
        """Apply ``op`` in ``txn``; on a full map, grow it and replay ``ops`` in a new txn."""
        try:
            self._do(txn, op)
        except lmdb.MapFullError:
            txn.abort()
            return self._replay(ops)
        except lmdb.Error as exc:
            raise self._translate(exc) from exc
        return txn

    def _do(self, txn: Any, op: _Op) -> None:
        table, key, value = op
        if value is None:
            txn.delete(key, db=self.dbs[table])
        else:
            txn.put(key, value, db=self.dbs[table])

    def _replay(self, ops: list[_Op]) -> Any:
        while True:
            self._grow()
            txn = self.env.begin(write=True)
            try:
                for op in ops:
                    self._do(txn, op)
            except lmdb.MapFullError:
                txn.abort()
                continue
            except lmdb.Error as exc:
                txn.abort()
                raise self._translate(exc) from exc
            return txn

    def _grow(self) -> None:
        current = self.env.info()["map_size"]
        if current >= self.max_map_size:
            raise StorageFullError(
                f"the store at {self.path} is full: the map is at its maximum of "
                f"{self.max_map_size // MIB} MiB; raise the limit or free space"
            )
        self.env.set_mapsize(min(current * 2, self.max_map_size))

    def _commit(self, writer: _LmdbWrite) -> None:
        while True:
            try:
                writer._txn.commit()
                return
            except lmdb.MapFullError:
                writer._txn = self._replay(writer.ops)
            except lmdb.Error as exc:
                raise self._translate(exc) from exc

    def _translate(self, exc: lmdb.Error) -> StorageError:
        if _is_disk_full(exc):
            return StorageFullError(f"disk full writing {self.path}; the write was rolled back")
        return StorageError(f"LMDB error in {self.path}: {exc}")

    def stats(self) -> StoreStats:
        """Bytes in use (pages up to the last used one) and map sizes."""
        self.ensure_open()
        info, stat = self.env.info(), self.env.stat()
        used = (info["last_pgno"] + 1) * stat["psize"]
        return StoreStats(used, info["map_size"], self.max_map_size)

    def close(self) -> None:
        """Close the environment; later calls raise StorageClosedError."""
        if not self._closed:
            self._closed = True
            self.env.close()
