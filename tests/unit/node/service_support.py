"""A real ``ChainNodeService`` over a small in-memory chain, for the node service tests."""

from __future__ import annotations

import dataclasses
import os
from dataclasses import dataclass, field

from prometheus_client import CollectorRegistry

from govchain.contracts import ServiceContext
from govchain.contracts.notary import anchor_tx
from govchain.ledger.chainstore import TABLES, ChainStore
from govchain.mempool import Mempool
from govchain.node.service import ChainNodeService, ServiceLimits
from govchain.node.services import build_registry
from govchain.storage import MemoryStore, Store

from ...chain_support import CHAIN_ID, ChainMaker

DIGEST = bytes(range(32))


@dataclass
class Fatal:
    """An ``on_fatal`` that records what it was given."""

    failures: list[BaseException] = field(default_factory=list)

    def __call__(self, failure: BaseException) -> None:
        self.failures.append(failure)


def notary_maker(suite: str = "intl") -> ChainMaker:
    """A chain maker whose registry has every service."""
    base = ChainMaker.make(suite)
    registry = build_registry(ServiceContext(base.suite, lambda _h: base.validators, base.genesis))
    return dataclasses.replace(base, registry=registry)


def anchored_chain(maker: ChainMaker, store: Store | None = None, blocks: int = 3) -> ChainStore:
    """``blocks`` blocks, each with one anchoring of DIGEST and one of a random digest."""
    chain = ChainStore.create(store or MemoryStore(TABLES), maker.genesis)
    last = None
    for height in range(1, blocks + 1):
        txs = [
            anchor_tx(maker.keys[0], CHAIN_ID, DIGEST, os.urandom(16), 10_000, title=f"{height}"),
            anchor_tx(maker.keys[1], CHAIN_ID, os.urandom(32), os.urandom(16), 10_000),
        ]
        last = maker.extend(chain, txs, last)
    return chain


def make_service(
    maker: ChainMaker, chain: ChainStore, fatal: Fatal, **limits: int
) -> ChainNodeService:
    """The node service over ``chain`` with a real mempool and these ``ServiceLimits``."""

    def is_committed(tx_hash: bytes) -> bool:
        with chain.view() as view:
            return view.tx_location(tx_hash) is not None

    return ChainNodeService(
        node_id=b"\x01" * 32,
        role="validator",
        chain=chain,
        mempool=Mempool(maker.suite, CHAIN_ID, is_committed=is_committed),
        registry=CollectorRegistry(),
        on_fatal=fatal,
        limits=ServiceLimits(**limits),
    )
