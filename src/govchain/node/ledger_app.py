"""The node's side of consensus: blocks from the mempool, checked and written by the executor.

:class:`LedgerApp` is the ``ConsensusApp`` the driver runs against
(docs/spec/consensus.md, "The driver"). It also collects equivocation
evidence and puts it into the blocks this validator proposes, and tells
listeners (API events, metrics) about every committed block.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from govchain.consensus.evidence import DuplicateVote
from govchain.contracts.evidence import evidence_key, evidence_tx
from govchain.crypto import SigningKey
from govchain.execution.block_executor import BlockExecutor
from govchain.execution.view import BlockResult
from govchain.ledger.chainstore import ChainView
from govchain.ledger.statetree import get_value
from govchain.mempool import Mempool
from govchain.types import Block, Commit, Tx, ValidatorSet

MAX_BLOCK_TXS = 1000
MAX_BLOCK_BYTES = 8 * 1024 * 1024
MAX_PENDING_EVIDENCE = 64
EVIDENCE_EXPIRY_HEIGHTS = 100

CommitListener = Callable[[Block, Commit, BlockResult], None]


@dataclass(frozen=True)
class BlockLimits:
    """How much one proposal may carry."""

    max_txs: int = MAX_BLOCK_TXS
    max_bytes: int = MAX_BLOCK_BYTES


class LedgerApp:
    """Validate, propose and commit blocks for one node."""

    def __init__(
        self,
        executor: BlockExecutor,
        mempool: Mempool,
        *,
        key: SigningKey | None,
        limits: BlockLimits | None = None,
    ) -> None:
        self.executor = executor
        self.mempool = mempool
        self.key = key
        self.limits = limits or BlockLimits()
        self.listeners: list[CommitListener] = []
        self.evidence: dict[bytes, DuplicateVote] = {}
        self.gossip_evidence: Callable[[DuplicateVote], None] | None = None
        """Set by the node: sends new evidence to the peers."""
        self._committed: BlockResult | None = None
        """What :meth:`commit` wrote, for :meth:`committed`."""

    @property
    def height(self) -> int:
        """The latest committed height."""
        return self.executor.height

    @property
    def last_block_time(self) -> int:
        """BFT time of the latest block."""
        return self.executor.last_block_time

    def validators(self, height: int) -> ValidatorSet:
        """The set that votes at ``height`` (up to two heights past the latest)."""
        return self.executor.validators(height)

    def validate(self, block: Block) -> bool:
        """``apply_block`` on a snapshot; signatures the mempool checked are not checked again.

        The driver may call this from a worker thread: it only looks up single
        keys in the mempool's live view, which is safe while the loop adds to it.
        """
        return self.executor.validate(block, self.mempool.verified)

    def reap(self, height: int, allow_empty: bool) -> list[Tx] | None:
        """Pending txs (and evidence we hold) for a block; None if there are none yet.

        On the event loop: the mempool is the loop's.
        """
        if height != self.height + 1:
            return None
        txs = [
            *self._evidence_txs(height),
            *self.mempool.reap(self.limits.max_txs, self.limits.max_bytes),
        ]
        if not txs and not allow_empty:
            return None
        return txs[: self.limits.max_txs]

    def build(self, height: int, txs: Sequence[Tx]) -> Block:
        """Our block of ``txs``, executed on the latest state (a worker thread may call it)."""
        assert height == self.height + 1, (height, self.height)
        return self.executor.build(list(txs))

    def commit(self, block: Block, commit: Commit) -> None:
        """Write the decided block durably (a worker thread may call it); then :meth:`committed`.

        Like :meth:`validate`, it only looks up single keys in the mempool's live view.
        """
        self._committed = self.executor.commit(block, commit, self.mempool.verified)

    def committed(self, block: Block, commit: Commit) -> None:
        """On the loop, after :meth:`commit`: clear the block's txs from the pool, tell the
        listeners (API events, metrics, caches)."""
        result = self._committed
        assert result is not None, "commit first"
        assert result.block_hash == commit.block_hash, "commit first"
        self._committed = None
        self.mempool.on_commit(result.tx_hashes, block.header.height)
        for listener in self.listeners:
            listener(block, commit, result)

    def decided(self, height: int) -> tuple[Block, Commit] | None:
        """The stored block and commit of ``height``."""
        return self.executor.decided(height)

    def report_evidence(self, evidence: DuplicateVote, gossip: bool = True) -> None:
        """Keep evidence (from our core, or checked from a peer) to propose, and pass it on.

        Bounded, one per (validator, height, round, type).
        """
        vote = evidence.first
        key = evidence_key(vote.validator, vote.height, vote.round, vote.type)
        if key in self.evidence or len(self.evidence) >= MAX_PENDING_EVIDENCE:
            return
        self.evidence[key] = evidence
        if gossip and self.gossip_evidence is not None:
            self.gossip_evidence(evidence)

    def _evidence_txs(self, height: int) -> list[Tx]:
        if self.key is None or not self.evidence:
            return []
        chain = self.executor.chain
        with chain.view() as view:
            for key in [k for k in self.evidence if _recorded(view, k)]:
                del self.evidence[key]
        return [
            evidence_tx(
                self.key,
                chain.genesis.chain_id,
                evidence,
                os.urandom(16),
                height + EVIDENCE_EXPIRY_HEIGHTS,
            )
            for evidence in self.evidence.values()
        ]


def _recorded(view: ChainView, key: bytes) -> bool:
    return get_value(view.state, view.suite.hash_name, view.height, key) is not None
