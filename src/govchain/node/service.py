"""The node as its API sees it: ``NodeService`` over the chain store, mempool and network.

The API, consensus and the peers share one event loop, so this service keeps
the loop for what must be there (the mempool's state, the subscribers) and
sends the rest to worker threads (decision 0005):

- reads run ``fn(reader, *args)`` on one LMDB snapshot in a ``reads`` worker
  (:meth:`ChainNodeService.read`, the generic proving read every service's
  router uses);
- submissions are decoded and their signatures checked in a ``verify``
  worker, then admitted on the loop; gossiped txs take the same path;
- committed blocks are published to event subscribers, bounded in number and
  backlog (``govchain.node.subscribers``).

A stored record that fails its checks comes from the node's own store, so
besides the 500 ``ledger_corrupt`` answer the service calls ``on_fatal``,
which stops the node.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections import deque
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, fields
from typing import Any, TypeVar, TypeVarTuple

from prometheus_client import CollectorRegistry

from govchain.api.metrics import NodeMetrics
from govchain.api.service import NotFoundError, NotReadyError
from govchain.codec import CodecError
from govchain.contracts.proving_reader import ChainReader, ProvingReader
from govchain.crypto import CryptoSuite
from govchain.execution.view import BlockResult
from govchain.ledger.chainstore import ChainStore
from govchain.ledger.statetree import get_value
from govchain.mempool import Mempool, MempoolError
from govchain.mempool.admission import Candidate
from govchain.mempool.errors import BadSignatureError, PermissionDeniedError
from govchain.node.subscribers import SUBSCRIBER_BACKLOG_BLOCKS, EventSubscribers, Subscriber
from govchain.node.validator_status import status_validator_sets
from govchain.node.worker_pool import WorkerPool
from govchain.storage.security_log import SecurityEvents
from govchain.types import Block, Commit
from govchain.types.errors import (
    GovChainError,
    LedgerCorruptError,
    LedgerError,
    ProofError,
    ValidationError,
    VersionPrunedError,
)

__all__ = ["ChainNodeService", "OnFatal", "ServiceLimits"]

log = logging.getLogger("govchain.node")

PeersOf = Callable[[], list[dict[str, str]]]
OnFatal = Callable[[BaseException], None]
"""Called (on the loop) with a failure that must stop the node."""
GossipAdmitted = Callable[[int], None]
"""Told how many txs of a gossiped batch were admitted."""

GOSSIP_ADMIT_MAX = 1024
"""The most gossiped txs admitted together: waiting batches are joined up to it."""

_T = TypeVar("_T")
_Args = TypeVarTuple("_Args")
_STORE_RECORD_ERRORS = (LedgerError, CodecError, ValidationError, ProofError)
"""What a read of the node's own store raises when a stored record fails its checks."""


