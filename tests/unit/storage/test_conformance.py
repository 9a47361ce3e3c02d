"""The storage Protocol's contract, checked on the memory and LMDB backends alike."""

from __future__ import annotations

import threading

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
    with store.read() as snap:
        assert snap.get("a", b"keep") == b"1"
        assert snap.get("b", b"new") is None
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


def test_unknown_table_is_refused_everywhere(store: Store) -> None:
    with store.read() as txn:
        with pytest.raises(ValueError, match="unknown table 'nope'"):
            txn.get("nope", b"k")
        with pytest.raises(ValueError, match="unknown table 'nope'"):
            txn.scan("nope")
    with store.write() as txn:
        with pytest.raises(ValueError, match="unknown table"):
            txn.delete("nope", b"k")
        with pytest.raises(TypeError):
            txn.get("a", bytearray(b"k"))  # type: ignore[arg-type]


def test_longest_key_is_accepted(store: Store) -> None:
    key = b"k" * MAX_KEY_SIZE
    with store.write() as txn:
        txn.put("a", key, b"v")
    with store.read() as txn:
        assert txn.get("a", key) == b"v"


def test_scan_bounds_edge_cases(store: Store) -> None:
    with store.write() as txn:
        for key in (b"a", b"ab", b"b", b"\xff"):
            txn.put("a", key, key)
        assert list(txn.scan("a", b"b", b"a")) == []  # end before start
        assert list(txn.scan("a", b"b", b"b", reverse=True)) == []
        assert [k for k, _ in txn.scan("a", b"a", b"b", reverse=True)] == [b"ab", b"a"]
    with store.read() as txn:
        assert [k for k, _ in txn.scan("a", b"ab")] == [b"ab", b"b", b"\xff"]
        assert [k for k, _ in txn.scan("a", end=b"ab")] == [b"a"]
        assert [k for k, _ in txn.scan("a", end=b"ab", reverse=True)] == [b"a"]
        assert [k for k, _ in txn.scan("a", b"b", reverse=True)] == [b"\xff", b"b"]
        assert list(txn.scan("a", end=b"a", reverse=True)) == []
        assert list(txn.scan("b", reverse=True)) == []


def test_deleting_while_scanning_in_a_write(store: Store) -> None:
    with store.write() as txn:
        for i in range(10):
            txn.put("a", bytes([i]), b"v")
    with store.write() as txn:
        for key, _ in txn.scan("a"):
            if key[0] % 2:
                txn.delete("a", key)
    with store.read() as txn:
        assert [k[0] for k, _ in txn.scan("a")] == [0, 2, 4, 6, 8]


def test_snapshot_in_another_thread_sees_only_commits(store: Store) -> None:
    with store.write() as txn:
        txn.put("a", b"k", b"old")
    seen: list[bytes | None] = []
    with store.write() as txn:
        txn.put("a", b"k", b"new")
        txn.put("a", b"k2", b"new")

        def look() -> None:
            with store.read() as snap:
                seen.extend([snap.get("a", b"k"), snap.get("a", b"k2")])

        reader = threading.Thread(target=look)
        reader.start()
        reader.join(5)
    assert seen == [b"old", None]


def test_transactions_after_close_are_refused(store: Store) -> None:
    with store.write() as txn:
        txn.put("a", b"k", b"v")
    with store.read() as txn:
        store.close()
        with pytest.raises(StorageClosedError):
            txn.get("a", b"k")
        with pytest.raises(StorageClosedError):
            txn.scan("a")


def test_closing_inside_a_write_commits_nothing(store: Store) -> None:
    with pytest.raises(StorageClosedError), store.write() as txn:
        txn.put("a", b"k", b"v")
        store.close()


@settings(
    max_examples=50, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    batch=ops,
    bounds=st.tuples(st.binary(max_size=2), st.none() | st.binary(min_size=1, max_size=2)),
    reverse=st.booleans(),
)
def test_ranged_scans_in_a_write_match_a_model(
    store: Store,
    batch: list[tuple[str, str, bytes, bytes]],
    bounds: tuple[bytes, bytes | None],
    reverse: bool,
) -> None:
    start, end = bounds
    with store.write() as txn:
        model = dict(txn.scan("a"))
        for op, _, key, value in batch:
            if op == "put":
                txn.put("a", key, value)
                model[key] = value
            else:
                txn.delete("a", key)
                model.pop(key, None)
        wanted = sorted(
            (k for k in model if start <= k and (end is None or k < end)), reverse=reverse
        )
        assert list(txn.scan("a", start, end, reverse=reverse)) == [(k, model[k]) for k in wanted]
    with store.read() as txn:
        assert list(txn.scan("a", start, end, reverse=reverse)) == [(k, model[k]) for k in wanted]


def test_put_many_is_the_same_as_puts(store: Store) -> None:
    """Issue 21: a block's state nodes go in with one call; what is stored does not change."""
    items = [(bytes([i, i % 7]), bytes([i]) * (i % 5)) for i in range(0, 250, 3)]
    with store.write() as txn:
        txn.put("a", items[0][0], b"old")  # overwritten
        txn.put_many("a", items)
        txn.put_many("b", [])
        assert txn.get("a", items[0][0]) == items[0][1]
        assert list(txn.scan("a")) == items
    with store.read() as txn:
        assert list(txn.scan("a")) == items
        assert list(txn.scan("b")) == []


def test_delete_many_is_the_same_as_deletes(store: Store) -> None:
    """Issue 21: pruning drops a block's stale nodes with one call; absent keys are no error."""
    kept = [(bytes([i, 1]), bytes([i])) for i in range(0, 200, 2)]
    dropped = [(bytes([i, 0]), b"old") for i in range(0, 200, 5)]
    with store.write() as txn:
        txn.put_many("a", sorted(kept + dropped))
    keys = [key for key, _ in reversed(dropped)] + [b"absent"]  # any order
    with store.write() as txn:
        txn.delete_many("a", keys)
        txn.delete_many("b", [])
        assert list(txn.scan("a")) == kept
    with store.read() as txn:
        assert list(txn.scan("a")) == kept


@pytest.mark.parametrize(
    ("keys", "error"),
    [
        ([b"a", b""], ValueError),  # an empty key
        ([b"a", b"k" * (MAX_KEY_SIZE + 1)], ValueError),
        ([b"a", "text"], TypeError),
    ],
)
def test_delete_many_refuses_bad_keys_and_deletes_none(
    store: Store, keys: list[bytes], error: type[Exception]
) -> None:
    with store.write() as txn:
        txn.put("a", b"a", b"1")
    with store.write() as txn:
        with pytest.raises(error):
            txn.delete_many("a", keys)
        assert txn.get("a", b"a") == b"1"


@pytest.mark.parametrize(
    ("items", "error"),
    [
        ([(b"k" * (MAX_KEY_SIZE + 1), b"1")], ValueError),  # a key too long
        ([(b"b", b"1"), (b"a", b"2")], ValueError),  # not sorted
        ([(b"a", b"1"), (b"a", b"2")], ValueError),  # a key twice
        ([(b"", b"1")], ValueError),  # an empty key
        ([(b"a", "text")], TypeError),
        ([(b"a", b"1"), (b"b", b"2"), (b"c", None)], TypeError),  # the last one is bad
    ],
)
def test_put_many_refuses_bad_items_and_writes_none_of_them(
    store: Store, items: list[tuple[bytes, bytes]], error: type[Exception]
) -> None:
    with store.write() as txn:
        with pytest.raises(error):
            txn.put_many("a", items)
        assert list(txn.scan("a")) == []
