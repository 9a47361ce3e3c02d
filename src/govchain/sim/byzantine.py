"""Byzantine validators: a real core whose outgoing messages an adversary rewrites.

A Byzantine node runs the honest core, so it takes part like anyone else,
but what it broadcasts goes through :class:`Adversary`. For each proposal
or vote slot (height, round, step) the adversary decides once whom to tell
what, and sends the same again when the core repeats itself, as a
consistent liar would. Per its behaviours it may:

- ``equivocate``: send two different valid proposals for one round, one to
  each part of the network, and back each part's proposal with its votes;
- ``withhold``: show its proposal and votes to some validators only, and its
  precommit to fewer still, so that one validator decides and the rest must
  go on without it (the case that locks exist for); it never helps a
  laggard with a decision;
- ``double-vote``: send a conflicting vote (another proposal, nil, or an
  invented hash) to part of the network;
- ``invalid-block``: propose a block that does not validate, and vote for it;
- ``forge``: send one victim its own alternative proposal with prevotes and
  precommits forged in the other validators' names (bad signatures);
- ``garbage``: send random bytes, damaged encodings, far-future rounds and
  votes for another chain;
- ``amnesia``: forget its lock and prevote any valid proposal (its core
  runs without the lock rule).

``twins`` is not a rewrite: the simulator runs a second honest core with the
same key (the Twins approach), and the two equivocate between them.

A :class:`Steering` (``sim.targeted``) may take over: for the messages it
claims, its plan replaces the behaviours, so a targeted schedule can
coordinate every Byzantine validator around one height.
"""

from __future__ import annotations

import dataclasses
import random
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Protocol

from govchain.consensus.admission import MAX_ROUNDS_AHEAD
from govchain.consensus.messages import NO_POL, Message, ProposalMessage
from govchain.consensus.wire import encode_message
from govchain.crypto import CryptoSuite, SigningKey
from govchain.ledger import records
from govchain.sim.invariants import Checker, signed_slot, signer_of
from govchain.types import Block, Vote, VoteType

EQUIVOCATE = "equivocate"
WITHHOLD = "withhold"
DOUBLE_VOTE = "double-vote"
INVALID_BLOCK = "invalid-block"
FORGE = "forge"
GARBAGE = "garbage"
TWINS = "twins"
AMNESIA = "amnesia"
BEHAVIOURS = (EQUIVOCATE, WITHHOLD, DOUBLE_VOTE, INVALID_BLOCK, FORGE, GARBAGE, TWINS, AMNESIA)
PROPOSAL_TRICKS = (EQUIVOCATE, WITHHOLD, INVALID_BLOCK, FORGE)

Sends = list[tuple[list[int], object]]
"""What to send: (receivers, payload) pairs, in order."""


class FaultyNode(Protocol):
    """What the adversary needs of the node it speaks for."""

    index: int
    name: str
    key: SigningKey
    address: bytes
    behaviours: tuple[str, ...]

    def build_block(self, height: int) -> Block | None:
        """A fresh valid block for ``height`` on this node's chain, if it is there."""
        ...

    def proposed_hashes(self, height: int, round_: int) -> list[bytes]:
        """Hashes of the proposals this node has seen for ``(height, round_)``."""
        ...


class Network(Protocol):
    """The network's send: ``send(sender, receiver, peer_name, payload)``."""

    def send(self, sender: int, receiver: int, peer: str, payload: object) -> None:
        """Send one payload over one link."""
        ...


class Steering(Protocol):
    """A targeted schedule that may decide what Byzantine nodes send and hear."""

    def steer(self, node: FaultyNode, message: Message, receivers: list[int]) -> Sends | None:
        """What ``node`` sends instead of ``message``; None leaves it to the behaviours."""
        ...

    def hears(self, node: FaultyNode, message: object) -> bool:
        """False when ``node`` must not let ``message`` reach its core."""
        ...


def sign_vote(key: SigningKey, vote: Vote) -> Vote:
    """``vote`` signed by ``key`` (whatever signature it had)."""
    unsigned = dataclasses.replace(vote, signature=b"")
    return dataclasses.replace(unsigned, signature=key.sign(records.vote_signing_bytes(unsigned)))


def fresh_proposal(
    suite: CryptoSuite, key: SigningKey, message: ProposalMessage, block: Block
) -> ProposalMessage:
    """The slot of ``message``, signed by ``key`` for ``block`` with no proof of lock."""
    block_hash = records.header_hash(suite, block.header)
    unsigned = dataclasses.replace(
        message.proposal, block_hash=block_hash, pol_round=NO_POL, signature=b""
    )
    signed = dataclasses.replace(unsigned, signature=key.sign(unsigned.signing_bytes()))
    return ProposalMessage(signed, block)


@dataclass
class _Round:
    """What a Byzantine node told whom in one (height, round)."""

    trick: str | None
    told: list[int]
    """Receivers that got the core's own proposal (and its votes)."""
    other_hash: bytes = b""
    other_told: list[int] = field(default_factory=list)
    """Receivers that got the other proposal (equivocation)."""


