"""The state reader over one snapshot: a version's root is read from storage once (issue 21)."""

from __future__ import annotations

from typing import Any

from govchain.ledger.chainstore import TABLES, ChainStore, StateReader
from govchain.ledger.statetree import get_value
from govchain.storage import MemoryStore

from ...chain_support import ChainMaker


class _CountingTxn:
    """A read transaction that counts the root records read through it."""

    def __init__(self, txn: Any) -> None:
        self._txn = txn
        self.root_reads = 0

    def get(self, table: str, key: bytes) -> bytes | None:
        if table == "state_roots":
            self.root_reads += 1
        return self._txn.get(table, key)  # type: ignore[no-any-return]


def test_a_readers_values_come_from_one_read_of_the_root(maker: ChainMaker) -> None:
    chain = ChainStore.create(MemoryStore(TABLES), maker.genesis)
    maker.grow(chain, 3, 4)
    keys = [f"kv/k{n}".encode() for n in range(11)]
    with chain.view() as view:
        counting = _CountingTxn(view.txn)
        reader = StateReader(counting, view.verified_nodes)  # type: ignore[arg-type]
        hash_name = view.suite.hash_name
        values = [get_value(reader, hash_name, view.height, key) for key in keys]
        assert values == [get_value(view.state, hash_name, view.height, key) for key in keys]
        assert any(value is not None for value in values)
        assert counting.root_reads == 1
        # an older version's root is its own read; a version never written is read each time
        older = [get_value(reader, hash_name, view.height - 1, key) for key in keys]
        assert older == [get_value(view.state, hash_name, view.height - 1, key) for key in keys]
        assert counting.root_reads == 2
        assert reader.get_root(view.height + 1) is None
        assert reader.get_root(view.height + 1) is None
        assert counting.root_reads == 4
