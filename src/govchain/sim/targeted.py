"""Targeted, Twins-style schedules: the Byzantine validators split the honest ones around a lock.

Random plans break a faulty lock rule rarely: it takes a Byzantine proposer
that shows its proposal to some validators only, a polka that one part sees
and the rest does not, a committer cut off at the right moment and another
value driven in a later round. A ``split-lock`` window (``sim.faults``)
arranges that on purpose, within the model: at most f validators are
Byzantine and sign what they like, honest validators run the real core, and
the network only delays and drops (partitions).

While a window lasts, the next proposal a Byzantine validator makes, at a
height ``h`` and round ``r`` where enough honest validators are, arms an
attack (:class:`SplitLock`). It divides the honest validators into

- one *committer*: gets the proposal ``X``, the polka and 2/3+ precommits
  for ``X``, so it commits ``X``;
- *lockers*, just enough for that quorum: get the proposal and the polka,
  so they lock on ``X`` and precommit it, but get nil precommits from the
  Byzantine validators, so they do not commit;
- *outsiders*, the rest (with the proposer of ``r + 1`` if it is honest):
  get neither the proposal nor the Byzantine prevotes, so they stay free.

The Byzantine validators withhold everything else of height ``h`` and do not
listen to the precommits of ``(h, r)``, so they stay at ``h``. When an honest
node commits ``X`` in round ``r``, every honest node that has committed ``h``
is cut off from the others for the window's ``hold_ms``, and the Byzantine
validators back, for the lockers and outsiders, any value but ``X`` in later
rounds: a fresh block when they propose, their own votes, and votes forged in
every other validator's name. Correct cores refuse it all (a locker prevotes
nil, a forged signature fails, the outsiders with the Byzantine validators
hold less than a quorum); a core that ignores its lock, counts half a quorum
or skips signature checks commits another value than ``X``, which the
agreement check catches. The roles are chosen by voting power from the set
of height ``h`` (``validators_at``), so other sets and other mutants reuse it.
"""

from __future__ import annotations

import dataclasses
import random
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from govchain.consensus.messages import Decision, Message, ProposalMessage
from govchain.consensus.proposer import ProposerSchedule
from govchain.crypto import CryptoSuite
from govchain.sim.byzantine import FaultyNode, Sends, fresh_proposal, sign_vote
from govchain.sim.faults import SPLIT_LOCK, FaultWindow
from govchain.sim.network import SimNetwork
from govchain.sim.node import SimNode
from govchain.types import ValidatorSet, Vote, VoteType

Groups = tuple[tuple[int, ...], ...]
CutNodes = Callable[[Groups, int], None]
"""``cut(groups, until_ms)``: partition ``groups`` until then; empty ``groups`` ends the cut."""
TraceLine = Callable[[int, str, int], None]
"""``trace(now_ms, text, height)``: a world line for the run's trace."""

ARMED = "split_lock_armed"
CUT = "split_lock_cut"


@dataclass
class _Attack:
    """One split around a lock at ``(height, round)`` on ``value``."""

    height: int
    round: int
    value: bytes
    committers: frozenset[int]
    lockers: frozenset[int]
    outsiders: frozenset[int]
    decided: set[int] = field(default_factory=set)
    """Honest nodes that have committed ``height``."""
    cut_until: int | None = None
    """The end of phase 2 (committers cut off); None before."""
    over: bool = False
    fresh: dict[int, bytes] = field(default_factory=dict)
    """Round -> the fresh block a Byzantine proposer put in place of ``value``."""
    plans: dict[tuple[int, int, int], Sends] = field(default_factory=dict)
    """(node, round, step) -> what that Byzantine node sends, decided once."""


