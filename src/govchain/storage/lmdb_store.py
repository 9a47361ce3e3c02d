"""LMDB store for nodes: one sub-database per table, one LMDB transaction per write.

The map doubles on demand up to ``max_map_size``; a write that still does not
fit, or a full disk, is rolled back and raises :class:`StorageFullError`. A
growth ends every LMDB transaction of the process: it waits for other threads'
readers to finish, then the writer replays its operation log. A snapshot the
writing thread holds across a growth is lost (using it raises StorageError).
"""

from __future__ import annotations

import errno
import threading
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from functools import partial
from pathlib import Path
from typing import Any

import lmdb

from govchain.storage.base import StoreStats
from govchain.storage.checks import (
    check_items,
    check_key,
    check_keys,
    check_table,
    check_tables,
    check_value,
)
from govchain.types.errors import StorageClosedError, StorageError, StorageFullError

GROWTH_WAIT_SECONDS = 60.0  # how long a growth waits for other threads' readers
_Op = Callable[[Any], object]
"""A logged write: redoes itself on the LMDB write transaction it is given."""


def _put(db: Any, key: bytes, value: bytes, txn: Any) -> None:
    txn.put(key, value, db=db)


def _put_many(db: Any, items: Sequence[tuple[bytes, bytes]], txn: Any) -> None:
    with txn.cursor(db=db) as cursor:
        cursor.putmulti(items)


def _delete(db: Any, key: bytes, txn: Any) -> None:
    txn.delete(key, db=db)


def _delete_many(db: Any, keys: Sequence[bytes], txn: Any) -> None:
    delete = txn.delete
    for key in keys:
        delete(key, db=db)


class _LmdbRead:
    """A read snapshot over one LMDB transaction."""

    def __init__(self, store: LmdbStore, txn: Any) -> None:
        self._store = store
        self._txn = txn

    def get(self, table: str, key: bytes) -> bytes | None:
        """The value under ``key``, or None."""
        db, key = self._store.db_of(table), check_key(key)
        try:
            value: bytes | None = self._txn.get(key, db=db)
        except lmdb.Error as exc:
            raise self._store.translate(exc) from exc
        return value

    def scan(
        self, table: str, start: bytes = b"", end: bytes | None = None, *, reverse: bool = False
    ) -> Iterator[tuple[bytes, bytes]]:
        """Entries with ``start <= key < end`` in key order (or reverse order)."""
        return self._entries(self._store.db_of(table), start, end, reverse)

    def _entries(
        self, db: Any, start: bytes, end: bytes | None, reverse: bool
    ) -> Iterator[tuple[bytes, bytes]]:
        last: bytes | None = None  # the last key yielded: where to pick up on a new txn
        while True:
            txn = self._txn
            try:
                with txn.cursor(db=db) as cursor:
                    found = _position(cursor, start, end, reverse, last)
                    while found:
                        key: bytes = cursor.key()
                        if (key < start) if reverse else (end is not None and key >= end):
                            return
                        last = key
                        yield key, cursor.value()
                        if self._txn is not txn:
                            break  # the write txn was replayed after a map growth
                        found = cursor.prev() if reverse else cursor.next()
                    if self._txn is txn:
                        return
            except lmdb.Error as exc:
                raise self._store.translate(exc) from exc


def _position(
    cursor: Any, start: bytes, end: bytes | None, reverse: bool, last: bytes | None
) -> bool:
    """Put ``cursor`` on the first entry to yield; False if there is none."""
    if not reverse:  # set_range(b"") goes to the first entry
        found = cursor.set_range(start if last is None else last)
        return bool(found and (last is None or cursor.key() != last or cursor.next()))
    bound = last if last is not None else end
    if bound is None:
        return bool(cursor.last())
    return bool(cursor.prev() if cursor.set_range(bound) else cursor.last())


class _LmdbWrite(_LmdbRead):
    """A write transaction that logs its operations so it can be replayed after map growth."""

    def __init__(self, store: LmdbStore, txn: Any) -> None:
        super().__init__(store, txn)
        self.ops: list[_Op] = []
        self.error: StorageError | None = None

    def _check_usable(self) -> None:
        if self.error is not None:
            raise StorageError(f"the write transaction was rolled back: {self.error}")

    def put(self, table: str, key: bytes, value: bytes) -> None:
        """Set ``key`` to ``value``."""
        self._apply(partial(_put, self._store.db_of(table), check_key(key), check_value(value)))

    def put_many(self, table: str, items: Sequence[tuple[bytes, bytes]]) -> None:
        """Set each ``(key, value)`` in one call into LMDB (``WriteTxn.put_many``).

        A block writes a few thousand state nodes; one ``putmulti`` over them
        costs about half of as many single puts, each with its own checks
        and log entry in Python (issue 21).
        """
        db = self._store.db_of(table)
        check_items(items)
        self._apply(partial(_put_many, db, tuple(items)))  # the log keeps its own copy

    def delete(self, table: str, key: bytes) -> bool:
        """Remove ``key``; True if it was there."""
        existed = self.get(table, key) is not None
        self._apply(partial(_delete, self._store.db_of(table), key))
        return existed

    def delete_many(self, table: str, keys: Sequence[bytes]) -> None:
        """Remove each of ``keys`` that is there (``WriteTxn.delete_many``).

        Pruning drops a block's worth of stale state nodes and their rows; one
        logged operation over them costs a fraction of a checked delete each
        (issue 21).
        """
        db = self._store.db_of(table)
        check_keys(keys)
        self._apply(partial(_delete_many, db, tuple(keys)))

    def _apply(self, op: _Op) -> None:
        self._check_usable()
        self.ops.append(op)
        try:
            op(self._txn)
        except lmdb.Error as exc:
            self._failed(exc)

    def _failed(self, exc: lmdb.Error) -> None:
        """After a failed write: grow the map and replay the log, or give the txn up."""
        self._txn.abort()
        try:
            if not isinstance(exc, lmdb.MapFullError):
                raise self._store.translate(exc) from exc
            self._txn = self._store.replay(self.ops)
        except StorageError as error:
            self.error = error  # the txn is gone: refuse further use
            raise

    def commit(self) -> None:
        """Commit, growing the map and replaying if the commit does not fit."""
        self._check_usable()
        while True:
            try:
                self._txn.commit()
                return
            except lmdb.MapFullError:
                self._txn = self._store.replay(self.ops)
            except lmdb.Error as exc:
                raise self._store.translate(exc) from exc


