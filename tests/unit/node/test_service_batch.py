"""The node service admits a batch through the real mempool and gossips only what it admitted."""

from __future__ import annotations

import asyncio
import dataclasses
import os

import pytest
from prometheus_client import CollectorRegistry

from govchain.execution import apply_block, propose_block
from govchain.ledger import records
from govchain.ledger.chainstore import TABLES, ChainStore
from govchain.mempool import Mempool
from govchain.node.service import ChainNodeService
from govchain.storage import MemoryStore
from govchain.types.errors import GovChainError

from ...chain_support import CHAIN_ID, ChainMaker
from .service_support import anchored_chain, make_service, notary_maker


def test_a_batch_is_admitted_tx_by_tx_and_only_admitted_txs_are_passed_on() -> None:
    maker = ChainMaker.make("gm")
    chain = ChainStore.create(MemoryStore(TABLES), maker.genesis)
    admitted: list[tuple[bytes, bytes]] = []
    service = ChainNodeService(
        node_id=b"\x01" * 32,
        role="validator",
        chain=chain,
        mempool=Mempool(maker.suite, CHAIN_ID, is_committed=lambda _h: False),
        registry=CollectorRegistry(),
        on_admitted=lambda tx_hash, raw: admitted.append((tx_hash, raw)),
        on_fatal=lambda exc: pytest.fail(f"no failure expected: {exc}"),
    )
    good = maker.tx(maker.keys[0], key=b"a", value=b"1")
    forged = dataclasses.replace(
        maker.tx(maker.keys[1], key=b"b", value=b"2"), signature=good.signature
    )
    raws = [records.encode_tx(good), records.encode_tx(forged), records.encode_tx(good)]

    outcomes = asyncio.run(service.submit_txs(raws))

    good_hash = records.tx_hash(maker.suite, good)
    assert outcomes[0] == good_hash
    assert isinstance(outcomes[1], GovChainError)
    assert outcomes[1].code == "bad_signature"
    assert isinstance(outcomes[2], GovChainError)
    assert outcomes[2].code == "tx_replayed"  # the same tx twice in one batch
    assert admitted == [(good_hash, raws[0])]
    assert service.pending(good_hash)


def test_the_next_height_moves_with_each_commit_the_service_hears_of() -> None:
    """Issue 21: admission reads the store's height once, then the height it uses moves in
    on_commit, together with the pool's own record of committed txs."""
    maker = notary_maker("intl")
    chain = anchored_chain(maker, blocks=1)
    service = make_service(maker, chain, lambda exc: pytest.fail(f"no failure expected: {exc}"))

    def submit(signer: int, expiry: int) -> bytes | GovChainError:
        tx = maker.tx(maker.keys[signer], "notary.anchor", expiry, digest=os.urandom(32))
        return asyncio.run(service.submit_txs([records.encode_tx(tx)]))[0]

    assert isinstance(submit(0, expiry=2), bytes)  # the next block is 2
    with chain.view() as view:
        block = propose_block(
            view,
            [],
            proposer=maker.validators.validators[0].address,
            last_commit=view.commit(1),
            registry=maker.registry,
        )
        result = apply_block(view, block, maker.registry)
    commit = maker.commit(2, result.block_hash, block.header.time + 1)
    chain.commit_block(block, commit, result)
    assert isinstance(submit(1, expiry=2), bytes)  # not heard of yet: the pool's view holds
    service.on_commit(block, commit, result)
    late = submit(2, expiry=2)
    assert isinstance(late, GovChainError)
    assert late.code == "tx_expired"
    assert isinstance(submit(3, expiry=3), bytes)
    asyncio.run(service.close())
