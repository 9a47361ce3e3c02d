"""A fake ``NodeService`` over a real chain: real blocks, commits, receipts, anchorings, evidence.

Only the parts a node adds around its ledger are faked: a mempool that keeps
what it is given (or refuses with a scripted error), a fixed status, and a
scripted event stream that then stays open. Reads are the real thing: each
runs the read function over a ``ChainReader`` of the chain, in a thread.
"""

from __future__ import annotations

import asyncio
import dataclasses
import threading
from collections.abc import AsyncIterator, Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeVar, TypeVarTuple

from prometheus_client import CollectorRegistry

from govchain.api import NodeMetrics, TooManyStreamsError
from govchain.codec import CodecError
from govchain.contracts import ChainReader, ProvingReader, ServiceContext
from govchain.contracts.evidence import evidence_tx
from govchain.contracts.notary import anchor_tx
from govchain.crypto import CryptoSuite
from govchain.ledger import records
from govchain.ledger.chainstore import TABLES, ChainStore
from govchain.ledger.statetree import get_value
from govchain.node.services import build_registry
from govchain.storage import MemoryStore
from govchain.types import Tx
from govchain.types.errors import GovChainError

from ...chain_support import CHAIN_ID, ChainMaker, double_vote, kv_put

BLOCKS = 3
ANCHORED_DIGEST = bytes(range(32))
ANCHORINGS = 2
"""How many times the chain anchors ``ANCHORED_DIGEST`` (blocks 1 and 3)."""
ANCHOR_TITLE = "licence 2031-17"
LIAR = 2
"""The validator (index in ``maker.keys``) whose duplicate vote block 2 records."""

_T = TypeVar("_T")
_Args = TypeVarTuple("_Args")


