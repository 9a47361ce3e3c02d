"""Blocks through apply_block into the chain store, and every proof a client checks (F-A4, F-A7)."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from govchain.execution import apply_block, propose_block
from govchain.ledger import records
from govchain.ledger.chainstore import TABLES, ChainStore
from govchain.ledger.merkle import hasher_for, inclusion_proof, verify_consistency, verify_inclusion
from govchain.ledger.statetree import prove, verify_state_proof
from govchain.storage import LmdbStore, MemoryStore, Store
from govchain.types.block import HEADER_FIELDS
from govchain.types.errors import InvalidBlock, LedgerError

from ...chain_support import ChainMaker


@pytest.fixture(scope="module", params=["intl", "gm"])
def maker(request: pytest.FixtureRequest) -> ChainMaker:
    return ChainMaker.make(request.param)


def test_chain_grows_and_every_commitment_proves(store: Store, maker: ChainMaker) -> None:
    chain = ChainStore.create(store, maker.genesis)
    maker.grow(chain, 5)
    hasher = hasher_for(maker.suite.hash_name)
    with chain.view() as view:
        assert view.height == 5
        latest = view.header(5)
        for height in range(1, 6):
            block = view.block(height)
            assert records.header_hash(maker.suite, block.header) == view.block_hash(height)
            # tx inclusion against the header's tx_root
            leaves = [hasher.hash_leaf(records.encode_tx(tx)) for tx in block.txs]
            for index, tx in enumerate(block.txs):
                verify_inclusion(
                    hasher,
                    index,
                    len(leaves),
                    leaves[index],
                    inclusion_proof(hasher, leaves, index),
                    block.header.tx_root,
                )
                assert view.tx_location(records.tx_hash(maker.suite, tx)) == (height, index)
            # receipts against receipts_root
            receipts = view.receipts(height)
            assert records.receipts_root(maker.suite, receipts) == block.header.receipts_root
            assert all(r.ok for r in receipts)
            # an old block proves against the newest header's history root
            if height < 5:
                proof = view.history().inclusion_proof(height - 1, 4)
                verify_inclusion(
                    hasher,
                    height - 1,
                    4,
                    hasher.hash_leaf(view.block_hash(height)),
                    proof,
                    latest.history_root,
                )
        # two checkpoints are consistent
        old = view.header(3).history_root
        verify_consistency(
            hasher, 2, 4, view.history().consistency_proof(2, 4), old, latest.history_root
        )
        # state: present and absent keys prove against the header's state_root
        for key in (b"kv/k0", b"kv/k1", b"kv/none"):
            proof = prove(view.state, maker.suite.hash_name, 5, key)
            value = verify_state_proof(maker.suite.hash_name, latest.state_root, proof)
            assert (value is None) == (key == b"kv/none")


def test_failed_and_unknown_txs_get_failure_receipts(store: Store, maker: ChainMaker) -> None:
    chain = ChainStore.create(store, maker.genesis)
    key = maker.keys[0]
    txs = [
        maker.tx(key, key=b"deny", value=b"x"),
        maker.tx(key, "other.type"),
        maker.tx(key, key=b"ok", value=b"1"),
    ]
    maker.extend(chain, txs, None)
    with chain.view() as view:
        statuses = [r.status for r in view.receipts(1)]
        assert statuses == [1, 2, 0]
        assert view.receipts(1)[0].error == "this key is refused"
        proof = prove(view.state, maker.suite.hash_name, 1, b"kv/deny")
        assert verify_state_proof(maker.suite.hash_name, view.header(1).state_root, proof) is None


def _next_block(chain: ChainStore, maker: ChainMaker, txs: list[object] | None = None):  # type: ignore[no-untyped-def]
    with chain.view() as view:
        height = view.height
        last = None if height == 0 else view.commit(height)
        tx_list = txs if txs is not None else [maker.tx(maker.keys[1], key=b"a", value=b"b")]
        return propose_block(
            view,
            tx_list,
            proposer=maker.validators.validators[1].address,
            last_commit=last,
            registry=maker.registry,
        )  # type: ignore[arg-type]


@pytest.mark.parametrize("field", HEADER_FIELDS)
def test_every_header_commitment_is_checked(maker: ChainMaker, field: str) -> None:
    chain = ChainStore.create(MemoryStore(TABLES), maker.genesis)
    maker.grow(chain, 2, 1)
    block = _next_block(chain, maker)
    value = getattr(block.header, field)
    if isinstance(value, int):
        forged = value + 1
    elif isinstance(value, str):
        forged = "other-chain"
    else:
        forged = bytes([value[0] ^ 1]) + value[1:]
    bad = dataclasses.replace(block, header=dataclasses.replace(block.header, **{field: forged}))
    with chain.view() as view:
        apply_block(view, block, maker.registry)
        with pytest.raises(InvalidBlock):
            apply_block(view, bad, maker.registry)


def test_commit_needs_two_thirds_of_the_power(maker: ChainMaker) -> None:
    chain = ChainStore.create(MemoryStore(TABLES), maker.genesis)
    maker.grow(chain, 1, 1)
    with chain.view() as view:
        weak = maker.commit(1, view.block_hash(1), view.last_time + 1, signers=2)
        block = propose_block(
            view, [], proposer=maker.validators.validators[0].address, last_commit=weak
        )
        with pytest.raises(InvalidBlock, match="power"):
            apply_block(view, block)
        good = view.commit(1)
        forged_sig = dataclasses.replace(good.signatures[0], signature=good.signatures[1].signature)
        forged = dataclasses.replace(good, signatures=(forged_sig, *good.signatures[1:]))
        block = propose_block(
            view, [], proposer=maker.validators.validators[0].address, last_commit=forged
        )
        with pytest.raises(InvalidBlock, match="signature"):
            apply_block(view, block)


def test_bad_signature_expiry_and_replay_make_invalid_blocks(maker: ChainMaker) -> None:
    chain = ChainStore.create(MemoryStore(TABLES), maker.genesis)
    key = maker.keys[0]
    first = maker.tx(key, key=b"a", value=b"1")
    maker.extend(chain, [first], None)
    forged = dataclasses.replace(maker.tx(key, key=b"b", value=b"2"), signature=first.signature)
    expired = maker.tx(key, expiry=1, key=b"c", value=b"3")
    for txs, reason in (
        ([forged], "signature"),
        ([expired], "expired"),
        ([first], "committed before"),
    ):
        block = _next_block(chain, maker, txs)
        with chain.view() as view, pytest.raises(InvalidBlock, match=reason):
            apply_block(view, block, maker.registry)
    twice = maker.tx(key, key=b"d", value=b"4")
    block = _next_block(chain, maker, [twice, twice])
    with chain.view() as view, pytest.raises(InvalidBlock, match="twice"):
        apply_block(view, block, maker.registry)


def test_commit_block_refuses_gaps_and_reopens(tmp_path: Path, maker: ChainMaker) -> None:
    store = LmdbStore(tmp_path / "db", TABLES)
    chain = ChainStore.create(store, maker.genesis)
    maker.grow(chain, 2, 1)
    block = _next_block(chain, maker)
    with chain.view() as view:
        result = apply_block(view, block, maker.registry)
    commit = maker.commit(3, result.block_hash, block.header.time + 1)
    chain.commit_block(block, commit, result)
    with pytest.raises(InvalidBlock):
        chain.commit_block(block, commit, result)
    store.close()
    again = ChainStore(LmdbStore(tmp_path / "db", TABLES))
    assert again.height == 3
    assert again.genesis == maker.genesis
    with pytest.raises(LedgerError, match="another genesis"):
        ChainStore.create(again.store, ChainMaker.make("intl").genesis)


def test_state_versions_outside_the_window_are_pruned(maker: ChainMaker) -> None:
    chain = ChainStore.create(MemoryStore(TABLES), maker.genesis, state_window=3)
    maker.grow(chain, 8, 2)
    with chain.view() as view:
        # window 3 at height 8 keeps versions 6, 7 and 8
        assert view.state.get_root(5) is None
        for version in (6, 7, 8):
            proof = prove(view.state, maker.suite.hash_name, version, b"kv/k1")
            verify_state_proof(maker.suite.hash_name, view.header(version).state_root, proof)


def test_the_next_blocks_last_commit_replaces_the_stored_commit(maker: ChainMaker) -> None:
    """Nodes may decide a block with different certificates; block h + 1 fixes one for all,
    so every node stores the same bytes and `ledger verify` links them (spec: ledger.md)."""
    chain = ChainStore.create(MemoryStore(TABLES), maker.genesis)
    own = maker.extend(chain, [], None)  # signed by all four validators
    with chain.view() as view:
        block_hash = view.block_hash(1)
    other = maker.commit(1, block_hash, own.signatures[-1].time + 7, signers=3)
    assert other != own
    maker.extend(chain, [], other)  # block 2 carries the three-signer certificate
    with chain.view() as view:
        assert view.commit(1) == other
        assert view.block(2).last_commit == other


def test_a_cached_signature_check_covers_only_that_signature(maker: ChainMaker) -> None:
    """The tx hash does not cover the signature: a block that carries a cached tx with
    another signature must still be refused (a proposer could otherwise split validators
    by what their mempools hold, and store a bad signature on chain)."""
    chain = ChainStore.create(MemoryStore(TABLES), maker.genesis)
    tx = maker.tx(maker.keys[0], key=b"a", value=b"1")
    cache = {records.tx_hash(maker.suite, tx): tx.signature}
    stripped = dataclasses.replace(tx, signature=b"\x00" * len(tx.signature))
    assert records.tx_hash(maker.suite, stripped) in cache
    block = _next_block(chain, maker, [stripped])
    with chain.view() as view, pytest.raises(InvalidBlock, match="signature"):
        apply_block(view, block, maker.registry, cache)
    good = _next_block(chain, maker, [tx])
    with chain.view() as view:
        apply_block(view, good, maker.registry, cache)
