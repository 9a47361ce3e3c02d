# ruff: noqa: N802  (test names carry the requirement: test_F_A7_...)
"""A tx's signature is checked once per node: by the mempool, then skipped by ``apply_block``."""

from __future__ import annotations

import pytest

from govchain.execution import apply_block, propose_block
from govchain.ledger.chainstore import TABLES, ChainStore
from govchain.mempool import Mempool, TxReplayedError
from govchain.storage import MemoryStore

from ...chain_support import CHAIN_ID, ChainMaker
from .support import Signer, VerifySpy, bad_signature


@pytest.fixture(scope="module", params=["intl", "gm"])
def maker(request: pytest.FixtureRequest) -> ChainMaker:
    return ChainMaker.make(request.param, validators=1)


def test_F_A7_signature_is_checked_once_from_admission_to_apply_block(maker: ChainMaker) -> None:
    chain = ChainStore.create(MemoryStore(TABLES), maker.genesis)
    spy = VerifySpy.on(chain.suite)

    def is_committed(tx_hash: bytes) -> bool:
        with chain.view() as view:
            return view.tx_location(tx_hash) is not None

    pool = Mempool(chain.suite, CHAIN_ID, is_committed=is_committed)
    signer = Signer(chain.suite, maker.keys[0])
    raws = [signer.raw(expiry=50) for _ in range(3)]
    hashes = pool.add_batch(raws, 1)
    assert spy.checks == 3
    with pytest.raises(TxReplayedError):
        pool.add(raws[0], 1)
    assert spy.checks == 3

    txs = pool.reap(100, 10**6)
    with chain.view() as view:
        block = propose_block(
            view,
            txs,
            proposer=maker.validators.validators[0].address,
            last_commit=None,
            registry=maker.registry,
        )
        result = apply_block(view, block, maker.registry, verified=pool.verified)
        assert spy.checks == 3  # none checked again
        apply_block(view, block, maker.registry)
        assert spy.checks == 6  # the control: without the cache each is checked
    assert list(result.tx_hashes) == hashes
    chain.commit_block(block, maker.commit(1, result.block_hash, block.header.time + 1), result)
    pool.on_commit(result.tx_hashes, 1)
    assert len(pool) == 0
    with pytest.raises(TxReplayedError):
        pool.add(raws[1], 2)
    assert spy.checks == 6


def test_only_admitted_txs_enter_the_verified_set(maker: ChainMaker) -> None:
    signer = Signer(maker.suite, maker.keys[0])
    pool = Mempool(maker.suite, CHAIN_ID, is_committed=lambda _: False, max_txs=1)
    results = pool.add_batch([bad_signature(signer, signer.raw()), signer.raw(), signer.raw()], 1)
    assert [type(r).__name__ for r in results] == ["BadSignatureError", "bytes", "MempoolFullError"]
    assert set(pool.verified) == {results[1]}
