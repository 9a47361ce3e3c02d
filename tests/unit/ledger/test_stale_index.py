"""The stale index: one row per state version, read back by pruning (spec: ledger.md; issue 21)."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from govchain.execution import TxContext
from govchain.ledger.chainstore import (
    ChainStore,
    height_key,
    pack_node_keys,
    unpack_node_keys,
)
from govchain.ledger.verify import verify_chain
from govchain.storage import Store
from govchain.types import Tx
from govchain.types.errors import LedgerCorruptError

from ...chain_support import ChainMaker


def _rows(chain: ChainStore, table: str) -> list[tuple[bytes, bytes]]:
    with chain.store.read() as txn:
        return list(txn.scan(table))


def _node_keys(chain: ChainStore) -> set[bytes]:
    return {key for key, _ in _rows(chain, "state_nodes")}


def test_packed_keys_come_back_sorted_and_each_once() -> None:
    keys = [b"\x00" * 8 + b"\x00\x03" + b"\xe0", b"\x00" * 7 + b"\x05\x00\x00", b"\x01" * 42]
    raw = pack_node_keys([*keys, keys[0]])
    assert unpack_node_keys(raw, 7) == sorted(keys)
    assert len(raw) == sum(1 + len(key) for key in keys)
    assert unpack_node_keys(b"", 7) == []


@pytest.mark.parametrize(
    ("raw", "at"),
    [
        (bytes([9]) + b"\x00" * 9, 0),  # shorter than any node key
        (bytes([43]) + b"\x00" * 43, 0),  # longer than any node key
        (bytes([10]) + b"\x00" * 10 + bytes([12]) + b"\x00" * 11, 11),  # cut short
    ],
)
def test_a_row_that_does_not_split_into_node_keys_is_a_corrupt_store(raw: bytes, at: int) -> None:
    with pytest.raises(LedgerCorruptError, match=f"state version 41 is malformed at byte {at}$"):
        unpack_node_keys(raw, 41)


def test_each_version_has_one_row_naming_the_nodes_it_made_stale(
    store: Store, maker: ChainMaker
) -> None:
    chain = ChainStore.create(store, maker.genesis)
    maker.grow(chain, 6, 3)
    rows = _rows(chain, "state_stale")
    # a version that made nothing stale has no row: here only the first (the state was empty)
    assert [key for key, _ in rows] == [height_key(v) for v in range(2, 7)]
    stored = _node_keys(chain)
    stale = [unpack_node_keys(value, int.from_bytes(key, "big")) for key, value in rows]
    assert all(keys == sorted(set(keys)) for keys in stale)
    # nothing is pruned yet: every node a version made stale is still stored, and no node
    # goes stale twice
    flat = [key for keys in stale for key in keys]
    assert len(flat) == len(set(flat)) > 0
    assert set(flat) <= stored


def test_pruning_deletes_what_the_dropped_versions_made_stale_and_their_rows(
    store: Store, maker: ChainMaker
) -> None:
    chain = ChainStore.create(store, maker.genesis, state_window=3)
    maker.grow(chain, 9, 3)
    # at height 9, window 3: versions 7..9 are kept, so rows of versions 8 and 9 remain
    assert [key for key, _ in _rows(chain, "state_stale")] == [height_key(8), height_key(9)]
    report = verify_chain(chain)  # no stored node is unreachable, every kept one re-hashes
    assert report.ok, report.error
    assert report.state_versions_checked == 3


def test_pruning_reads_the_rows_of_the_older_layout_too(store: Store, maker: ChainMaker) -> None:
    """Stores written before the packed row hold one row per node; no migration is needed."""
    chain = ChainStore.create(store, maker.genesis)
    maker.grow(chain, 5, 3)
    with chain.store.write() as txn:
        for key, value in list(txn.scan("state_stale")):
            txn.delete("state_stale", key)
            for node_key in unpack_node_keys(value, int.from_bytes(key, "big")):
                txn.put("state_stale", key + node_key, b"")
    old_rows = _rows(chain, "state_stale")
    assert old_rows
    assert all(len(key) > 8 for key, _ in old_rows)
    pruned = ChainStore(chain.store, state_window=2)
    maker.grow(pruned, 3, 3)  # height 8: versions <= 6 dropped, nodes stale at <= 7 deleted
    left = _rows(pruned, "state_stale")
    assert [key for key, _ in left] == [height_key(8)]
    assert not {key[8:] for key, _ in old_rows} & _node_keys(pruned)
    report = verify_chain(pruned)
    assert report.ok, report.error


def test_a_corrupt_row_stops_the_commit_and_leaves_the_chain_as_it_was(
    store: Store, maker: ChainMaker
) -> None:
    chain = ChainStore.create(store, maker.genesis, state_window=2)
    maker.grow(chain, 2, 3)
    with chain.store.write() as txn:
        txn.put("state_stale", height_key(1), b"\x30garbage")
    nodes = _node_keys(chain)
    with pytest.raises(LedgerCorruptError, match="state version 1 is malformed at byte 0"):
        maker.grow(chain, 1, 3)
    assert chain.height == 2
    assert _node_keys(chain) == nodes


def _latest_node(chain: ChainStore) -> bytes:
    """A node key of the latest version's tree: one the latest block wrote."""
    prefix = height_key(chain.height)
    return next(key for key, _ in _rows(chain, "state_nodes") if key.startswith(prefix))