class LmdbStore:
    """Tables in an LMDB environment in directory ``path`` (created with mode 0700)."""

    def __init__(
        self,
        path: Path,
        tables: Sequence[str],
        map_size: int = 64 << 20,
        max_map_size: int = 64 << 30,
        sync: bool = True,
    ) -> None:
        self.tables = check_tables(tables)
        self.path = Path(path)
        self.max_map_size = max(max_map_size, map_size)
        self._writer = threading.Lock()
        self._gate = threading.Condition()
        self._readers: Counter[int] = Counter()  # thread id -> open read transactions
        self._growing = False
        self._closed = False
        self.env: Any = None
        try:
            self.path.mkdir(mode=0o700, parents=True, exist_ok=True)
            self.env = lmdb.open(
                str(self.path),
                map_size=map_size,
                max_dbs=len(self.tables) + 1,
                subdir=True,
                mode=0o600,
                sync=sync,
                metasync=sync,
                readahead=False,
                lock=True,
            )
            self.dbs = {t: self.env.open_db(t.encode()) for t in self.tables}
        except (OSError, lmdb.Error) as exc:
            if self.env is not None:
                self.env.close()
            raise StorageError(f"cannot open the LMDB store at {self.path}: {exc}") from exc

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
        me = threading.get_ident()
        with self._gate:
            if self._growing and me not in self._readers:
                self._gate.wait_for(lambda: not self._growing or me in self._readers)
            self._readers[me] += 1
        try:
            txn = self._begin(write=False)
            try:
                yield _LmdbRead(self, txn)
            finally:
                txn.abort()  # a no-op on a transaction a growth or close() already ended
        finally:
            with self._gate:
                left = self._readers[me] - 1
                if left:
                    self._readers[me] = left
                else:
                    del self._readers[me]  # growth waits until no other thread is listed
                if self._growing:  # only a growth waits on the gate for readers to leave
                    self._gate.notify_all()

    @contextmanager
    def write(self) -> Iterator[_LmdbWrite]:
        """A write transaction; commits when the block ends normally."""
        self.ensure_open()
        with self._writer:
            writer = _LmdbWrite(self, self._begin(write=True))
            try:
                yield writer
                writer.commit()
            except BaseException:
                writer._txn.abort()  # harmless on a transaction that already ended
                raise

    def _begin(self, *, write: bool) -> Any:
        try:
            return self.env.begin(write=write, buffers=False)
        except lmdb.MapResizedError:  # another process grew the map: adopt its size
            self._set_mapsize(0)
            return self._begin(write=write)
        except lmdb.Error as exc:
            raise self.translate(exc) from exc

    def replay(self, ops: list[_Op]) -> Any:
        """Grow the map and redo ``ops`` in a new write transaction, as often as needed."""
        while True:
            self._grow()
            txn = self._begin(write=True)
            try:
                for op in ops:
                    op(txn)
            except lmdb.Error as exc:
                txn.abort()
                if not isinstance(exc, lmdb.MapFullError):
                    raise self.translate(exc) from exc
            else:
                return txn

    def _grow(self) -> None:
        current = self.env.info()["map_size"]
        if current >= self.max_map_size:
            used = self.stats().used_bytes
            raise StorageFullError(
                f"the store at {self.path} is full: {used} bytes used, the write does not fit in "
                f"the maximum map size of {self.max_map_size} bytes and was rolled back"
            )
        self._set_mapsize(min(current * 2, self.max_map_size))

    def _set_mapsize(self, size: int) -> None:
        """Replace the map once no other thread has a read transaction open."""
        me = threading.get_ident()
        with self._gate:
            self._growing = True
            try:
                alone = self._gate.wait_for(
                    lambda: self._readers.keys() <= {me}, timeout=GROWTH_WAIT_SECONDS
                )
                if not alone:
                    raise StorageError(f"cannot grow the map of {self.path}: readers stayed open")
                self.env.set_mapsize(size)
            finally:
                self._growing = False
                self._gate.notify_all()

    def translate(self, exc: lmdb.Error) -> StorageError:
        """The StorageError for an LMDB error."""
        if self._closed:
            return StorageClosedError(f"the store at {self.path} is closed")
        full = isinstance(exc, lmdb.DiskError) or "No space left" in str(exc)
        if full or getattr(exc, "code", 0) == errno.ENOSPC:
            return StorageFullError(f"disk full writing {self.path}; the write was rolled back")
        if "closed/deleted/dropped" in str(exc):  # only a map growth ends a txn early
            return StorageError(f"this transaction on {self.path} ended when the map grew")
        return StorageError(f"LMDB error in {self.path}: {exc}")

    def stats(self) -> StoreStats:
        """Bytes in use (pages up to the last used one) and map sizes."""
        self.ensure_open()
        info, page = self.env.info(), self.env.stat()["psize"]
        return StoreStats((info["last_pgno"] + 1) * page, info["map_size"], self.max_map_size)

    def close(self) -> None:
        """Close the environment; later calls raise StorageClosedError."""
        if not self._closed:
            self._closed = True
            self.env.close()
