"""A seeded, single-threaded cluster of real cores over a virtual network and clock.

Each node has a real ``Core``, a real chain store (in memory) and validates
and commits blocks with the real ``apply_block``. The network delivers
messages after a seeded random delay and may drop or duplicate them. The
same seed always gives the same run. Faults beyond these, Byzantine nodes
and the invariant checkers build on this (spec: docs/spec/consensus.md).
"""

from __future__ import annotations

import heapq
import random
from dataclasses import dataclass, field
from typing import Any

from govchain.consensus.core import Core
from govchain.consensus.events import (
    Action,
    BlockValidated,
    Broadcast,
    BuildProposal,
    CommitBlock,
    CoreConfig,
    DecisionReceived,
    Event,
    PersistWal,
    ProposalBlockReady,
    ProposalReceived,
    ResendDue,
    ScheduleResend,
    ScheduleTimeout,
    SendDecision,
    TimeoutFired,
    Timeouts,
    ValidateBlock,
    VoteReceived,
)
from govchain.consensus.messages import Decision, Message, ProposalMessage
from govchain.crypto import SigningKey, suite_for
from govchain.execution import (
    BlockResult,
    ContractError,
    Registry,
    TxContext,
    apply_block,
    propose_block,
)
from govchain.ledger import records
from govchain.ledger.chainstore import TABLES, ChainStore
from govchain.storage import MemoryStore
from govchain.types import Genesis, Tx, Validator, ValidatorSet, Vote
from govchain.types.errors import GovChainError

CHAIN_ID = "sim-chain"
GENESIS_TIME = 1_800_000_000_000


def _note(ctx: TxContext, tx: Tx) -> None:
    """The simulator's one contract, ``sim.note``: store ``value`` under ``key``."""
    key, value = tx.args.get("key"), tx.args.get("value")
    if not isinstance(key, bytes) or not isinstance(value, bytes):
        raise ContractError("sim.note needs bytes key and value")
    ctx.put(b"note/" + key, value)


def sim_registry() -> Registry:
    """The registry every simulated node runs."""
    registry = Registry()
    registry.register("sim.note", _note)
    return registry


@dataclass(frozen=True)
class NetworkFaults:
    """Per-message delivery faults (probabilities in parts per thousand)."""

    min_delay_ms: int = 1
    max_delay_ms: int = 50
    drop_per_mille: int = 0
    duplicate_per_mille: int = 0


@dataclass
class Node:
    """One validator: its core, its ledger, its WAL and what it has committed."""

    name: str
    key: SigningKey
    core: Core
    chain: ChainStore
    wal: list[Any] = field(default_factory=list)
    results: dict[bytes, BlockResult] = field(default_factory=dict)


@dataclass(order=True)
class _Pending:
    time: int
    seq: int
    node: int = field(compare=False)
    event: Event = field(compare=False)


