"""A fake ``NodeService`` over a real chain: real blocks, commits and receipt bundles.

Only the parts a node adds around its ledger are faked: a mempool that keeps
what it is given (or refuses with a scripted error), a fixed status, a
scripted event stream that then stays open, and a notary index of one digest.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from prometheus_client import CollectorRegistry

from govchain.api import NodeMetrics, TxStatus, block_json
from govchain.codec import CodecError
from govchain.ledger import records
from govchain.ledger.chainstore import TABLES, ChainStore
from govchain.ledger.proofs import tx_receipt_bundle
from govchain.storage import MemoryStore
from govchain.types import Tx
from govchain.types.errors import GovChainError

from ...chain_support import ChainMaker

BLOCKS = 3
ANCHORED_DIGEST = bytes(range(32))


class MempoolRefusalError(GovChainError):
    """A refusal with any of the mempool's codes."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


@dataclass
class Chain:
    """A small real chain; tx 3 of block 1 is refused by its contract (a failure receipt)."""

    maker: ChainMaker
    store: ChainStore
    tx_hashes: list[bytes]
    failed_tx_hash: bytes


def build_chain() -> Chain:
    maker = ChainMaker.make("intl")
    store = ChainStore.create(MemoryStore(TABLES), maker.genesis)
    last = None
    for b in range(BLOCKS):
        txs = [maker.tx(maker.keys[i], key=f"k{b}-{i}".encode(), value=b"v") for i in range(3)]
        if b == 0:
            txs.append(maker.tx(maker.keys[0], key=b"deny", value=b"v"))
        last = maker.extend(store, txs, last)
    with store.view() as view:
        hashes = [
            records.tx_hash(maker.suite, tx)
            for h in range(1, BLOCKS + 1)
            for tx in view.block(h).txs
        ]
    return Chain(maker, store, hashes, failed_tx_hash=hashes[3])


def empty_chain() -> Chain:
    """A chain with its genesis only: no block yet."""
    maker = ChainMaker.make("intl")
    store = ChainStore.create(MemoryStore(TABLES), maker.genesis)
    return Chain(maker, store, [], failed_tx_hash=b"")


@dataclass
class FakeNode:
    """Implements ``govchain.api.NodeService``; tests script its answers."""

    chain: Chain
    metrics_registry: CollectorRegistry = field(default_factory=CollectorRegistry)
    refusal: Exception | None = None
    fail_reads_with: Exception | None = None
    events: list[dict[str, Any]] = field(default_factory=list)
    pending: dict[bytes, Tx] = field(default_factory=dict)
    subscriptions_open: int = 0
    subscriptions_closed: int = 0

    def __post_init__(self) -> None:
        self.metrics = NodeMetrics(self.metrics_registry)

    def _read(self) -> None:
        if self.fail_reads_with is not None:
            raise self.fail_reads_with

    def submit_tx(self, raw: bytes) -> bytes:
        if self.refusal is not None:
            raise self.refusal
        try:
            tx = records.decode_tx(raw)
        except (CodecError, GovChainError) as exc:
            raise MempoolRefusalError("malformed_tx", f"not a signed tx: {exc}") from exc
        tx_hash = records.tx_hash(self.chain.maker.suite, tx)
        self.pending[tx_hash] = tx
        self.metrics.mempool_txs.set(len(self.pending))
        return tx_hash

    def submit_txs(self, raws: Sequence[bytes]) -> list[bytes | GovChainError]:
        results: list[bytes | GovChainError] = []
        for raw in raws:
            try:
                results.append(self.submit_tx(raw))
            except GovChainError as exc:
                results.append(exc)
        return results

    def tx_status(self, tx_hash: bytes) -> TxStatus:
        self._read()
        if tx_hash in self.pending:
            return TxStatus("pending")
        with self.chain.store.view() as view:
            if view.tx_location(tx_hash) is None:
                return TxStatus("unknown")
            bundle = tx_receipt_bundle(view, tx_hash)
        return TxStatus("committed" if bundle.receipt.ok else "failed", bundle.to_json())

    def latest_height(self) -> int:
        self._read()
        return self.chain.store.height

    def block(self, height: int) -> dict[str, Any] | None:
        self._read()
        with self.chain.store.view() as view:
            if height > view.height:
                return None
            block = view.block(height)
            hashes = [records.tx_hash(view.suite, tx) for tx in block.txs]
            return block_json(block, view.block_hash(height), hashes, view.commit(height))

    def notary_lookup(self, digest: bytes) -> list[dict[str, Any]]:
        self._read()
        if digest != ANCHORED_DIGEST:
            return []
        tx_hash = self.chain.tx_hashes[0]
        with self.chain.store.view() as view:
            bundle = tx_receipt_bundle(view, tx_hash)
        anchoring = {
            "index": 0,
            "owner": records.address_of(self.chain.maker.suite, bundle.tx.sender).hex(),
            "time": bundle.header.time,
            "height": bundle.header.height,
            "tx_hash": tx_hash.hex(),
            "title": "licence 2031-17",
            "doc_type": "licence",
            "ref": "",
            "receipt": bundle.to_json(),
        }
        return [anchoring]

    def status(self) -> dict[str, Any]:
        self._read()
        with self.chain.store.view() as view:
            height = view.height
            state_root = view.header(height).state_root.hex() if height else ""
        members = self.chain.maker.validators.validators
        return {
            "node_id": "ab" * 20,
            "role": "validator",
            "chain_id": self.chain.maker.genesis.chain_id,
            "suite": self.chain.maker.genesis.suite,
            "height": height,
            "state_root": state_root,
            "peers": [{"node_id": "cd" * 20, "address": "10.0.0.2:26656"}],
            "validators": [
                {
                    "address": v.address.hex(),
                    "public_key": v.public_key.hex(),
                    "power": v.power,
                    "name": v.name,
                }
                for v in members
            ],
            "syncing": False,
        }

    async def subscribe(self) -> AsyncIterator[dict[str, Any]]:
        self._read()
        self.subscriptions_open += 1
        try:
            for event in self.events:
                yield event
            await asyncio.Event().wait()  # stays open until the client goes away
        finally:
            self.subscriptions_closed += 1
