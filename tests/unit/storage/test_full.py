"""Map growth and a full store: the write is rolled back, and what was committed stays whole."""

from __future__ import annotations

from pathlib import Path

import pytest

from govchain.storage import LmdbStore, MemoryStore
from govchain.types.errors import StorageFullError

KIB = 1024


def test_lmdb_map_grows_within_and_across_transactions(tmp_path: Path) -> None:
    store = LmdbStore(tmp_path / "db", ("t",), map_size=256 * KIB, max_map_size=64 * 1024 * KIB)
    with store.write() as txn:
        for i in range(3000):
            txn.put("t", i.to_bytes(4, "big"), bytes(1000))
    with store.write() as txn:
        for i in range(3000, 4000):
            txn.put("t", i.to_bytes(4, "big"), bytes(1000))
    assert store.stats().map_size > 256 * KIB
    with store.read() as txn:
        assert sum(1 for _ in txn.scan("t")) == 4000
    store.close()


def test_lmdb_full_map_rolls_back_and_keeps_committed_data(tmp_path: Path) -> None:
    path = tmp_path / "db"
    store = LmdbStore(path, ("t",), map_size=256 * KIB, max_map_size=1024 * KIB)
    with store.write() as txn:
        txn.put("t", b"committed", b"x" * 1000)
    with pytest.raises(StorageFullError, match="full"), store.write() as txn:
        for i in range(2000):
            txn.put("t", i.to_bytes(4, "big"), bytes(1000))
    with store.write() as txn:  # still usable for small writes
        txn.put("t", b"later", b"y")
    store.close()
    reopened = LmdbStore(path, ("t",), map_size=256 * KIB, max_map_size=1024 * KIB)
    with reopened.read() as txn:
        assert dict(txn.scan("t")) == {b"committed": b"x" * 1000, b"later": b"y"}
    reopened.close()


def test_memory_store_full() -> None:
    store = MemoryStore(("t",), max_bytes=100)
    with store.write() as txn:
        txn.put("t", b"k", b"x" * 50)
    with pytest.raises(StorageFullError), store.write() as txn:
        txn.put("t", b"j", b"y" * 60)
    with store.read() as txn:
        assert dict(txn.scan("t")) == {b"k": b"x" * 50}


def test_lmdb_persists_across_reopen(tmp_path: Path) -> None:
    store = LmdbStore(tmp_path / "db", ("t", "u"))
    with store.write() as txn:
        txn.put("u", b"k", b"v")
    store.close()
    again = LmdbStore(tmp_path / "db", ("t", "u"))
    with again.read() as txn:
        assert txn.get("u", b"k") == b"v"
    again.close()
