"""The simulated world: node instances, the network, the adversary, faults and the checker.

Single-threaded and seeded: the same seed and plan always give the same run.
Each node has a real ``Core``, a real chain store (in memory) and executes
blocks with the real ``apply_block``. Every action a core returns is
performed here as a node would: WAL records first, then messages.
"""

from __future__ import annotations

import random
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

from govchain.consensus.events import (
    Action,
    BlockValidated,
    Broadcast,
    BuildProposal,
    CommitBlock,
    CoreConfig,
    Event,
    PersistWal,
    ProposalBlockReady,
    Refused,
    ReportEvidence,
    ResendDue,
    ScheduleResend,
    ScheduleTimeout,
    SendDecision,
    SendTo,
    TimeoutFired,
    Timeouts,
    ValidateBlock,
)
from govchain.consensus.evidence import DuplicateVote
from govchain.consensus.messages import Decision, Message, ProposalMessage
from govchain.consensus.resend import MAX_DECISIONS_AHEAD
from govchain.consensus.transport import event_of
from govchain.consensus.wire import decode_message
from govchain.contracts.evidence import EVIDENCE_EVENT
from govchain.crypto import SigningKey
from govchain.ledger import records
from govchain.ledger.chainstore import TABLES, ChainStore
from govchain.sim.byzantine import AMNESIA, TWINS, Adversary
from govchain.sim.fault_windows import WORLD, FaultWindows
from govchain.sim.faults import (
    CRASH,
    HEALED,
    FaultWindow,
)
from govchain.sim.governed import governed_genesis, governed_registry, governed_state
from govchain.sim.invariants import Checker
from govchain.sim.memo_suite import MemoVerifySuite
from govchain.sim.network import Delivery, LinkFaults, Local, SimNetwork
from govchain.sim.node import SimNode, seeded_key, sim_registry
from govchain.sim.set_changes import VALIDATORS_CHANGED_EVENT, SetChanges, SyncRequest
from govchain.sim.set_schedule import (
    SetChangeOptions,
    initial_state,
    register_set_changes,
    schedule_for_run,
)
from govchain.sim.targeted import SplitLock
from govchain.sim.trace import Trace
from govchain.storage import MemoryStore
from govchain.types import Genesis, Tx, Validator, ValidatorSet, Vote
from govchain.types.errors import GovChainError

CHAIN_ID = "sim-chain"
GENESIS_TIME = 1_800_000_000_000
POWER = 10
SIM_TIMEOUTS = Timeouts(1000, 500, 500, 250, 500, 250, resend=1000)


@dataclass(frozen=True)
class Roles:
    """Which validators are Byzantine and how (validator index -> behaviours)."""

    byzantine: dict[int, tuple[str, ...]]


