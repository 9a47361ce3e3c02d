"""The ledger side of consensus: check proposed blocks, build our own, commit decided ones.

The consensus driver (and the simulator) answers the core's ``ValidateBlock``,
``BuildProposal`` and ``CommitBlock`` actions through one
:class:`BlockExecutor`. It keeps the result of each block it checked, so a
decided block is not executed twice, and of each block it built, so a
proposer does not run its own block again to vote for it or commit it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from govchain.execution.apply import NOTHING_VERIFIED, apply_block
from govchain.execution.propose import build_block
from govchain.execution.registry import Registry
from govchain.execution.view import BlockResult
from govchain.ledger import records
from govchain.ledger.chainstore import ChainStore
from govchain.types import Block, Commit, Tx, ValidatorSet
from govchain.types.errors import GovChainError

MAX_CACHED_RESULTS = 64
"""Results kept for blocks checked at the current height (proposals of many rounds)."""


class BlockExecutor:
    """Validate, build and commit blocks on one chain store."""

    def __init__(self, chain: ChainStore, registry: Registry, proposer: bytes | None) -> None:
        self.chain = chain
        self.registry = registry
        self.proposer = proposer
        self._results: dict[bytes, BlockResult] = {}
        self.last_refusal = ""
        """Why the last refused block was refused (for logs)."""

    @property
    def height(self) -> int:
        """The latest committed height."""
        return self.chain.height

    @property
    def last_block_time(self) -> int:
        """BFT time of the latest block (genesis time before block 1)."""
        with self.chain.view() as view:
            return view.last_time

    def validators(self, height: int) -> ValidatorSet:
        """The set that votes at ``height`` (up to two heights past the latest)."""
        return self.chain.validators(height)

    def validate(self, block: Block, verified: Mapping[bytes, bytes] = NOTHING_VERIFIED) -> bool:
        """Whether ``block`` extends the chain validly; ``verified``: signatures already checked."""
        if records.header_hash(self.chain.suite, block.header) in self._results:
            return True  # built or checked here at this height: same header, same result
        try:
            with self.chain.view() as view:
                result = apply_block(view, block, self.registry, verified)
        except GovChainError as exc:
            self.last_refusal = str(exc)
            return False
        self._keep(result)
        return True

    def _keep(self, result: BlockResult) -> None:
        if len(self._results) >= MAX_CACHED_RESULTS:
            self._results.pop(next(iter(self._results)))
        self._results[result.block_hash] = result

    def build(self, txs: Sequence[Tx]) -> Block:
        """Our proposal for the next height over ``txs`` (already admitted by the mempool)."""
        if self.proposer is None:
            raise ValueError("a node without a validator key does not propose")
        with self.chain.view() as view:
            last_commit = None if view.height == 0 else view.commit(view.height)
            block, result = build_block(
                view, txs, proposer=self.proposer, last_commit=last_commit, registry=self.registry
            )
        self._keep(result)
        return block

    def commit(
        self, block: Block, commit: Commit, verified: Mapping[bytes, bytes] = NOTHING_VERIFIED
    ) -> BlockResult:
        """Write a decided block; it is executed again only if it was never checked here."""
        block_hash = records.header_hash(self.chain.suite, block.header)
        result = self._results.get(block_hash)
        if result is None:
            with self.chain.view() as view:
                result = apply_block(view, block, self.registry, verified)
        self.chain.commit_block(block, commit, result)
        self._results.clear()
        return result

    def decided(self, height: int) -> tuple[Block, Commit] | None:
        """The committed block and commit certificate of ``height``, if we have them."""
        with self.chain.view() as view:
            if not 1 <= height <= view.height:
                return None
            return view.block(height), view.commit(height)