@pytest.mark.parametrize(
    ("row", "finding"),
    [
        (lambda _chain: b"\x30garbage", "state version 2 is malformed at byte 0"),
        (lambda chain: pack_node_keys([_latest_node(chain)]), "not older"),
        (lambda _chain: pack_node_keys([height_key(1) + b"\x00\x05\xf8"]), "not stored"),
    ],
)
def test_ledger_verify_reads_the_stale_index(
    store: Store, maker: ChainMaker, row: Callable[[ChainStore], bytes], finding: str
) -> None:
    chain = ChainStore.create(store, maker.genesis)
    maker.grow(chain, 3, 3)
    assert verify_chain(chain).ok
    with chain.store.write() as txn:
        txn.put("state_stale", height_key(2), row(chain))
    report = verify_chain(chain)
    assert not report.ok
    assert report.error_height == 2
    assert finding in (report.error or "")


def test_ledger_verify_finds_a_stale_row_naming_a_node_of_the_latest_version(
    store: Store, maker: ChainMaker
) -> None:
    """A row that would make pruning delete a live node is found before any pruning runs."""
    chain = ChainStore.create(store, maker.genesis)
    maker.grow(chain, 4, 3)
    went_stale = {
        node
        for key, value in _rows(chain, "state_stale")
        for node in unpack_node_keys(value, int.from_bytes(key, "big"))
    }
    # nothing is pruned yet: a stored node that never went stale is in the latest version
    live = sorted(
        key
        for key in _node_keys(chain) - went_stale
        if int.from_bytes(key[:8], "big") < chain.height
    )
    assert live
    with chain.store.write() as txn:
        txn.put("state_stale", height_key(chain.height), pack_node_keys(live[:1]))
    report = verify_chain(chain)
    assert not report.ok
    assert report.error_height == chain.height
    assert "still in the latest version" in (report.error or "")


def test_ledger_verify_passes_a_chain_whose_latest_state_is_empty(store: Store) -> None:
    """Every key deleted: the latest tree has no node, and every earlier node went stale."""
    maker = ChainMaker.make("gm")

    def kv_delete(ctx: TxContext, tx: Tx) -> None:
        ctx.delete(b"kv/" + tx.args["key"])

    maker.registry.register("kv.delete", kv_delete)
    chain = ChainStore.create(store, maker.genesis)
    signer = maker.keys[0]
    last = maker.extend(chain, [maker.tx(signer, key=k, value=b"v") for k in (b"a", b"b")], None)
    last = maker.extend(chain, [maker.tx(signer, key=b"c", value=b"v")], last)
    deletes = [maker.tx(signer, "kv.delete", key=k) for k in (b"a", b"b", b"c")]
    maker.extend(chain, deletes, last)
    with chain.view() as view:
        assert view.state.get_root(3).node is None
    report = verify_chain(chain)
    assert report.ok, report.error
