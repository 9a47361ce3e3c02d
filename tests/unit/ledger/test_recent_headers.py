"""A header is read without decoding its block's txs, and remembered by height and block hash."""

from __future__ import annotations

import pytest

from govchain.codec import encode
from govchain.ledger import records
from govchain.ledger.chainstore import TABLES, ChainStore
from govchain.ledger.recent_headers import RecentHeaders
from govchain.storage import MemoryStore
from govchain.types.errors import LedgerError, ValidationError

from ...chain_support import ChainMaker


def test_a_header_read_alone_is_the_blocks_header(maker: ChainMaker) -> None:
    chain = ChainStore.create(MemoryStore(TABLES), maker.genesis)
    maker.grow(chain, 4, 3)
    assert len(chain.recent_headers) == 4  # each committed block's header, as it was committed
    chain.recent_headers = RecentHeaders()  # as a node that reopens its chain has it
    with chain.view() as view:
        first = [view.header(height) for height in range(1, 5)]
        assert first == [view.block(height).header for height in range(1, 5)]
        assert view.last_time == view.block(4).header.time
        # the second read is the remembered header itself
        assert all(view.header(h) is first[h - 1] for h in range(1, 5))
        with pytest.raises(LedgerError, match="latest is 4"):
            view.header(5)
    assert len(chain.recent_headers) == 4


def test_a_view_reads_only_the_headers_of_its_snapshot(maker: ChainMaker) -> None:
    chain = ChainStore.create(MemoryStore(TABLES), maker.genesis)
    maker.grow(chain, 2, 1)
    with chain.view() as older:
        maker.grow(chain, 1, 1)
        with chain.view() as newer:
            assert newer.header(3).height == 3  # remembered since its commit
        with pytest.raises(LedgerError):
            older.header(3)  # not in this snapshot, remembered or not


def test_a_header_is_remembered_for_one_block_hash_only() -> None:
    cache = RecentHeaders(max_entries=2)
    maker = ChainMaker.make("intl")
    chain = ChainStore.create(MemoryStore(TABLES), maker.genesis)
    maker.grow(chain, 3, 1)
    with chain.view() as view:
        headers = [view.block(h).header for h in (1, 2, 3)]
    cache.put(1, b"a" * 32, headers[0])
    assert cache.get(1, b"a" * 32) is headers[0]
    assert cache.get(1, b"b" * 32) is None  # another block at that height is not answered
    cache.put(2, b"a" * 32, headers[1])
    cache.put(3, b"a" * 32, headers[2])
    assert len(cache) == 2
    assert cache.get(1, b"a" * 32) is None  # the oldest went first
    with pytest.raises(ValueError, match="at least 1"):
        RecentHeaders(max_entries=0)


def test_decoding_a_header_alone_stays_strict(maker: ChainMaker) -> None:
    chain = ChainStore.create(MemoryStore(TABLES), maker.genesis)
    maker.grow(chain, 1, 2)
    with chain.view() as view:
        block = view.block(1)
    raw = records.encode_block(block)
    assert records.decode_block_header(raw) == block.header
    obj = block.to_cbor()
    for bad in (
        b"\xff",  # not CBOR
        encode([1, 2]),  # not a map
        encode({k: v for k, v in obj.items() if k != "txs"}),  # a key missing
        encode({**obj, "extra": 1}),  # a key too many
        encode({**obj, "header": {**obj["header"], "height": "1"}}),  # a field of the wrong type
    ):
        with pytest.raises(ValidationError):
            records.decode_block_header(bad)
