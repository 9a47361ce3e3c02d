"""The storage Protocol's contract, checked on the memory and LMDB backends alike."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from govchain.storage import MAX_KEY_SIZE, Store
from govchain.types.errors import StorageClosedError


def test_put_get_delete(store: Store) -> None:
    with store.write() as txn:
        txn.put("a", b"k", b"v1")
        txn.put("a", b"k", b"v2")
        txn.put("b", b"k", b"other table")
        assert txn.get("a", b"k") == b"v2"
    with store.read() as txn:
        assert txn.get("a", b"k") == b"v2"
        assert txn.get("b", b"k") == b"other table"
        assert txn.get("a", b"missing") is None
    with store.write() as txn:
        assert txn.delete("a", b"k") is True
        assert txn.delete("a", b"k") is False
        assert txn.get("a", b"k") is None
    with store.read() as txn:
        assert txn.get("a", b"k") is None
        assert txn.get("b", b"k") == b"other table"


def test_empty_values_are_values(store: Store) -> None:
    with store.write() as txn:
        txn.put("a", b"k", b"")
    with store.read() as txn:
        assert txn.get("a", b"k") == b""


def test_scan_ranges_and_order(store: Store) -> None:
    keys = [bytes([i]) for i in (1, 3, 5, 7, 9)]
    with store.write() as txn:
        for key in reversed(keys):
            txn.put("a", key, key * 2)
    with store.read() as txn:
        assert [k for k, _ in txn.scan("a")] == keys
        assert [k for k, _ in txn.scan("a", b"\x03", b"\x07")] == [b"\x03", b"\x05"]
        assert [k for k, _ in txn.scan("a", b"\x04")] == [b"\x05", b"\x07", b"\x09"]
        assert list(txn.scan("a", b"\x04", b"\x05")) == []
        assert list(txn.scan("a", b"\x0a")) == []
        assert [k for k, _ in txn.scan("a", reverse=True)] == keys[::-1]
        assert [k for k, _ in txn.scan("a", b"\x02", b"\x07", reverse=True)] == [b"\x05", b"\x03"]
        assert [k for k, _ in txn.scan("a", b"\x03", b"\x0a", reverse=True)] == keys[:0:-1]
        assert [v for _, v in txn.scan("a", b"\x09")] == [b"\x09\x09"]
        assert list(txn.scan("b")) == []


def test_write_sees_its_own_writes_in_scans(store: Store) -> None:
    with store.write() as txn:
        txn.put("a", b"\x01", b"x")
        txn.put("a", b"\x02", b"y")
    with store.write() as txn:
        txn.delete("a", b"\x01")
        txn.put("a", b"\x03", b"z")
        assert [k for k, _ in txn.scan("a")] == [b"\x02", b"\x03"]


def test_snapshot_isolation(store: Store) -> None:
    with store.write() as txn:
        txn.put("a", b"k", b"old")
    with store.read() as snapshot:
        with store.write() as txn:
            txn.put("a", b"k", b"new")
        assert snapshot.get("a", b"k") == b"old"
    with store.read() as txn:
        assert txn.get("a", b"k") == b"new"


def test_rollback_on_exception(store: Store) -> None:
    with store.write() as txn:
        txn.put("a", b"keep", b"1")

    class BoomError(Exception):
        pass

    with pytest.raises(BoomError), store.write() as txn:
        txn.put("a", b"keep", b"changed")
        txn.put("b", b"new", b"2")
        raise BoomError
    with store.read() as txn:
        assert txn.get("a", b"keep") == b"1"
        assert txn.get("b", b"new") is None
    with store.write() as txn:  # the writer lock was released
        txn.put("b", b"after", b"3")


@pytest.mark.parametrize(
    ("table", "key", "value", "error"),
    [
        ("nope", b"k", b"v", ValueError),
        ("a", b"", b"v", ValueError),
        ("a", b"x" * (MAX_KEY_SIZE + 1), b"v", ValueError),
        ("a", "text", b"v", TypeError),
        ("a", b"k", "text", TypeError),
    ],
)
def test_bad_arguments_are_refused(
    store: Store, table: str, key: object, value: object, error: type[Exception]
) -> None:
    with pytest.raises(error), store.write() as txn:
        txn.put(table, key, value)  # type: ignore[arg-type]
    with store.read() as txn:
        assert list(txn.scan("a")) == []


def test_closed_store_refuses_use(store: Store) -> None:
    store.close()
    store.close()
    with pytest.raises(StorageClosedError), store.read():
        pass
    with pytest.raises(StorageClosedError), store.write():
        pass
    with pytest.raises(StorageClosedError):
        store.stats()


ops = st.lists(
    st.tuples(
        st.sampled_from(["put", "delete"]),
        st.sampled_from(["a", "b"]),
        st.binary(min_size=1, max_size=3),
        st.binary(max_size=4),
    ),
    max_size=30,
)


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(batches=st.lists(st.tuples(ops, st.booleans()), max_size=5))
def test_matches_a_dict_model(
    store: Store, batches: list[tuple[list[tuple[str, str, bytes, bytes]], bool]]
) -> None:
    with store.write() as txn:
        for table in ("a", "b"):
            for key, _ in list(txn.scan(table)):
                txn.delete(table, key)
    model: dict[str, dict[bytes, bytes]] = {"a": {}, "b": {}}
    for batch, fail in batches:
        pending = {t: dict(m) for t, m in model.items()}
        try:
            with store.write() as txn:
                for op, table, key, value in batch:
                    if op == "put":
                        txn.put(table, key, value)
                        pending[table][key] = value
                    else:
                        assert txn.delete(table, key) == (key in pending[table])
                        pending[table].pop(key, None)
                if fail:
                    raise KeyboardInterrupt
        except KeyboardInterrupt:
            pending = model
        model = pending
        with store.read() as txn:
            for table in ("a", "b"):
                assert dict(txn.scan(table)) == model[table]
                assert [k for k, _ in txn.scan(table, reverse=True)] == sorted(
                    model[table], reverse=True
                )
