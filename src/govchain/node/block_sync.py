"""Block sync: a node that is behind fetches decided blocks from a peer and checks every one.

Each block must come with a commit certificate of 2/3+ of the validators'
power for its hash, and must pass ``apply_block`` on top of this node's chain
(header links, last commit, roots, signatures), before it is written. A peer
that sends anything else is logged and the batch stops there; nothing
unchecked is ever written. Only what a peer can cause is refused that way:
a checked block that this node cannot write (a full disk, a store error) is
its own failure and is raised, so the node stops with it (issue 13 item 1)
rather than keep running without syncing.

Full nodes follow the chain this way all the time. A validator syncs before
it joins consensus; from then on its consensus core commits every block, and
block sync only fetches (``hand_to``): when a peer is ahead, at most once a
second, the decided blocks it sends go to the core as decisions, which checks
each commit against its height's set and commits it in order. A member's
core also learns it is behind from its own votes' answers; a core outside
its height's set (a validator added or removed by vote) sends nothing, so
without this it would never hear that it fell behind, even by one height
while the others wait for its vote at its boundary (docs/spec/consensus.md,
"Validator-set changes").
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from typing import Protocol

from govchain.ledger import records
from govchain.ledger.chainstore import ChainStore
from govchain.ledger.commits import verify_commit
from govchain.network import MAX_BLOCKS_PER_REQUEST
from govchain.types import Block, Commit, Genesis
from govchain.types.errors import (
    CryptoError,
    InvalidBlock,
    InvalidCommitError,
    ValidationError,
)

logger = logging.getLogger("govchain.sync")

PEER_FAULTS = (ValidationError, CryptoError, InvalidCommitError, InvalidBlock)
"""What a peer's blocks can be refused with; any other error is this node's own."""

TICK_S = 0.3
REQUEST_TIMEOUT_S = 3.0
HANDED_INTERVAL_S = 1.0
"""While blocks go to the consensus core, ask at most this often: a member's core is often
one height behind for a moment, and its votes get it what it misses anyway."""
HANDED_PER_REQUEST = 16
"""Blocks asked for at once while they go to the core (the decisions ahead it keeps)."""

HandTo = Callable[[str, Block, Commit], None]
"""Where fetched blocks go instead of being applied: the consensus core, as decisions."""


class BlockSource(Protocol):
    """What sync needs of the network."""

    peer_heights: dict[str, int]

    def request_blocks(self, peer: str, from_height: int, count: int) -> bool:
        """Ask ``peer`` for up to ``count`` blocks from ``from_height``."""
        ...


class BlockSink(Protocol):
    """What sync needs of the ledger app."""

    def validate(self, block: Block) -> bool:
        """``apply_block`` on the current chain."""
        ...

    def commit(self, block: Block, commit: Commit) -> None:
        """Write a decided block."""
        ...

    def committed(self, block: Block, commit: Commit) -> None:
        """After :meth:`commit`: forget the block's txs, tell whoever listens."""
        ...


class BlockSync:
    """Fetch, check and apply blocks while this node follows rather than votes."""

    def __init__(
        self, chain: ChainStore, app: BlockSink, network: BlockSource, genesis: Genesis
    ) -> None:
        self.chain = chain
        self.app = app
        self.network = network
        self.genesis = genesis
        self.following = True
        self.hand_to: HandTo | None = None
        """Set once consensus runs: fetched blocks go to its core, which commits them."""
        self.refused = 0
        self._asked_at: float | None = None
        self._last_request = float("-inf")

    @property
    def best_peer_height(self) -> int:
        """The highest height a peer has reported."""
        return max(self.network.peer_heights.values(), default=0)

    @property
    def syncing(self) -> bool:
        """Whether a peer is ahead of this node."""
        return self.best_peer_height > self.chain.height

    async def run(self) -> None:
        """Ask for blocks whenever a peer is ahead (runs until cancelled)."""
        while True:
            self.tick()
            await asyncio.sleep(TICK_S)

    async def catch_up(self, wait_s: float) -> None:
        """Follow until no peer is ahead, hearing from peers for up to ``wait_s`` first."""
        deadline = time.monotonic() + wait_s
        while time.monotonic() < deadline and not self.network.peer_heights:
            await asyncio.sleep(TICK_S)
        while self.syncing:
            self.tick()
            await asyncio.sleep(TICK_S / 3)

    def tick(self) -> None:
        """Request the next blocks from the peer furthest ahead, one request at a time."""
        handing = self.hand_to is not None
        height = self.chain.height
        if not self.following or not self.syncing:
            return
        now = time.monotonic()
        if self._asked_at is not None and now - self._asked_at < REQUEST_TIMEOUT_S:
            return
        if handing and now - self._last_request < HANDED_INTERVAL_S:
            return
        heights = self.network.peer_heights
        peer = max(sorted(heights), key=lambda name: heights[name])
        most = HANDED_PER_REQUEST if handing else MAX_BLOCKS_PER_REQUEST
        count = min(most, heights[peer] - height)
        if self.network.request_blocks(peer, height + 1, count):
            self._asked_at = self._last_request = now

    def on_blocks(self, peer: str, pairs: list[tuple[bytes, bytes]]) -> None:
        """Check and apply the blocks ``peer`` sent, in order; stop at the first bad one.

        Raises what writing a checked block raises (``StorageError``, ``OSError``):
        the node's own failure, never the peer's.
        """
        self._asked_at = None
        if not self.following:
            return
        if self.hand_to is not None:
            self._hand(peer, pairs, self.hand_to)
            return
        for block_bytes, commit_bytes in pairs:
            try:
                block = records.decode_block(block_bytes)
                commit = records.decode_commit(commit_bytes)
                if block.header.height != self.chain.height + 1:
                    continue  # an old or overlapping answer
                self._check(block, commit)
            except PEER_FAULTS as exc:
                self.refused += 1
                logger.warning("block from %s refused: %s", peer, exc)
                return
            self.app.commit(block, commit)  # outside the try: a failed write is ours
            self.app.committed(block, commit)
        self.tick()

    def _hand(self, peer: str, pairs: list[tuple[bytes, bytes]], hand_to: HandTo) -> None:
        """Give the core the blocks above our height, in order; it checks and commits them."""
        for block_bytes, commit_bytes in pairs:
            try:
                block = records.decode_block(block_bytes)
                commit = records.decode_commit(commit_bytes)
            except PEER_FAULTS as exc:
                self.refused += 1
                logger.warning("block from %s refused: %s", peer, exc)
                return
            if block.header.height > self.chain.height:
                hand_to(peer, block, commit)

    def _check(self, block: Block, commit: Commit) -> None:
        height = block.header.height
        verify_commit(
            self.chain.suite,
            commit,
            self.chain.validators(height),
            chain_id=self.genesis.chain_id,
            height=height,
            block_hash=records.header_hash(self.chain.suite, block.header),
        )
        if not self.app.validate(block):
            raise InvalidBlock(f"block {height} does not apply on this chain")
