"""The node as its API sees it: ``NodeService`` over the chain store, mempool and network.

Reads come from a chain snapshot; writes go through the mempool. Committed
blocks are fanned out to event subscribers through bounded queues: a slow
subscriber loses events (and is told so) instead of holding the node back.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Callable, Sequence
from typing import Any

from prometheus_client import CollectorRegistry

from govchain.api.json_forms import block_json
from govchain.api.metrics import NodeMetrics
from govchain.api.service import TxStatus
from govchain.contracts.notary import read_anchorings
from govchain.execution.view import BlockResult
from govchain.ledger import records
from govchain.ledger.chainstore import ChainStore, ChainView
from govchain.ledger.proofs import tx_receipt_bundle
from govchain.ledger.statetree import get_value
from govchain.mempool import Mempool
from govchain.types import Block, Commit
from govchain.types.errors import GovChainError

MAX_SUBSCRIBERS = 64
SUBSCRIBER_QUEUE = 256

PeersOf = Callable[[], list[dict[str, str]]]


class ChainNodeService:
    """``NodeService`` of a running node."""

    def __init__(
        self,
        *,
        node_id: bytes,
        role: str,
        chain: ChainStore,
        mempool: Mempool,
        registry: CollectorRegistry,
        peers: PeersOf = list,
        syncing: Callable[[], bool] = lambda: False,
        on_admitted: Callable[[bytes, bytes], None] | None = None,
    ) -> None:
        self.node_id = node_id
        self.role = role
        self.chain = chain
        self.mempool = mempool
        self._registry = registry
        self.metrics = NodeMetrics(registry)
        self._peers = peers
        self._syncing = syncing
        self._on_admitted = on_admitted
        self._subscribers: list[asyncio.Queue[dict[str, Any]]] = []

    @property
    def metrics_registry(self) -> CollectorRegistry:
        """The registry behind ``/metrics``."""
        return self._registry

    # --- writes -------------------------------------------------------------------

    def submit_tx(self, raw: bytes) -> bytes:
        """Admit a tx to the mempool (MempoolError with its code on refusal)."""
        tx_hash = self.mempool.add(raw, self.chain.height + 1)
        if self._on_admitted is not None:
            self._on_admitted(tx_hash, raw)
        return tx_hash

    def submit_txs(self, raws: Sequence[bytes]) -> list[bytes | GovChainError]:
        """Admit many txs with one signature batch; each result is a hash or its refusal."""
        results = self.mempool.add_batch(raws, self.chain.height + 1)
        if self._on_admitted is not None:
            for raw, result in zip(raws, results, strict=True):
                if isinstance(result, bytes):
                    self._on_admitted(result, raw)
        return list(results)

    # --- reads --------------------------------------------------------------------

    def tx_status(self, tx_hash: bytes) -> TxStatus:
        """pending in the mempool, committed or failed with its receipt, or unknown."""
        with self.chain.view() as view:
            if view.tx_location(tx_hash) is not None:
                bundle = tx_receipt_bundle(view, tx_hash)
                if bundle.receipt.status == 0:
                    return TxStatus("committed", bundle.to_json())
                return TxStatus("failed", bundle.to_json())
        if self.mempool.status(tx_hash) is not None:
            return TxStatus("pending")
        return TxStatus("unknown")

    def latest_height(self) -> int:
        """The latest committed height."""
        return self.chain.height

    def block(self, height: int) -> dict[str, Any] | None:
        """Block ``height`` as JSON, with its stored commit certificate."""
        with self.chain.view() as view:
            if not 1 <= height <= view.height:
                return None
            block = view.block(height)
            hashes = [records.tx_hash(view.suite, tx) for tx in block.txs]
            return block_json(block, view.block_hash(height), hashes, view.commit(height))

    def notary_lookup(self, digest: bytes) -> list[dict[str, Any]]:
        """Every anchoring of ``digest``, each with the receipt file of its tx."""
        with self.chain.view() as view:
            found = read_anchorings(_reader(view), digest)
            return [
                {
                    "index": a.index,
                    "owner": a.owner.hex(),
                    "time": a.time,
                    "height": a.height,
                    "tx_hash": a.tx_hash.hex(),
                    "title": a.title,
                    "doc_type": a.doc_type,
                    "ref": a.ref,
                    "receipt": tx_receipt_bundle(view, a.tx_hash).to_json(),
                }
                for a in found
            ]

    def status(self) -> dict[str, Any]:
        """Who this node is and how far it is."""
        with self.chain.view() as view:
            height = view.height
            root = view.state.get_root(height)
            validators = view.validators(height + 1).validators
        return {
            "node_id": self.node_id.hex(),
            "role": self.role,
            "chain_id": self.chain.genesis.chain_id,
            "suite": self.chain.genesis.suite,
            "height": height,
            "state_root": "" if root is None or height == 0 else root.root_hash.hex(),
            "peers": self._peers(),
            "validators": [
                {
                    "address": v.address.hex(),
                    "public_key": v.public_key.hex(),
                    "power": v.power,
                    "name": v.name,
                }
                for v in validators
            ],
            "syncing": self._syncing(),
        }

    # --- events -------------------------------------------------------------------

    def on_commit(self, block: Block, commit: Commit, result: BlockResult) -> None:
        """A block was committed: metrics, then an event per block and per tx result."""
        height = block.header.height
        # a block's time is the BFT time of the previous commit, when its round could start:
        # now minus it is the time the height took, proposal wait included (metrics only)
        latency_s = max(0, time.time_ns() // 1_000_000 - block.header.time) / 1000
        self.metrics.block_committed(height, len(block.txs), latency_s)
        events: list[dict[str, Any]] = [
            {
                "type": "block",
                "height": height,
                "hash": result.block_hash.hex(),
                "txs": len(block.txs),
                "time": block.header.time,
                "round": commit.round,
            }
        ]
        for tx_hash, receipt in zip(result.tx_hashes, result.receipts, strict=True):
            events.append(
                {
                    "type": "tx",
                    "height": height,
                    "hash": tx_hash.hex(),
                    "status": "committed" if receipt.status == 0 else "failed",
                }
            )
        for queue in list(self._subscribers):
            for event in events:
                if queue.full():
                    continue  # a slow reader loses events; it never slows the node
                queue.put_nowait(event)

    async def subscribe(self) -> AsyncIterator[dict[str, Any]]:
        """New blocks and tx results, as they commit."""
        if len(self._subscribers) >= MAX_SUBSCRIBERS:
            return
        queue: asyncio.Queue[dict[str, Any]] = asyncio.Queue(SUBSCRIBER_QUEUE)
        self._subscribers.append(queue)
        try:
            while True:
                yield await queue.get()
        finally:
            self._subscribers.remove(queue)


def _reader(view: ChainView) -> Callable[[bytes], bytes | None]:
    def read(key: bytes) -> bytes | None:
        return get_value(view.state, view.suite.hash_name, view.height, key)

    return read