class Cluster:
    """``n`` validators with equal power, driven by one seeded event queue."""

    def __init__(
        self,
        seed: int,
        validators: int = 4,
        faults: NetworkFaults | None = None,
        timeouts: Timeouts | None = None,
        suite_name: str = "intl",
    ) -> None:
        self.rng = random.Random(seed)
        self.suite = suite_for(suite_name)
        self.faults = faults or NetworkFaults()
        self.timeouts = timeouts or Timeouts(1000, 500, 500, 250, 500, 250)
        self.registry = sim_registry()
        keys = [self.suite.generate_key() for _ in range(validators)]
        members = sorted(
            (
                Validator(records.address_of(self.suite, k.public_key), k.public_key, 10, f"v{i}")
                for i, k in enumerate(keys)
            ),
            key=lambda v: v.address,
        )
        by_address = {records.address_of(self.suite, k.public_key): k for k in keys}
        self.genesis = Genesis(CHAIN_ID, suite_name, GENESIS_TIME, ValidatorSet(tuple(members)))
        self.nodes = [
            self._make_node(f"v{i}", by_address[m.address]) for i, m in enumerate(members)
        ]
        self.now = 0
        self._queue: list[_Pending] = []
        self._seq = 0
        self.timeouts_fired = 0
        self.messages_sent = 0

    def _make_node(self, name: str, key: SigningKey) -> Node:
        chain = ChainStore.create(MemoryStore(TABLES), self.genesis)
        config = CoreConfig(CHAIN_ID, self.suite, self.genesis.validators, key, self.timeouts)
        core = Core(config, 1, self.genesis.time)
        return Node(name, key, core, chain)

    # --- the event queue ---------------------------------------------------------

    def _push(self, delay: int, node: int, event: Event) -> None:
        self._seq += 1
        heapq.heappush(self._queue, _Pending(self.now + delay, self._seq, node, event))

    def start(self) -> None:
        """Start every node's first height."""
        for index, node in enumerate(self.nodes):
            self._perform(index, node.core.start(self._clock()))

    def _clock(self) -> int:
        return GENESIS_TIME + self.now

    def step(self) -> bool:
        """Deliver the next event; False when nothing is left."""
        if not self._queue:
            return False
        pending = heapq.heappop(self._queue)
        self.now = max(self.now, pending.time)
        if isinstance(pending.event, TimeoutFired):
            self.timeouts_fired += 1
        node = self.nodes[pending.node]
        self._perform(pending.node, node.core.handle(pending.event, self._clock()))
        return True

    def run_until_height(self, height: int, max_steps: int = 200_000) -> bool:
        """Run until every node has committed ``height``; False if the steps run out."""
        for _ in range(max_steps):
            if all(n.chain.height >= height for n in self.nodes):
                return True
            if not self.step():
                return False
        return False

    # --- performing actions -------------------------------------------------------

    def _perform(self, index: int, actions: list[Action]) -> None:
        for action in actions:
            self._perform_one(index, action)

    def _perform_one(self, index: int, action: Action) -> None:
        node = self.nodes[index]
        if isinstance(action, PersistWal):
            if action.reset:
                node.wal.clear()
            node.wal.append(action.record)
        elif isinstance(action, Broadcast):
            for other in range(len(self.nodes)):
                if other != index:
                    self._send(index, other, action.message)
        elif isinstance(action, ScheduleTimeout):
            event = TimeoutFired(action.height, action.round, action.step)
            self._push(action.delay_ms, index, event)
        elif isinstance(action, ScheduleResend):
            self._push(action.delay_ms, index, ResendDue(action.height))
        elif isinstance(action, ValidateBlock):
            self._push(0, index, self._validate(node, action))
        elif isinstance(action, BuildProposal):
            self._push(0, index, self._build(node, action))
        elif isinstance(action, CommitBlock):
            self._commit(node, action)
        elif isinstance(action, SendDecision):
            self._send_decision(index, action)

    def _send(self, sender: int, receiver: int, message: Message) -> None:
        faults = self.faults
        if self.rng.randrange(1000) < faults.drop_per_mille:
            return
        copies = 2 if self.rng.randrange(1000) < faults.duplicate_per_mille else 1
        peer = self.nodes[sender].name
        for _ in range(copies):
            delay = self.rng.randint(faults.min_delay_ms, faults.max_delay_ms)
            self.messages_sent += 1
            self._push(delay, receiver, _event_of(message, peer))

    def _send_decision(self, index: int, action: SendDecision) -> None:
        node = self.nodes[index]
        receiver = next(i for i, n in enumerate(self.nodes) if n.name == action.peer)
        with node.chain.view() as view:
            if action.height > view.height:
                return
            decision = Decision(view.block(action.height), view.commit(action.height))
        self._send(index, receiver, decision)

    def _validate(self, node: Node, action: ValidateBlock) -> BlockValidated:
        block_hash = records.header_hash(self.suite, action.block.header)
        try:
            with node.chain.view() as view:
                node.results[block_hash] = apply_block(view, action.block, self.registry)
        except GovChainError:
            return BlockValidated(block_hash, False)
        return BlockValidated(block_hash, True)

    def _build(self, node: Node, action: BuildProposal) -> ProposalBlockReady:
        tx = records.sign_tx(
            node.key,
            Tx(
                CHAIN_ID,
                "sim.note",
                {"key": self.rng.randbytes(4), "value": self.rng.randbytes(8)},
                "key",
                node.key.public_key,
                self.rng.randbytes(16),
                action.height + 100,
            ),
        )
        with node.chain.view() as view:
            last_commit = None if view.height == 0 else view.commit(view.height)
            address = records.address_of(self.suite, node.key.public_key)
            block = propose_block(
                view, [tx], proposer=address, last_commit=last_commit, registry=self.registry
            )
        return ProposalBlockReady(action.height, action.round, block)

    def _commit(self, node: Node, action: CommitBlock) -> None:
        block_hash = records.header_hash(self.suite, action.block.header)
        result = node.results.pop(block_hash, None)
        with node.chain.view() as view:
            if result is None:
                result = apply_block(view, action.block, self.registry)
        node.chain.commit_block(action.block, action.commit, result)
        node.results.clear()


def _event_of(message: Message, peer: str) -> Event:
    if isinstance(message, Vote):
        return VoteReceived(message, peer)
    if isinstance(message, ProposalMessage):
        return ProposalReceived(message, peer)
    return DecisionReceived(message, peer)