@dataclass(frozen=True, slots=True)
class ServiceLimits:
    """The bounds of what the API may make the node do at once (decision 0005)."""

    max_event_streams: int = 256
    """Event subscribers at once; one more is answered 503 ``too_many_streams``."""
    subscriber_backlog_blocks: int = SUBSCRIBER_BACKLOG_BLOCKS
    """Blocks of events a subscriber may have waiting before it loses some (and gets a gap)."""
    read_threads: int = 2
    """Worker threads for reads (proofs, blocks, receipts): they hold the GIL while decoding."""
    read_queue: int = 16
    """Reads that may wait for a read worker; more are answered 503 ``busy``."""
    verify_threads: int = 2
    """Worker threads for decoding and signature batches (a batch spreads over every core)."""
    verify_queue: int = 16
    """Submissions that may wait for a verify worker; more are answered 503 ``busy``."""
    gossip_batches: int = 64
    """Gossiped batches waiting to be admitted; more are dropped (their senders hold them)."""

    def validate(self) -> None:
        """Raise ValidationError naming the first limit out of range."""
        for item in fields(self):
            value = getattr(self, item.name)
            minimum = 0 if item.name.endswith("_queue") else 1
            if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
                raise ValidationError(f"{item.name}: expected a whole number >= {minimum}")


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
        on_fatal: OnFatal,
        peers: PeersOf = list,
        syncing: Callable[[], bool] = lambda: False,
        on_admitted: Callable[[bytes, bytes], None] | None = None,
        limits: ServiceLimits | None = None,
    ) -> None:
        self.node_id = node_id
        self.role = role
        self.chain = chain
        self.mempool = mempool
        self.limits = limits or ServiceLimits()
        self.limits.validate()
        self._registry = registry
        self.metrics = NodeMetrics(registry)
        self._on_fatal = on_fatal
        self._peers = peers
        self._syncing = syncing
        self._on_admitted = on_admitted
        self._reads = WorkerPool("reads", self.limits.read_threads, self.limits.read_queue)
        self._verify = WorkerPool("verify", self.limits.verify_threads, self.limits.verify_queue)
        self.subscribers = EventSubscribers(
            self.limits.max_event_streams, self.limits.subscriber_backlog_blocks
        )
        self._gossip: deque[tuple[Sequence[bytes], GossipAdmitted]] = deque()
        self._gossip_task: asyncio.Task[None] | None = None
        self.gossip_dropped = 0
        """Gossiped txs dropped because ``gossip_batches`` batches were waiting."""
        self._height: int | None = None
        """The height the mempool has seen committed (read once, then moved by on_commit)."""
        self.security = SecurityEvents(None, self.metrics.security_event)
        """Where refused txs (bad signature, permission denied) are reported; the node sets
        one that writes its security log (docs/spec/audit.md)."""

    @property
    def metrics_registry(self) -> CollectorRegistry:
        """The registry behind ``/metrics``."""
        return self._registry

    # --- writes -------------------------------------------------------------------

    async def submit_tx(self, raw: bytes) -> bytes:
        """Admit a tx to the mempool (MempoolError with its code on refusal)."""
        [result] = await self.submit_txs([raw])
        if isinstance(result, GovChainError):
            raise result
        return result

    async def submit_txs(self, raws: Sequence[bytes]) -> list[bytes | GovChainError]:
        """Admit many txs with one signature batch; each result is a hash or its refusal."""
        results = await self._admit(raws, bounded=True, via="api")
        if self._on_admitted is not None:
            for raw, result in zip(raws, results, strict=True):
                if isinstance(result, bytes):
                    self._on_admitted(result, raw)
        return list(results)

    def admit_gossiped(self, raws: Sequence[bytes], then: GossipAdmitted) -> None:
        """Admit txs a peer sent, in the background; ``then(count)`` once they are in.

        Batches are admitted in order. The batches that arrived while one
        admission ran are admitted together (up to ``GOSSIP_ADMIT_MAX`` txs):
        one decoding job and one signature batch for all of them, so a busy
        node makes fewer, larger trips to its workers. Past ``gossip_batches``
        waiting, a batch is dropped: the peers that sent it keep it pending.
        """
        if len(self._gossip) >= self.limits.gossip_batches:
            self.gossip_dropped += len(raws)
            return
        self._gossip.append((raws, then))
        if self._gossip_task is None:
            self._gossip_task = asyncio.create_task(self._drain_gossip(), name="gossip-admission")
            self._gossip_task.add_done_callback(self._gossip_ended)

    async def _drain_gossip(self) -> None:
        try:
            while self._gossip:
                batches = self._take_gossip()
                raws = [raw for batch, _ in batches for raw in batch]
                results = await self._admit(raws, bounded=False, via="peer")
                start = 0
                for batch, then in batches:
                    part = results[start : start + len(batch)]
                    start += len(batch)
                    then(sum(1 for result in part if isinstance(result, bytes)))
        finally:
            self._gossip_task = None  # no await since the last check: a new batch starts a task

    def _take_gossip(self) -> list[tuple[Sequence[bytes], GossipAdmitted]]:
        """The oldest waiting batch and those after it, up to ``GOSSIP_ADMIT_MAX`` txs."""
        taken = [self._gossip.popleft()]
        count = len(taken[0][0])
        while self._gossip and count + len(self._gossip[0][0]) <= GOSSIP_ADMIT_MAX:
            batch = self._gossip.popleft()
            taken.append(batch)
            count += len(batch[0])
        return taken

    def _gossip_ended(self, task: asyncio.Task[None]) -> None:
        if task.cancelled():
            return
        failure = task.exception()
        if failure is not None and not isinstance(failure, NotReadyError):
            self._on_fatal(failure)

    async def _admit(
        self, raws: Sequence[bytes], *, bounded: bool, via: str
    ) -> list[bytes | MempoolError]:
        """Decode and check signatures in a worker; the mempool's state changes on the loop."""
        pool = self.mempool
        screened = await self._verify.run(pool.screen, raws, self._next_height(), bounded=bounded)
        prepared = pool.prepare(screened)
        items = prepared.verify_items()
        verdicts = (
            await self._verify.run(pool.suite.batch_verify, items, bounded=bounded) if items else []
        )
        results = pool.admit(prepared, verdicts, self._next_height())
        self._report_refusals(screened, results, via)
        return results

    def _report_refusals(
        self,
        screened: Sequence[Candidate | MempoolError],
        results: Sequence[bytes | MempoolError],
        via: str,
    ) -> None:
        """Security events of a batch: each tx refused for a bad signature or a permission."""
        for item, result in zip(screened, results, strict=True):
            if isinstance(item, Candidate) and isinstance(
                result, BadSignatureError | PermissionDeniedError
            ):
                self.security.record(
                    "mempool", result.code, via=via, tx=item.tx_hash.hex(), type=item.tx.type,
                )  # fmt: skip

    def _next_height(self) -> int:
        """The next block's height as the mempool knows it: it moves in :meth:`on_commit`,
        with the pool's own record of committed txs, not by reading the store per batch."""
        if self._height is None:
            with self._own_store():
                self._height = self.chain.height
        return self._height + 1

    # --- reads --------------------------------------------------------------------

    def pending(self, tx_hash: bytes) -> bool:
        """Whether the tx waits in the mempool."""
        return self.mempool.status(tx_hash) is not None

    def latest_height(self) -> int:
        """The latest committed height."""
        with self._own_store():
            return self.chain.height

    @property
    def suite(self) -> CryptoSuite:
        """The chain's crypto suite."""
        return self.chain.suite

    def latest_state(self, key: bytes) -> bytes | None:
        """One state key after the latest block (``NodeService.latest_state``)."""
        with self._own_store(), self.chain.view() as view:
            return get_value(view.state, view.suite.hash_name, view.height, key)

    async def read(
        self,
        fn: Callable[[ProvingReader, *_Args], _T],
        *args: *_Args,
        height: int | None = None,
    ) -> _T:
        """``fn(reader, *args)`` on one snapshot, in a read worker (``NodeService.read``)."""
        with self._own_store():
            return await self._reads.run(self._read_snapshot, fn, args, height)

    def _read_snapshot(
        self,
        fn: Callable[[ProvingReader, *_Args], _T],
        args: tuple[*_Args],
        height: int | None,
    ) -> _T:
        """In a worker thread: open a snapshot, run ``fn`` on it, close it."""
        with self.chain.view() as view:
            if height is not None and not 0 <= height <= view.height:
                raise NotFoundError(f"no block at height {height} yet (latest {view.height})")
            return fn(ChainReader(view, height), *args)

    @contextlib.contextmanager
    def _own_store(self) -> Iterator[None]:
        """Turn a record of our store that fails its checks into ``ledger_corrupt``, and stop."""
        try:
            yield
        except VersionPrunedError:
            raise
        except LedgerCorruptError as exc:
            self._on_fatal(exc)
            raise
        except _STORE_RECORD_ERRORS as exc:
            corrupt = LedgerCorruptError(f"a stored record fails its checks: {exc}")
            self._on_fatal(corrupt)
            raise corrupt from exc

    def status(self) -> dict[str, Any]:
        """Who this node is and how far it is."""
        with self._own_store(), self.chain.view() as view:
            height = view.height
            block_time = view.last_time
            root = view.state.get_root(height)
            validator_sets = status_validator_sets(view)
        return {
            "node_id": self.node_id.hex(),
            "role": self.role,
            "chain_id": self.chain.genesis.chain_id,
            "suite": self.chain.genesis.suite,
            "height": height,
            "block_time": block_time,
            "state_root": "" if root is None or height == 0 else root.root_hash.hex(),
            "peers": self._peers(),
            **validator_sets,
            "syncing": self._syncing(),
        }

    # --- events -------------------------------------------------------------------

    def subscribe(self) -> Subscriber:
        """New blocks and tx results, as they commit; TooManyStreamsError over the limit."""
        return self.subscribers.subscribe()

    def on_commit(self, block: Block, commit: Commit, result: BlockResult) -> None:
        """A block was committed: metrics, then an event per block and per tx result."""
        height = block.header.height
        self._height = max(height, self._height or 0)
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
                "proposer": block.header.proposer.hex(),
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
        self.subscribers.publish(height, tuple(events))

    # --- lifecycle ----------------------------------------------------------------

    async def close(self) -> None:
        """Stop the workers (before the store closes): jobs not started are dropped."""
        if self._gossip_task is not None:
            self._gossip_task.cancel()
        self._gossip.clear()
        await self._reads.close()
        await self._verify.close()