class MempoolRefusalError(GovChainError):
    """A refusal with any of the mempool's codes."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


@dataclass
class Chain:
    """A small real chain.

    Block 1: three ``kv.put`` txs, a fourth refused by its contract (a failure
    receipt), and an anchoring of :data:`ANCHORED_DIGEST`. Block 2: three
    ``kv.put`` and the evidence of :data:`LIAR`'s duplicate vote. Block 3:
    three ``kv.put`` and a second anchoring of :data:`ANCHORED_DIGEST`.
    """

    maker: ChainMaker
    store: ChainStore
    tx_hashes: list[bytes]
    failed_tx_hash: bytes
    anchor_tx_hash: bytes = b""
    evidence_tx_hash: bytes = b""


def _maker() -> ChainMaker:
    base = ChainMaker.make("intl")
    registry = build_registry(ServiceContext(base.suite, lambda _h: base.validators, base.genesis))
    registry.register("kv.put", kv_put)
    return dataclasses.replace(base, registry=registry)


def build_chain() -> Chain:
    maker = _maker()
    store = ChainStore.create(MemoryStore(TABLES), maker.genesis)
    anchor = anchor_tx(
        maker.keys[1],
        CHAIN_ID,
        ANCHORED_DIGEST,
        b"a" * 16,
        10_000,
        title=ANCHOR_TITLE,
        doc_type="licence",
    )
    again = anchor_tx(maker.keys[2], CHAIN_ID, ANCHORED_DIGEST, b"b" * 16, 10_000, ref="R-2")
    evidence = evidence_tx(maker.keys[0], CHAIN_ID, double_vote(maker, LIAR, 1), b"e" * 16, 10_000)
    last = None
    for b in range(BLOCKS):
        txs = [maker.tx(maker.keys[i], key=f"k{b}-{i}".encode(), value=b"v") for i in range(3)]
        if b == 0:
            txs += [maker.tx(maker.keys[0], key=b"deny", value=b"v"), anchor]
        if b == 1:
            txs.append(evidence)
        if b == 2:
            txs.append(again)
        last = maker.extend(store, txs, last)
    with store.view() as view:
        hashes = [
            records.tx_hash(maker.suite, tx)
            for h in range(1, BLOCKS + 1)
            for tx in view.block(h).txs
        ]
    return Chain(
        maker,
        store,
        hashes,
        failed_tx_hash=hashes[3],
        anchor_tx_hash=records.tx_hash(maker.suite, anchor),
        evidence_tx_hash=records.tx_hash(maker.suite, evidence),
    )


def empty_chain() -> Chain:
    """A chain with its genesis only: no block yet."""
    maker = _maker()
    store = ChainStore.create(MemoryStore(TABLES), maker.genesis)
    return Chain(maker, store, [], failed_tx_hash=b"")


class _ScriptedEvents:
    """The scripted events, then an open stream until the client goes away."""

    def __init__(self, node: FakeNode) -> None:
        self._node = node
        self._events = iter(list(node.events))
        self._closed = False

    def __aiter__(self) -> AsyncIterator[dict[str, Any]]:
        return self

    async def __anext__(self) -> dict[str, Any]:
        event = next(self._events, None)
        if event is not None:
            return event
        await asyncio.Event().wait()  # stays open until the client goes away
        raise StopAsyncIteration

    def ready(self) -> list[dict[str, Any]]:
        return list(self._events)

    async def aclose(self) -> None:
        if not self._closed:
            self._closed = True
            self._node.subscriptions_closed += 1


@dataclass
class FakeNode:
    """Implements ``govchain.api.NodeService``; tests script its answers."""

    chain: Chain
    metrics_registry: CollectorRegistry = field(default_factory=CollectorRegistry)
    refusal: Exception | None = None
    fail_reads_with: Exception | None = None
    events: list[dict[str, Any]] = field(default_factory=list)
    pending_txs: dict[bytes, Tx] = field(default_factory=dict)
    max_streams: int = 8
    subscriptions_open: int = 0
    subscriptions_closed: int = 0
    read_threads: list[tuple[int, int]] = field(default_factory=list)
    """Per read: (the event loop's thread, the thread the read function ran in)."""

    def __post_init__(self) -> None:
        self.metrics = NodeMetrics(self.metrics_registry)

    def _fail_if_scripted(self) -> None:
        if self.fail_reads_with is not None:
            raise self.fail_reads_with

    async def submit_tx(self, raw: bytes) -> bytes:
        if self.refusal is not None:
            raise self.refusal
        try:
            tx = records.decode_tx(raw)
        except (CodecError, GovChainError) as exc:
            raise MempoolRefusalError("malformed_tx", f"not a signed tx: {exc}") from exc
        tx_hash = records.tx_hash(self.chain.maker.suite, tx)
        self.pending_txs[tx_hash] = tx
        self.metrics.mempool_txs.set(len(self.pending_txs))
        return tx_hash

    async def submit_txs(self, raws: Sequence[bytes]) -> list[bytes | GovChainError]:
        results: list[bytes | GovChainError] = []
        for raw in raws:
            try:
                results.append(await self.submit_tx(raw))
            except GovChainError as exc:
                results.append(exc)
        return results

    def pending(self, tx_hash: bytes) -> bool:
        self._fail_if_scripted()
        return tx_hash in self.pending_txs

    def latest_height(self) -> int:
        self._fail_if_scripted()
        return self.chain.store.height

    @property
    def suite(self) -> CryptoSuite:
        return self.chain.maker.suite

    def latest_state(self, key: bytes) -> bytes | None:
        self._fail_if_scripted()
        with self.chain.store.view() as view:
            return get_value(view.state, view.suite.hash_name, view.height, key)

    async def read(
        self,
        fn: Callable[[ProvingReader, *_Args], _T],
        *args: *_Args,
        height: int | None = None,
    ) -> _T:
        self._fail_if_scripted()
        loop_thread = threading.get_ident()

        def run() -> _T:
            self.read_threads.append((loop_thread, threading.get_ident()))
            with self.chain.store.view() as view:
                return fn(ChainReader(view, height), *args)

        return await asyncio.to_thread(run)

    def status(self) -> dict[str, Any]:
        self._fail_if_scripted()
        with self.chain.store.view() as view:
            height = view.height
            state_root = view.header(height).state_root.hex() if height else ""
            block_time = view.last_time
        members = [
            {
                "address": v.address.hex(),
                "public_key": v.public_key.hex(),
                "power": v.power,
                "name": v.name,
                "votes_from": 1,
            }
            for v in self.chain.maker.validators.validators
        ]
        return {
            "node_id": "ab" * 20,
            "role": "validator",
            "chain_id": self.chain.maker.genesis.chain_id,
            "suite": self.chain.maker.genesis.suite,
            "height": height,
            "block_time": block_time,
            "state_root": state_root,
            "peers": [{"node_id": "cd" * 20, "address": "10.0.0.2:26656"}],
            "validators": members,
            "next_validators": members,
            "syncing": False,
        }

    def subscribe(self) -> _ScriptedEvents:
        self._fail_if_scripted()
        if self.subscriptions_open - self.subscriptions_closed >= self.max_streams:
            raise TooManyStreamsError(f"{self.max_streams} event streams are open")
        self.subscriptions_open += 1
        return _ScriptedEvents(self)
