"""LMDB map growth, and a full store: the write is rolled back and what was committed stays."""

from __future__ import annotations

import re
import threading
from pathlib import Path

import pytest

from govchain.storage import LmdbStore, MemoryStore
from govchain.types.errors import StorageError, StorageFullError

KIB = 1024
MIB = 1024 * KIB
GROWTH_WAIT_S = 30.0  # a deadline for events that come at once when all is well


def _key(i: int) -> bytes:
    return i.to_bytes(4, "big")


def test_map_grows_within_and_across_transactions(tmp_path: Path) -> None:
    store = LmdbStore(tmp_path / "db", ("t",), map_size=256 * KIB, sync=False)
    with store.write() as txn:
        for i in range(3000):  # about 3 MiB in one transaction
            txn.put("t", _key(i), bytes([i % 251]) * 1000)
        assert txn.get("t", _key(0)) == bytes(1000)
    with store.write() as txn:
        for i in range(3000, 5000):
            txn.put("t", _key(i), bytes([i % 251]) * 1000)
    stats = store.stats()
    assert 256 * KIB < stats.map_size <= stats.max_map_size
    assert stats.used_bytes <= stats.map_size
    with store.read() as txn:
        assert sum(1 for _ in txn.scan("t")) == 5000
        assert txn.get("t", _key(4999)) == bytes([4999 % 251]) * 1000
    store.close()


def test_a_scan_in_the_write_survives_growth(tmp_path: Path) -> None:
    store = LmdbStore(tmp_path / "db", ("t", "u"), map_size=256 * KIB, sync=False)
    with store.write() as txn:
        for i in range(200):
            txn.put("t", _key(i), b"x")
    with store.write() as txn:
        for direction in (False, True):
            seen = []
            for key, _ in txn.scan("t", reverse=direction):
                seen.append(key)
                txn.put("u", key + bytes(4), bytes(2000))  # grows the map mid-scan
            assert seen == sorted(seen, reverse=direction)
            assert len(seen) == 200
    assert store.stats().map_size > 256 * KIB
    store.close()