@dataclass
class Adversary:
    """Rewrites the broadcasts of Byzantine nodes; counts what it injected."""

    rng: random.Random
    suite: CryptoSuite
    chain_id: str
    validator_addresses: tuple[bytes, ...]
    checker: Checker
    network: Network
    counts: dict[str, int] = field(default_factory=dict)
    steering: Steering | None = None
    """A targeted schedule (``sim.targeted``) consulted before the behaviours."""
    _rounds: dict[tuple[str, int, int], _Round] = field(default_factory=dict)
    _plans: dict[tuple[str, int, int, int], Sends] = field(default_factory=dict)
    _deaf: set[tuple[str, int, int]] = field(default_factory=set)
    """(node, height, round) where it hid its precommit: it ignores precommits there too,
    so it does not decide, and stays to vote in the next rounds of the height."""

    def hears(self, node: FaultyNode, message: object) -> bool:
        """Whether Byzantine ``node`` lets an incoming message reach its core."""
        if self.steering is not None and not self.steering.hears(node, message):
            return False
        if isinstance(message, Vote) and message.type is VoteType.PRECOMMIT:
            return (node.name, message.height, message.round) not in self._deaf
        return True

    def broadcast(self, node: FaultyNode, message: Message, receivers: Sequence[int]) -> None:
        """Send ``message`` from Byzantine ``node`` to ``receivers``, as its behaviours dictate."""
        if self.steering is not None:
            steered = self.steering.steer(node, message, list(receivers))
            if steered is not None:
                self._send(node, steered)
                return
        slot = signed_slot(message)
        if slot is None or signer_of(message) != node.address:
            # a decision for a laggard, or a vote another validator signed that the core
            # relays: nothing of its own to lie about, and a withholder keeps it to itself
            if WITHHOLD not in node.behaviours:
                self._send(node, [(list(receivers), message)])
            return
        height, round_, step = slot
        key = (node.name, height, round_, int(step))
        plan = self._plans.get(key)
        if plan is None:
            self._forget_before(node.name, height - 2)
            if isinstance(message, ProposalMessage):
                plan = self._plan_proposal(node, message, list(receivers))
            else:
                assert isinstance(message, Vote)
                plan = self._plan_vote(node, message, list(receivers))
            self._plans[key] = plan
        self._send(node, plan)
        if GARBAGE in node.behaviours and self.rng.randrange(3) == 0:
            self._garbage(node, message, receivers)

    def _forget_before(self, name: str, height: int) -> None:
        for key in [k for k in self._plans if k[0] == name and k[1] < height]:
            del self._plans[key]
        for rkey in [k for k in self._rounds if k[0] == name and k[1] < height]:
            del self._rounds[rkey]
        self._deaf = {d for d in self._deaf if d[0] != name or d[1] >= height}

    # --- proposals ----------------------------------------------------------------

    def _plan_proposal(
        self, node: FaultyNode, message: ProposalMessage, receivers: list[int]
    ) -> Sends:
        tricks = [b for b in PROPOSAL_TRICKS if b in node.behaviours]
        trick = self.rng.choice(tricks) if tricks and self.rng.randrange(4) else None
        p = message.proposal
        state = _Round(trick, receivers)
        self._rounds[(node.name, p.height, p.round)] = state
        if trick == WITHHOLD:
            self._count(WITHHOLD)
            state.told, _ = self._split(receivers)
            return [(state.told, message)]
        if trick == INVALID_BLOCK:
            bad = self._invalid_variant(node, message)
            state.told, rest = self._split(receivers)
            state.other_hash, state.other_told = bad.proposal.block_hash, rest
            return [(state.told, message), (rest, bad)]
        other_block = node.build_block(p.height) if trick in (EQUIVOCATE, FORGE) else None
        if other_block is None:
            state.trick = None
            return [(receivers, message)]
        other = self._fresh_proposal(node, message, other_block)
        if trick == EQUIVOCATE:
            self._count(EQUIVOCATE)
            state.told, state.other_told = self._split(receivers)
            state.other_hash = other.proposal.block_hash
            return [(state.told, message), (state.other_told, other)]
        victim = self.rng.choice(receivers)
        state.told = [r for r in receivers if r != victim]
        return [(state.told, message), *self._forged_for(node, victim, other)]

    def _fresh_proposal(
        self, node: FaultyNode, message: ProposalMessage, block: Block
    ) -> ProposalMessage:
        """The same slot, signed for another block with no proof of lock."""
        return fresh_proposal(self.suite, node.key, message, block)

    def _invalid_variant(self, node: FaultyNode, message: ProposalMessage) -> ProposalMessage:
        header = dataclasses.replace(message.block.header, state_root=self.rng.randbytes(32))
        bad = self._fresh_proposal(node, message, dataclasses.replace(message.block, header=header))
        self.checker.invalid_blocks.add(bad.proposal.block_hash)
        self._count(INVALID_BLOCK)
        return bad

    def _forged_for(self, node: FaultyNode, victim: int, other: ProposalMessage) -> Sends:
        """Show ``victim`` a proposal that every validator seems to vote for."""
        self._count(FORGE)
        sends: Sends = [([victim], other)]
        p = other.proposal
        for kind in (VoteType.PREVOTE, VoteType.PRECOMMIT):
            for address in self.validator_addresses:
                vote = Vote(
                    self.chain_id,
                    kind,
                    p.height,
                    p.round,
                    p.block_hash,
                    other.block.header.time + 1,
                    address,
                )
                if address == node.address:
                    vote = self._sign(node, vote)
                else:
                    vote = dataclasses.replace(vote, signature=self.rng.randbytes(64))
                sends.append(([victim], vote))
        return sends

    # --- votes ---------------------------------------------------------------------

    def _plan_vote(self, node: FaultyNode, vote: Vote, receivers: list[int]) -> Sends:
        state = self._rounds.get((node.name, vote.height, vote.round))
        trick = None if state is None else state.trick
        if state is not None and trick in (EQUIVOCATE, INVALID_BLOCK) and vote.block_hash:
            first = [r for r in receivers if r not in state.other_told]
            other = self._revote(node, vote, state.other_hash)
            return [*self._decide_few(node, vote, first), (state.other_told, other)]
        if state is not None and trick == WITHHOLD:
            told = [r for r in receivers if r in state.told]
            rest = [r for r in receivers if r not in state.told]
            return [*self._decide_few(node, vote, told), (rest, self._revote(node, vote, b""))]
        if state is None and WITHHOLD in node.behaviours and self.rng.randrange(2):
            self._count(WITHHOLD)
            told, rest = self._split(receivers)
            return [*self._decide_few(node, vote, told), (rest, self._revote(node, vote, b""))]
        if DOUBLE_VOTE in node.behaviours and self.rng.randrange(3):
            self._count(DOUBLE_VOTE)
            first, second = self._split(receivers)
            return [
                (first, vote),
                (second, self._revote(node, vote, self._other_value(node, vote))),
            ]
        return [(receivers, vote)]

    def _decide_few(self, node: FaultyNode, vote: Vote, receivers: list[int]) -> Sends:
        """A precommit goes to some of ``receivers`` only, nil to the rest; a prevote to all."""
        if vote.type is VoteType.PREVOTE or not receivers:
            return [(receivers, vote)]
        self._deaf.add((node.name, vote.height, vote.round))
        deciders, rest = self._split(receivers)
        return [(deciders, vote), (rest, self._revote(node, vote, b""))]

    def _other_value(self, node: FaultyNode, vote: Vote) -> bytes:
        known = [h for h in node.proposed_hashes(vote.height, vote.round) if h != vote.block_hash]
        if known and self.rng.randrange(2):
            return self.rng.choice(known)
        return b"" if vote.block_hash else self.rng.randbytes(32)

    def _revote(self, node: FaultyNode, vote: Vote, block_hash: bytes) -> Vote:
        return self._sign(node, dataclasses.replace(vote, block_hash=block_hash))

    def _sign(self, node: FaultyNode, vote: Vote) -> Vote:
        return sign_vote(node.key, vote)

    # --- garbage -------------------------------------------------------------------

    def _garbage(self, node: FaultyNode, message: Message, receivers: Sequence[int]) -> None:
        self._count(GARBAGE)
        target = [self.rng.choice(list(receivers))]
        kind = self.rng.randrange(5)
        payload: object
        if kind == 0:
            payload = self.rng.randbytes(self.rng.randint(0, 200))
        elif kind == 1 or not isinstance(message, Vote):
            payload = _damage(self.rng, encode_message(message))
        elif kind == 2:
            far = message.round + MAX_ROUNDS_AHEAD + self.rng.randint(1, 1000)
            payload = self._sign(node, dataclasses.replace(message, round=far))
        elif kind == 3:
            payload = self._sign(node, dataclasses.replace(message, chain_id="another-chain"))
        else:
            payload = dataclasses.replace(
                message,
                validator=self.rng.choice(self.validator_addresses),
                signature=self.rng.randbytes(64),
            )
        self._send(node, [(target, payload)])

    # --- sending -------------------------------------------------------------------

    def _split(self, receivers: Sequence[int]) -> tuple[list[int], list[int]]:
        """A random non-empty part of ``receivers`` and the rest (possibly empty)."""
        shuffled = list(receivers)
        self.rng.shuffle(shuffled)
        cut = self.rng.randint(1, max(1, len(shuffled) - 1))
        return sorted(shuffled[:cut]), sorted(shuffled[cut:])

    def _send(self, node: FaultyNode, sends: Sends) -> None:
        for receivers, payload in sends:
            for receiver in receivers:
                self.network.send(node.index, receiver, node.name, payload)

    def _count(self, what: str) -> None:
        self.counts[what] = self.counts.get(what, 0) + 1


def _damage(rng: random.Random, data: bytes) -> bytes:
    """Flip, cut or extend an encoding."""
    choice = rng.randrange(3)
    if choice == 0 and data:
        out = bytearray(data)
        for _ in range(rng.randint(1, 4)):
            out[rng.randrange(len(out))] ^= 1 << rng.randrange(8)
        return bytes(out)
    if choice == 1:
        return data[: rng.randrange(len(data) + 1)]
    return data + rng.randbytes(rng.randint(1, 16))