class Cluster(FaultWindows):
    """``validators`` validators with equal power, driven by one seeded queue."""

    def __init__(
        self,
        seed: int,
        validators: int = 4,
        *,
        roles: Roles | None = None,
        plan: Sequence[FaultWindow] = (),
        links: LinkFaults | None = None,
        mutant: str | None = None,
        timeouts: Timeouts = SIM_TIMEOUTS,
        build_delay_ms: tuple[int, int] = (0, 0),
        trace: bool = False,
        governed: bool = False,
        set_changes: SetChangeOptions | None = None,
    ) -> None:
        streams = {
            name: random.Random(f"{seed}/{name}")
            for name in ("keys", "net", "adv", "txs", "targeted")
        }
        self.rng = streams["txs"]
        self.suite = MemoVerifySuite()  # the same answers as suite_for("intl"), remembered
        self.roles = roles or Roles({})
        self.plan = tuple(plan)
        self.build_delay_ms = build_delay_ms
        self.network = SimNetwork(streams["net"], links or LinkFaults())
        self.trace = Trace(enabled=trace)
        keys = [seeded_key(streams["keys"]) for _ in range(validators)]
        members = sorted(
            (
                Validator(records.address_of(self.suite, k.public_key), k.public_key, POWER, "")
                for k in keys
            ),
            key=lambda v: v.address,
        )
        by_address = {records.address_of(self.suite, k.public_key): k for k in keys}
        self.genesis = Genesis(CHAIN_ID, "intl", GENESIS_TIME, ValidatorSet(tuple(members)))
        self.governed = governed
        self.stranger: SigningKey | None = None
        """With ``governed``: the unregistered key whose txs Byzantine proposers send."""
        if governed:
            self.genesis = governed_genesis(self.genesis, streams["keys"])
            self.stranger = seeded_key(streams["keys"])
        spares = [
            seeded_key(streams["keys"]) for _ in range(set_changes.spares if set_changes else 0)
        ]
        honest = frozenset(
            m.address for i, m in enumerate(members) if i not in self.roles.byzantine
        ) | frozenset(records.address_of(self.suite, k.public_key) for k in spares)
        self.checker = Checker(honest)
        self.set_changes: SetChanges | None = None
        """With ``set_changes``: the schedule of validator-set changes at work."""
        if set_changes is not None:
            schedule = schedule_for_run(
                seed,
                set_changes,
                self.genesis.validators,
                sorted(self.roles.byzantine),
                [k.public_key for k in spares],
                self.suite,
            )
            self.set_changes = SetChanges(
                schedule,
                self.genesis.validators,
                CHAIN_ID,
                lambda: self.now,
                self.checker,
                self.network,
            )
        self.adversary = Adversary(
            streams["adv"],
            self.suite,
            CHAIN_ID,
            tuple(m.address for m in members),
            self.checker,
            self.network,
        )
        self.nodes: list[SimNode] = []
        for i, member in enumerate(members):
            behaviours = self.roles.byzantine.get(i)
            key = by_address[member.address]
            if behaviours is None:
                core_mutant = mutant
            else:  # a Byzantine core may forget its lock; it never runs the mutant under test
                core_mutant = "ignore-lock" if AMNESIA in behaviours else None
            self._add_node(f"v{i}", key, behaviours, core_mutant, timeouts)
        for i, behaviours in sorted(self.roles.byzantine.items()):
            if TWINS in behaviours:
                self._add_node(f"v{i}'", by_address[members[i].address], (), None, timeouts)
        for j, key in enumerate(spares):
            self._add_node(f"s{j}", key, None, mutant, timeouts)
        if self.set_changes is not None:
            self.set_changes.follow(self.nodes, members)
        self.counts: Counter[str] = Counter()
        self._by_name = {node.name: node for node in self.nodes}
        self._active: list[FaultWindow] = []
        self._evidence_heights: set[int] = set()
        self._cut: FaultWindow | None = None
        self.split_lock = SplitLock(
            streams["targeted"],
            self.nodes,
            self.network,
            self.suite,
            self._validators_at,
            self._targeted_cut,
            self.counts,
            self.trace.world,
        )
        self.adversary.steering = self.split_lock

    def _add_node(
        self,
        name: str,
        key: SigningKey,
        behaviours: tuple[str, ...] | None,
        mutant: str | None,
        timeouts: Timeouts,
    ) -> None:
        initial = governed_state(self.genesis, self.suite) if self.governed else {}
        if self.set_changes is not None:
            initial = {**initial_state(self.genesis.validators), **initial}
        chain = ChainStore.create(MemoryStore(TABLES), self.genesis, initial)
        # the block checks (a commit certificate's votes, each checked by every node) share
        # the cluster's memory of signature checks: the same answers as suite_for("intl")
        chain.suite = self.suite
        contracts = (
            governed_registry(self.suite, self.genesis, chain.validators)
            if self.governed
            else sim_registry(self.suite, chain.validators)
        )
        if self.set_changes is not None:
            register_set_changes(contracts, self.suite)
        config = CoreConfig(CHAIN_ID, self.suite, self.genesis.validators, key, timeouts, mutant)
        node = SimNode(
            index=len(self.nodes),
            name=name,
            key=key,
            address=records.address_of(self.suite, key.public_key),
            honest=behaviours is None,
            behaviours=behaviours or (),
            config=config,
            chain=chain,
            registry=contracts,
            make_tx=self._make_tx,
            tx_key=None if behaviours is None else self.stranger,
            on_built=self.checker.valid_blocks.add,
            clock_skew_ms=self.rng.randint(-300, 300),
        )
        self.nodes.append(node)

    # --- running -------------------------------------------------------------------

    @property
    def now(self) -> int:
        """Virtual milliseconds since the start."""
        return self.network.now

    @property
    def honest_nodes(self) -> list[SimNode]:
        """The instances whose behaviour the invariants judge."""
        return [n for n in self.nodes if n.honest]

    def start(self) -> None:
        """Start every node and schedule the fault plan."""
        for window in self.plan:
            if window.kind == CRASH and window.node >= len(self.nodes):
                continue  # a twin that a shrunk run no longer has
            self.network.schedule(window.start_ms, WORLD, ("start", window))
            self.network.schedule(window.end_ms, WORLD, ("end", window))
        for node in self.nodes:
            self._perform(node, node.boot(self._clock(node)))

    def heal(self) -> None:
        """End the fault phase: every window over, links good, every node up."""
        for window in list(self._active):
            self._end(window)
        self.network.faults = HEALED
        self.trace.world(self.now, "network healed")

    def step(self) -> bool:
        """Process the next queued entry; False when nothing is left."""
        popped = self.network.pop()
        if popped is None:
            return False
        target, item = popped
        if target == WORLD:
            what, window = item
            (self._start if what == "start" else self._end)(window)
            return True
        node = self.nodes[target]
        event = self._event_for(node, item)
        if event is None or node.core is None:
            return True
        if isinstance(event, TimeoutFired):
            self.counts["timeouts_fired"] += 1
        self.trace.event(self.now, node.name, event)
        try:
            actions = node.core.handle(event, self._clock(node))
        except Exception as exc:  # a core must never raise, whatever it is sent
            self.checker.on_exception(self.now, node.name, node.core.height, exc)
            return True
        self._perform(node, actions)
        return True

    def run_until_height(self, height: int, max_steps: int = 200_000) -> bool:
        """Run until every node has committed ``height``; False if the steps run out."""
        for _ in range(max_steps):
            if all(n.chain.height >= height for n in self.nodes):
                return True
            if not self.step():
                return False
        return False

    def _clock(self, node: SimNode) -> int:
        return GENESIS_TIME + self.now + node.clock_skew_ms

    def _event_for(self, node: SimNode, item: object) -> Event | None:
        if isinstance(item, Local):
            return item.event if item.incarnation == node.incarnation else None
        assert isinstance(item, Delivery)
        if node.core is None:
            self.counts["lost_while_down"] += 1
            return None
        payload = item.payload
        if isinstance(payload, DuplicateVote):
            node.add_evidence(payload)
            return None
        if isinstance(payload, bytes):
            try:
                payload = decode_message(payload)
            except GovChainError:
                self.counts["garbage_refused"] += 1
                return None
        if isinstance(payload, SyncRequest):
            self._answer_sync(node, payload)
            return None
        if self.set_changes is not None and node.honest:
            self.set_changes.on_heard(node, payload, self._by_name.get(item.peer))
        if not node.honest and not self.adversary.hears(node, payload):
            return None
        if not isinstance(payload, (Vote, ProposalMessage, Decision)):
            return None
        return event_of(payload, item.peer)

    def _answer_sync(self, node: SimNode, request: SyncRequest) -> None:
        """Block sync, in short: send a follower the decided blocks it asked for."""
        count = min(MAX_DECISIONS_AHEAD, node.chain.height - request.height + 1)
        if count > 0:
            self._send_decisions(node, SendDecision(request.peer, request.height, count))

    # --- faults ----------------------------------------------------------------------

    def _validators_at(self, height: int) -> ValidatorSet:
        """The set of ``height`` as the honest chains know it (the genesis set without set
        changes, or before any honest chain knows it)."""
        if self.set_changes is None:
            return self.genesis.validators
        return self.set_changes.validators(height) or self.genesis.validators

    @property
    def names(self) -> list[str]:
        """Node instance names by index."""
        return [n.name for n in self.nodes]

    # --- performing actions --------------------------------------------------------------

    def _perform(self, node: SimNode, actions: list[Action]) -> None:
        limit = len(actions) if node.crash_after is None else min(node.crash_after, len(actions))
        for action in actions[:limit]:
            self._perform_one(node, action)
            if node.core is None:
                return
        if node.crash_after is not None:
            self._crash(node)

    def _perform_one(self, node: SimNode, action: Action) -> None:
        if isinstance(action, PersistWal):
            if action.reset:
                node.wal.clear()
            node.wal.append(action.record)
        elif isinstance(action, Broadcast):
            self._broadcast(node, action.message)
        elif isinstance(action, ScheduleTimeout):
            event = TimeoutFired(action.height, action.round, action.step)
            self.network.schedule(action.delay_ms, node.index, Local(node.incarnation, event))
        elif isinstance(action, ScheduleResend):
            event_r = ResendDue(action.height)
            self.network.schedule(action.delay_ms, node.index, Local(node.incarnation, event_r))
        elif isinstance(action, ValidateBlock):
            self._validate(node, action)
        elif isinstance(action, BuildProposal):
            self._build(node, action)
        elif isinstance(action, CommitBlock):
            self._commit(node, action)
        elif isinstance(action, SendTo):
            self._send_to(node, action)
        elif isinstance(action, SendDecision):
            self._send_decisions(node, action)
        elif isinstance(action, ReportEvidence):
            self.counts["evidence_reported"] += 1
            node.add_evidence(action.evidence)
            for other in self.nodes:
                if other is not node:
                    self.network.send(node.index, other.index, node.name, action.evidence)
        elif isinstance(action, Refused):
            self.counts["refused"] += 1

    def _broadcast(self, node: SimNode, message: Message) -> None:
        receivers = [n.index for n in self.nodes if n is not node]
        self.checker.on_sent(self.now, node.name, message)
        if self.set_changes is not None:
            self.set_changes.on_sent(node, message)
        if not node.honest:
            self.adversary.broadcast(node, message, receivers)
            return
        for receiver in receivers:
            self.network.send(node.index, receiver, node.name, message)

    def _validate(self, node: SimNode, action: ValidateBlock) -> None:
        assert node.executor is not None
        ok = node.executor.validate(action.block)
        block_hash = records.header_hash(self.suite, action.block.header)
        delay = self.network.rng.randint(0, 3)
        self.network.schedule(
            delay, node.index, Local(node.incarnation, BlockValidated(block_hash, ok))
        )

    def _build(self, node: SimNode, action: BuildProposal) -> None:
        try:
            block = node.build_block(action.height)
        except GovChainError as exc:  # an honest node's own chain refuses what it built on
            self.checker.on_exception(self.now, node.name, action.height, exc)
            return
        if block is None:
            return
        ready = ProposalBlockReady(action.height, action.round, block)
        delay = self.rng.randint(*self.build_delay_ms)  # txs trickle in, as from a mempool
        self.network.schedule(delay, node.index, Local(node.incarnation, ready))

    def _commit(self, node: SimNode, action: CommitBlock) -> None:
        assert node.executor is not None
        block = action.block
        block_hash = records.header_hash(self.suite, block.header)
        validators = node.chain.validators(block.header.height)
        if node.honest:
            first = block.header.height not in self.checker.decided
            self.checker.on_commit(self.now, node.name, block, block_hash)
            self.checker.on_certificate(
                self.now, node.name, self.suite, action.commit, validators, block, block_hash
            )
            if first and self._others_did_not_prevote(node, action):
                self._isolate_first_committer(node)
            self.split_lock.committed(node, block.header.height, action.commit.round, block_hash)
        self.trace.world(
            self.now,
            f"{node.name} commits h{block.header.height} {block_hash.hex()[:8]} "
            f"(round {action.commit.round})",
            block.header.height,
        )
        try:
            result = node.executor.commit(block, action.commit)
        except GovChainError as exc:
            self.checker.on_exception(self.now, node.name, block.header.height, exc)
            return
        height = block.header.height
        if node.honest and self.set_changes is not None:
            changed = sum(1 for e in result.events if e.type == VALIDATORS_CHANGED_EVENT)
            self.set_changes.on_commit(block, action.commit, validators, changed)
        if node.honest and height not in self._evidence_heights:
            self._evidence_heights.add(height)
            self.counts["evidence_committed"] += sum(
                1 for e in result.events if e.type == EVIDENCE_EVENT
            )

    def _send_to(self, node: SimNode, action: SendTo) -> None:
        receiver = self._by_name.get(action.peer)
        if receiver is None:
            return
        self.checker.on_sent(self.now, node.name, action.message)
        if node.honest:
            self.network.send(node.index, receiver.index, node.name, action.message)
        else:
            self.adversary.broadcast(node, action.message, [receiver.index])

    def _send_decisions(self, node: SimNode, action: SendDecision) -> None:
        assert node.executor is not None
        receiver = self._by_name.get(action.peer)
        if receiver is None:
            return
        for height in range(action.height, action.height + action.count):
            decided = node.executor.decided(height)
            if decided is None:
                return
            decision = Decision(*decided)
            if node.honest:
                self.network.send(node.index, receiver.index, node.name, decision)
            else:
                self.adversary.broadcast(node, decision, [receiver.index])

    def _make_tx(self, key: SigningKey, height: int) -> Tx:
        unsigned = Tx(
            CHAIN_ID,
            "sim.note",
            {"key": self.rng.randbytes(4), "value": self.rng.randbytes(8)},
            "key",
            key.public_key,
            self.rng.randbytes(16),
            height + 100,
        )
        return records.sign_tx(key, unsigned)