def test_growth_waits_for_readers_in_other_threads(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = LmdbStore(tmp_path / "db", ("t",), map_size=256 * KIB, sync=False)
    with store.write() as txn:
        txn.put("t", b"k", b"old")
    opened, growing = threading.Event(), threading.Event()
    order: list[str] = []
    seen: list[object] = []
    set_mapsize = store._set_mapsize

    def observed_set_mapsize(size: int) -> None:
        order.append("growth asked")
        growing.set()  # the writer is about to wait for the reader below
        set_mapsize(size)
        order.append("map grown")

    monkeypatch.setattr(store, "_set_mapsize", observed_set_mapsize)

    def reader() -> None:
        with store.read() as snap:
            opened.set()
            if not growing.wait(GROWTH_WAIT_S):
                seen.append("the writer never grew the map")
                return
            try:
                seen.append(snap.get("t", b"k"))
                seen.append(sum(1 for _ in snap.scan("t")))
            except StorageError as exc:
                seen.append(exc)
            order.append("reader done")

    thread = threading.Thread(target=reader)
    thread.start()
    assert opened.wait(GROWTH_WAIT_S)
    with store.write() as txn:
        txn.put("t", b"k", b"new")
        for i in range(1000):
            txn.put("t", _key(i), bytes(1000))
    thread.join(GROWTH_WAIT_S)
    assert not thread.is_alive()
    assert seen == [b"old", 1]
    # the first growth waited for the open snapshot; the reader still read it whole
    assert order[:3] == ["growth asked", "reader done", "map grown"]
    with store.read() as snap:
        assert snap.get("t", b"k") == b"new"
    store.close()


def test_own_snapshot_across_growth_fails_cleanly(tmp_path: Path) -> None:
    store = LmdbStore(tmp_path / "db", ("t",), map_size=256 * KIB, sync=False)
    with store.read() as snap:
        with store.write() as txn:
            for i in range(1000):
                txn.put("t", _key(i), bytes(1000))
        with pytest.raises(StorageError, match="map grew"):
            snap.get("t", _key(0))
    with store.read() as snap:
        assert snap.get("t", _key(0)) == bytes(1000)
    store.close()


def test_full_map_rolls_back_and_keeps_committed_data(tmp_path: Path) -> None:
    path = tmp_path / "db"
    store = LmdbStore(path, ("t",), map_size=256 * KIB, max_map_size=1 * MIB)
    with store.write() as txn:
        for i in range(50):
            txn.put("t", _key(i), b"c" * 1000)
    committed = 50
    with pytest.raises(StorageFullError) as raised, store.write() as txn:
        for i in range(1000, 4000):
            txn.put("t", _key(i), bytes(1000))
    message = str(raised.value)
    assert str(path) in message
    assert f"maximum map size of {MIB} bytes" in message
    assert re.search(r"\d+ bytes used", message)
    with store.read() as txn:
        assert [k for k, _ in txn.scan("t")] == [_key(i) for i in range(committed)]
    with store.write() as txn:  # still usable for small writes
        txn.put("t", b"later", b"y")
    store.close()
    reopened = LmdbStore(path, ("t",), map_size=256 * KIB, max_map_size=1 * MIB)
    with reopened.read() as txn:
        entries = dict(txn.scan("t"))
    assert entries == {**{_key(i): b"c" * 1000 for i in range(committed)}, b"later": b"y"}
    reopened.close()


def test_a_failed_put_poisons_the_transaction(tmp_path: Path) -> None:
    store = LmdbStore(tmp_path / "db", ("t",), map_size=256 * KIB, max_map_size=512 * KIB)
    with pytest.raises(StorageError, match="rolled back"), store.write() as txn:
        txn.put("t", b"first", b"1")
        with pytest.raises(StorageFullError):
            for i in range(2000):
                txn.put("t", _key(i), bytes(1000))
        txn.put("t", b"after", b"2")  # the caller swallowed the error: refused
    with store.read() as txn:
        assert list(txn.scan("t")) == []
    store.close()


def test_memory_store_full_keeps_committed_data() -> None:
    store = MemoryStore(("t", "u"), max_bytes=100)
    with store.write() as txn:
        txn.put("t", b"k", b"x" * 50)
    with pytest.raises(StorageFullError, match="limit of 100"), store.write() as txn:
        txn.put("u", b"other", b"z")
        txn.put("t", b"j", b"y" * 60)
    with store.read() as txn:
        assert dict(txn.scan("t")) == {b"k": b"x" * 50}
        assert list(txn.scan("u")) == []
    with store.write() as txn:  # freeing space makes room again
        txn.delete("t", b"k")
        txn.put("t", b"j", b"y" * 60)
    assert store.stats().used_bytes == 61
    store.close()


def test_the_map_grows_under_put_many_and_every_item_is_kept(tmp_path: Path) -> None:
    """Issue 21: a ``putmulti`` that does not fit is replayed from the log in a grown map."""
    store = LmdbStore(tmp_path / "db", ("t",), map_size=256 * KIB, sync=False)
    items = [(_key(i), bytes([i % 251]) * 1000) for i in range(3000)]  # about 3 MiB
    with store.write() as txn:
        txn.put("t", _key(99_999), b"first")
        txn.put_many("t", items)
    assert store.stats().map_size > 256 * KIB
    with store.read() as txn:
        assert list(txn.scan("t", end=_key(3000))) == items
        assert txn.get("t", _key(99_999)) == b"first"
    store.close()


def test_deletes_many_and_puts_are_replayed_in_their_order_after_growth(tmp_path: Path) -> None:
    """Issue 21: a pruning's ``delete_many`` is logged as one write, and a growth later in
    the transaction redoes it between the writes around it, in order."""
    store = LmdbStore(tmp_path / "db", ("t",), map_size=256 * KIB, sync=False)
    with store.write() as txn:
        txn.put_many("t", [(_key(i), b"old") for i in range(100)])
    with store.write() as txn:
        txn.put("t", _key(5), b"put before, deleted")
        txn.delete_many("t", [_key(i) for i in range(0, 100, 5)])
        txn.put("t", _key(10), b"deleted, put after")
        txn.put_many("t", [(_key(1000 + i), bytes([i % 251]) * 1000) for i in range(3000)])
    assert store.stats().map_size > 256 * KIB
    with store.read() as txn:
        assert txn.get("t", _key(5)) is None
        assert txn.get("t", _key(10)) == b"deleted, put after"
        assert txn.get("t", _key(11)) == b"old"
        assert sum(1 for _ in txn.scan("t", end=_key(100))) == 100 - 20 + 1
        assert txn.get("t", _key(3999)) == bytes([2999 % 251]) * 1000
    store.close()