class SplitLock:
    """The ``split-lock`` adversary: steers the Byzantine nodes while its windows last."""

    def __init__(
        self,
        rng: random.Random,
        nodes: Sequence[SimNode],
        network: SimNetwork,
        suite: CryptoSuite,
        validators_at: Callable[[int], ValidatorSet],
        cut: CutNodes,
        counts: Counter[str],
        trace: TraceLine,
    ) -> None:
        self.rng = rng
        self.nodes = nodes
        self.network = network
        self.suite = suite
        self.validators_at = validators_at
        self.cut = cut
        self.counts = counts
        self.trace = trace
        self.windows: list[FaultWindow] = []
        self.attack: _Attack | None = None

    # --- windows and commits (called by the cluster) -------------------------------

    def window_started(self, window: FaultWindow) -> None:
        """A ``split-lock`` window begins: the next Byzantine proposal may arm an attack."""
        assert window.kind == SPLIT_LOCK
        self.windows.append(window)

    def window_ended(self, window: FaultWindow) -> None:
        """A window ends; with the last one, any attack is over and its cut ends."""
        if window in self.windows:
            self.windows.remove(window)
        if not self.windows and self.attack is not None:
            self._finish(self.attack)

    def committed(self, node: SimNode, height: int, round_: int, block_hash: bytes) -> None:
        """Honest ``node`` committed ``block_hash`` at ``height`` in ``round_``."""
        attack = self._live()
        if attack is None or height != attack.height:
            return
        attack.decided.add(node.index)
        first = attack.cut_until is None
        if first and (round_ != attack.round or block_hash != attack.value):
            self._finish(attack)  # the split did not hold: nothing to drive against
            return
        undecided = [n.index for n in self._honest() if n.index not in attack.decided]
        if not undecided:
            self._finish(attack)
            return
        if first:
            self.counts[CUT] += 1
            hold = max(w.hold_ms for w in self.windows)
            end = min(w.end_ms for w in self.windows)
            attack.cut_until = min(self.network.now + hold, max(end, self.network.now))
        assert attack.cut_until is not None
        decided = tuple(sorted(attack.decided))
        rest = tuple(n.index for n in self.nodes if n.index not in attack.decided)
        self.cut((decided, rest), attack.cut_until)

    # --- the Steering protocol (called by the adversary) ----------------------------

    def hears(self, node: FaultyNode, message: object) -> bool:
        """Whether Byzantine ``node`` lets ``message`` reach its core.

        During an attack its core ignores the precommits of the attacked round
        and the decisions of its height, so it stays at that height. In phase 2
        a proposal of a later round for another value than ``X`` is backed at
        once, whatever round the core is in (it may be stuck in the attacked
        round, short of the precommits it ignores).
        """
        attack = self._live()
        if attack is None or not self._is_original(node):
            return True
        if isinstance(message, Decision):
            return message.commit.height != attack.height
        if isinstance(message, Vote) and message.type is VoteType.PRECOMMIT:
            return (message.height, message.round) != (attack.height, attack.round)
        if isinstance(message, ProposalMessage) and attack.cut_until is not None:
            self._back_at_once(attack, node, message)
        return True

    def steer(self, node: FaultyNode, message: Message, receivers: list[int]) -> Sends | None:
        """The attack's plan for what ``node`` sends, or None to leave it to the behaviours."""
        attack = self._live()
        height = _height_of(message)
        last = self.attack
        if (
            isinstance(message, ProposalMessage)
            and self._signed_by(node, message)
            and (last is None or height > last.height)
            and (attack is None or attack.cut_until is None)
        ):
            attack = self._arm(node, message) or attack
        if attack is None or height != attack.height:
            return None
        if not self._is_original(node) or not self._signed_by(node, message):
            return []  # a twin, a relay or a decision: nothing else of this height leaves
        plan = self._stance(attack, node, message)
        return [([r for r in told if r in receivers], payload) for told, payload in plan]

    # --- arming ----------------------------------------------------------------------

    def _arm(self, node: FaultyNode, message: ProposalMessage) -> _Attack | None:
        """Choose the roles for an attack on ``message``'s slot, if the power allows it."""
        if not self.windows or not self._is_original(node):
            return None
        proposal = message.proposal
        h, r = proposal.height, proposal.round
        vset = self.validators_at(h)
        byzantine = [n for n in self._originals() if vset.get(n.address) is not None]
        honest = [n for n in self._honest() if vset.get(n.address) is not None]
        next_proposer = ProposerSchedule(vset).proposer(h, r + 1)
        if any(n.address == next_proposer for n in byzantine):
            return None  # an honest proposer must start the next round, whatever ours do
        ready = [
            n
            for n in honest
            if n.core is not None and n.core.height == h and n.address != next_proposer
        ]
        self.rng.shuffle(ready)
        quorum = vset.quorum()
        chosen: list[SimNode] = []
        for candidate in ready:  # a committer, then lockers until X has its quorum
            chosen.append(candidate)
            if _power(vset, [*byzantine, *chosen]) >= quorum:
                break
        else:
            return None
        committer, lockers = chosen[0], chosen[1:]
        outsiders = [n for n in honest if n not in chosen]
        if _power(vset, [*byzantine, *lockers, *outsiders]) < quorum:
            return None  # even a core without a lock rule could not commit another value
        self.counts[ARMED] += 1
        attack = _Attack(
            h,
            r,
            proposal.block_hash,
            frozenset({committer.index}),
            frozenset(n.index for n in lockers),
            frozenset(n.index for n in outsiders),
        )
        attack.plans[(node.index, r, 0)] = [(self._told(attack, node), message)]
        self.attack = attack

        def names(group: Sequence[SimNode]) -> str:
            return ",".join(n.name for n in group) or "none"

        self.trace(
            self.network.now,
            f"split-lock on {node.name}'s proposal h{h} r{r} {proposal.block_hash.hex()[:8]}: "
            f"committer {committer.name}, lockers {names(lockers)}, outsiders {names(outsiders)}",
            h,
        )
        return attack

    # --- what a Byzantine node sends ----------------------------------------------------

    def _stance(self, attack: _Attack, node: FaultyNode, message: Message) -> Sends:
        if isinstance(message, ProposalMessage):
            r, step = message.proposal.round, 0
        else:
            assert isinstance(message, Vote)
            r, step = message.round, int(message.type)
        key = (node.index, r, step)
        if key in attack.plans:
            return attack.plans[key]
        if r == attack.round and isinstance(message, Vote):
            attack.plans[key] = self._split_votes(attack, node, message)
        elif r > attack.round and attack.cut_until is not None:
            if isinstance(message, ProposalMessage):
                attack.plans[key] = self._another_proposal(attack, node, message)
            else:
                assert isinstance(message, Vote)
                value = self._another_value(attack, node, message)
                return self._back(attack, node, dataclasses.replace(message, block_hash=value))
        else:
            return []  # before the committer decides, later rounds get nothing (not cached)
        return attack.plans[key]

    def _split_votes(self, attack: _Attack, node: FaultyNode, vote: Vote) -> Sends:
        """Round ``r``: the polka for the committer and lockers, the 2/3+ precommits for the
        committer alone, nil for everyone else."""
        for_x = sign_vote(node.key, dataclasses.replace(vote, block_hash=attack.value))
        nil = sign_vote(node.key, dataclasses.replace(vote, block_hash=b""))
        if vote.type is VoteType.PREVOTE:
            shown = self._told(attack, node)
        else:
            shown = sorted(attack.committers)
        rest = [n.index for n in self.nodes if n.index != node.index and n.index not in shown]
        return [(shown, for_x), (rest, nil)]

    def _another_proposal(
        self, attack: _Attack, node: FaultyNode, message: ProposalMessage
    ) -> Sends:
        """A later round's proposal, for a fresh block if the core re-proposes ``X``."""
        receivers = self._undecided(attack, node)
        if message.proposal.block_hash != attack.value:
            return [(receivers, message)]
        block = node.build_block(attack.height)
        if block is None:
            return []
        fresh = fresh_proposal(self.suite, node.key, message, block)
        attack.fresh[message.proposal.round] = fresh.proposal.block_hash
        return [(receivers, fresh)]

    def _back_at_once(self, attack: _Attack, node: FaultyNode, message: ProposalMessage) -> None:
        p = message.proposal
        if p.height != attack.height or p.round <= attack.round or p.block_hash == attack.value:
            return
        time = message.block.header.time
        vote = Vote(p.chain_id, VoteType.PREVOTE, p.height, p.round, p.block_hash, time, b"")
        for receivers, payload in self._back(attack, node, vote):
            for receiver in receivers:
                self.network.send(node.index, receiver, node.name, payload)

    def _another_value(self, attack: _Attack, node: FaultyNode, vote: Vote) -> bytes:
        """What to vote in a later round: its proposal if that is not ``X``, else nil."""
        r = vote.round
        known = [attack.fresh.get(r, b""), *node.proposed_hashes(attack.height, r), vote.block_hash]
        return next((h for h in known if h and h != attack.value), b"")

    def _back(self, attack: _Attack, node: FaultyNode, vote: Vote) -> Sends:
        """Back ``vote``'s value in its round for the nodes that have not decided: signed and
        forged in every other name, and for a prevote of a value the precommit at once (the
        core, short of a polka, may never send one). Returns what is new to send."""
        receivers = self._undecided(attack, node)
        kinds = [vote.type]
        if vote.block_hash and vote.type is VoteType.PREVOTE:
            kinds.append(VoteType.PRECOMMIT)
        new: Sends = []
        for kind in kinds:
            key = (node.index, vote.round, int(kind))
            if key not in attack.plans:
                typed = dataclasses.replace(vote, type=kind, validator=node.address)
                attack.plans[key] = [(receivers, v) for v in self._backing(attack, node, typed)]
                new += attack.plans[key]
        return new

    def _backing(self, attack: _Attack, node: FaultyNode, vote: Vote) -> list[Vote]:
        """``vote`` signed by ``node`` and, for a value, forged in every other name."""
        signed = sign_vote(node.key, vote)
        return [signed, *self._forged(attack, node, signed)] if vote.block_hash else [signed]

    def _forged(self, attack: _Attack, node: FaultyNode, vote: Vote) -> list[Vote]:
        """``vote`` in the name of every other validator of the height, with bad signatures."""
        vset = self.validators_at(attack.height)
        return [
            dataclasses.replace(vote, validator=v.address, signature=self.rng.randbytes(64))
            for v in vset.validators
            if v.address != node.address
        ]

    # --- helpers of this class ---------------------------------------------------------------

    def _live(self) -> _Attack | None:
        attack = self.attack
        if attack is None or attack.over:
            return None
        if attack.cut_until is not None and self.network.now >= attack.cut_until:
            self._finish(attack)
            return None
        return attack

    def _finish(self, attack: _Attack) -> None:
        if attack.over:
            return
        attack.over = True
        if attack.cut_until is not None:
            self.cut((), self.network.now)

    def _undecided(self, attack: _Attack, node: FaultyNode) -> list[int]:
        return [n.index for n in self.nodes if n.index not in attack.decided and n is not node]

    def _told(self, attack: _Attack, node: FaultyNode) -> list[int]:
        """The committer, the lockers and the other Byzantine originals."""
        others = [n.index for n in self._originals() if n.index != node.index]
        return sorted({*attack.committers, *attack.lockers, *others})

    def _honest(self) -> list[SimNode]:
        return [n for n in self.nodes if n.honest]

    def _originals(self) -> list[SimNode]:
        """Byzantine validators' own nodes (a twin, with the same key, comes later)."""
        seen: set[bytes] = set()
        originals = []
        for n in self.nodes:
            if not n.honest and n.address not in seen:
                seen.add(n.address)
                originals.append(n)
        return originals

    def _is_original(self, node: FaultyNode) -> bool:
        return any(n.index == node.index for n in self._originals())

    def _signed_by(self, node: FaultyNode, message: Message) -> bool:
        if isinstance(message, ProposalMessage):
            return message.proposal.proposer == node.address
        return isinstance(message, Vote) and message.validator == node.address


def _height_of(message: Message) -> int:
    if isinstance(message, ProposalMessage):
        return message.proposal.height
    if isinstance(message, Vote):
        return message.height
    return message.commit.height


def _power(vset: ValidatorSet, nodes: Sequence[SimNode]) -> int:
    total = 0
    for node in nodes:
        member = vset.get(node.address)
        total += 0 if member is None else member.power
    return total
