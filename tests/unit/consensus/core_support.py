"""Drive one consensus core by hand: deterministic validators, signed messages, real blocks.

The tests of ``Core.handle`` play every other validator themselves: they sign
votes and proposals with fixed keys, build real blocks on an in-memory chain
and answer ``ValidateBlock`` with the verdict the test wants.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Sequence
from typing import Any, TypeVar

from cryptography.hazmat.primitives.asymmetric import ed25519

from govchain.consensus.core import Core, ValidatorsAt
from govchain.consensus.events import (
    Action,
    BlockValidated,
    Broadcast,
    CoreConfig,
    Event,
    PersistWal,
    ProposalReceived,
    Refused,
    Step,
    TimeoutFired,
    Timeouts,
    ValidateBlock,
    VoteReceived,
)
from govchain.consensus.messages import NO_POL, Proposal, ProposalMessage
from govchain.crypto.intl import IntlSigningKey, IntlSuite
from govchain.execution import apply_block, propose_block
from govchain.ledger import records
from govchain.ledger.chainstore import TABLES, ChainStore
from govchain.storage import MemoryStore
from govchain.types import (
    Block,
    Commit,
    CommitSig,
    Genesis,
    Tx,
    Validator,
    ValidatorSet,
    Vote,
    VoteType,
)

from ...chain_support import make_registry

SUITE = IntlSuite()
CHAIN_ID = "core-chain"
GENESIS_TIME = 1_800_000_000_000
NOW = GENESIS_TIME + 5_000
"""The clock every event is handled at: the time our own votes carry."""

PREVOTE, PRECOMMIT = VoteType.PREVOTE, VoteType.PRECOMMIT
NIL = b""

_A = TypeVar("_A")


def signing_key(seed: int) -> IntlSigningKey:
    """The Ed25519 key whose private bytes are ``seed`` repeated: the same in every run."""
    return IntlSigningKey(ed25519.Ed25519PrivateKey.from_private_bytes(bytes([seed]) * 32))


def block_hash(block: Block) -> bytes:
    """The hash votes and proposals name ``block`` by."""
    return records.header_hash(SUITE, block.header)


def of_type(actions: Iterable[Action], kind: type[_A]) -> list[_A]:
    """The actions of one kind, in order."""
    return [a for a in actions if isinstance(a, kind)]


def broadcast_votes(actions: Iterable[Action], kind: VoteType | None = None) -> list[Vote]:
    """The votes broadcast by ``actions`` (of ``kind``, if given)."""
    votes = [a.message for a in of_type(actions, Broadcast) if isinstance(a.message, Vote)]
    return [v for v in votes if kind is None or v.type is kind]


def broadcast_proposals(actions: Iterable[Action]) -> list[ProposalMessage]:
    """The proposals broadcast by ``actions``."""
    messages = [a.message for a in of_type(actions, Broadcast)]
    return [m for m in messages if isinstance(m, ProposalMessage)]


def refusals(actions: Iterable[Action]) -> list[str]:
    """The reasons of the ``Refused`` actions."""
    return [a.reason for a in of_type(actions, Refused)]


def flipped(signature: bytes) -> bytes:
    """``signature`` with one bit changed: it no longer verifies."""
    return signature[:-1] + bytes([signature[-1] ^ 1])


def wal_kinds(actions: Iterable[Action]) -> list[str]:
    """The kinds of the WAL records ``actions`` write, in order."""
    return [a.record["t"] for a in of_type(actions, PersistWal)]


class Committee:
    """Validators with fixed keys; ``powers[i]`` belongs to the i-th lowest address."""

    def __init__(self, powers: Sequence[int]) -> None:
        keys = sorted(
            (signing_key(seed) for seed in range(1, len(powers) + 1)),
            key=lambda k: records.address_of(SUITE, k.public_key),
        )
        self.keys = keys
        members = tuple(
            Validator(records.address_of(SUITE, k.public_key), k.public_key, power, f"v{i}")
            for i, (k, power) in enumerate(zip(keys, powers, strict=True))
        )
        self.validators = ValidatorSet(members)
        self.validators.validate()
        self.genesis = Genesis(CHAIN_ID, "intl", GENESIS_TIME, self.validators)

    def address(self, who: int) -> bytes:
        """The address of validator ``who``."""
        return self.validators.validators[who].address

    def vote(
        self,
        who: int,
        kind: VoteType,
        round_: int,
        hash_: bytes,
        *,
        height: int = 1,
        time: int = GENESIS_TIME + 1,
        chain_id: str = CHAIN_ID,
    ) -> Vote:
        """A vote signed by validator ``who``."""
        unsigned = Vote(chain_id, kind, height, round_, hash_, time, self.address(who))
        signature = self.keys[who].sign(records.vote_signing_bytes(unsigned))
        return dataclasses.replace(unsigned, signature=signature)

    def proposal(
        self, who: int, round_: int, block: Block, pol_round: int = NO_POL, height: int = 1
    ) -> ProposalMessage:
        """Validator ``who``'s signed proposal of ``block`` for ``(height, round_)``."""
        unsigned = Proposal(
            CHAIN_ID, height, round_, pol_round, block_hash(block), self.address(who)
        )
        signed = dataclasses.replace(
            unsigned, signature=self.keys[who].sign(unsigned.signing_bytes())
        )
        return ProposalMessage(signed, block)

    def commit(self, block: Block, signers: Iterable[int], round_: int = 0) -> Commit:
        """A commit certificate for ``block`` with the precommits of ``signers``."""
        height, hash_ = block.header.height, block_hash(block)
        sigs = []
        for who in signers:
            vote = self.vote(
                who, PRECOMMIT, round_, hash_, height=height, time=block.header.time + 1
            )
            sigs.append(CommitSig(vote.validator, vote.time, vote.signature))
        sigs.sort(key=lambda s: s.validator)
        return Commit(CHAIN_ID, height, round_, hash_, tuple(sigs))


class BlockMaker:
    """Real blocks from ``propose_block`` on an in-memory chain of the committee's genesis."""

    def __init__(self, committee: Committee) -> None:
        self.committee = committee
        self.registry = make_registry()
        self.chain = ChainStore.create(MemoryStore(TABLES), committee.genesis)

    def block(self, label: int, proposer: int = 0) -> Block:
        """A block for the chain's next height; another ``label`` gives another block."""
        key = self.committee.keys[proposer]
        unsigned = Tx(
            CHAIN_ID,
            "kv.put",
            {"key": b"label", "value": label.to_bytes(4, "big")},
            "key",
            key.public_key,
            label.to_bytes(16, "big"),
            1_000,
        )
        with self.chain.view() as view:
            last_commit = None if view.height == 0 else view.commit(view.height)
            return propose_block(
                view,
                [records.sign_tx(key, unsigned)],
                proposer=self.committee.address(proposer),
                last_commit=last_commit,
                registry=self.registry,
            )

    def commit(self, block: Block, commit: Commit) -> None:
        """Apply and store ``block``, so the next blocks build on it."""
        with self.chain.view() as view:
            result = apply_block(view, block, self.registry)
        self.chain.commit_block(block, commit, result)


class Harness:
    """One core under test, validator ``me`` of the committee (None: a follower with no key)."""

    def __init__(
        self,
        powers: Sequence[int] = (10, 10, 10, 10),
        me: int | None = 3,
        *,
        mutant: str | None = None,
        timeouts: Timeouts | None = None,
        wal_records: Sequence[object] = (),
        committee: Committee | None = None,
        validators_at: ValidatorsAt | None = None,
    ) -> None:
        self.net = committee or Committee(powers)
        self.me = me
        key = None if me is None else self.net.keys[me]
        self.config = CoreConfig(
            CHAIN_ID, SUITE, self.net.validators, key, timeouts or Timeouts(), mutant
        )
        self.core = Core(self.config, 1, GENESIS_TIME, wal_records, validators_at)
        self.blocks = BlockMaker(self.net)
        self.wal: list[Any] = list(wal_records)
        self.voted: set[tuple[int, int, VoteType, int]] = set()
        """(height, round, type, validator) of every vote ``cast`` fed, so none votes twice."""
        self.started = self.perform(self.core.start(NOW))

    # --- feeding the core ---------------------------------------------------------

    def perform(self, actions: list[Action]) -> list[Action]:
        """Keep the WAL the driver would keep; return ``actions`` unchanged."""
        for action in of_type(actions, PersistWal):
            if action.reset:
                self.wal.clear()
            self.wal.append(action.record)
        return actions

    def feed(self, event: Event) -> list[Action]:
        """Hand one event to the core."""
        return self.perform(self.core.handle(event, NOW))

    def others(self) -> list[int]:
        """Every validator but ``me``, in address order."""
        return [i for i in range(len(self.net.keys)) if i != self.me]

    def proposer_of(self, round_: int, height: int = 1) -> int:
        """The index of the scheduled proposer of ``(height, round_)``."""
        address = self.core.schedule.proposer(height, round_)
        return next(i for i, v in enumerate(self.net.validators.validators) if v.address == address)

    def cast(
        self, kind: VoteType, round_: int, hash_: bytes, voters: Iterable[int], height: int = 1
    ) -> list[Action]:
        """Feed a vote of ``kind`` from each of ``voters``; return all the actions."""
        actions: list[Action] = []
        for who in voters:
            vote = self.net.vote(who, kind, round_, hash_, height=height)
            self.voted.add((height, round_, kind, who))
            actions += self.feed(VoteReceived(vote, f"v{who}"))
        return actions

    def propose(
        self, round_: int, block: Block, pol_round: int = NO_POL, valid: bool | None = True
    ) -> list[Action]:
        """The round's proposer proposes ``block``; answer the validation with ``valid``.

        ``valid`` None leaves the ``ValidateBlock`` unanswered.
        """
        who = self.proposer_of(round_, block.header.height)
        message = self.net.proposal(who, round_, block, pol_round, block.header.height)
        actions = self.feed(ProposalReceived(message, f"v{who}"))
        if valid is not None and of_type(actions, ValidateBlock):
            actions += self.feed(BlockValidated(block_hash(block), valid))
        return actions

    def fire(self, step: Step, round_: int | None = None) -> list[Action]:
        """Fire the core's timeout of ``step`` in ``round_`` (default: the current round)."""
        current = self.core.round if round_ is None else round_
        return self.feed(TimeoutFired(self.core.height, current, step))

    def fill(self, kind: VoteType, hash_: bytes) -> list[Action]:
        """Votes for ``hash_`` from validators that have not voted yet, until 2/3+ voted."""
        height, round_ = self.core.height, self.core.round
        actions: list[Action] = []
        for who in self.others():
            if self.core.state.votes(kind, round_).power >= self.core.quorum:
                break
            if (height, round_, kind, who) not in self.voted:
                actions += self.cast(kind, round_, hash_, [who], height)
        return actions

    def end_round(self) -> list[Action]:
        """End the current round with nil votes and timeouts; the core is then in the next."""
        round_ = self.core.round
        actions: list[Action] = []
        if self.core.step is Step.PROPOSE:
            actions += self.fire(Step.PROPOSE)
        if self.core.step is Step.PREVOTE:
            actions += self.fill(PREVOTE, NIL)
        if self.core.step is Step.PREVOTE:
            actions += self.fire(Step.PREVOTE)
        actions += self.fill(PRECOMMIT, NIL)
        actions += self.fire(Step.PRECOMMIT, round_)
        assert self.core.round == round_ + 1
        return actions

    def lock_on(self, block: Block) -> list[Action]:
        """In PROPOSE of the current round: a valid proposal of ``block`` and a polka for it."""
        round_ = self.core.round
        actions = self.propose(round_, block)
        voters = self.others()[:2]
        actions += self.cast(PREVOTE, round_, block_hash(block), voters)
        assert self.core.state.locked_round == round_
        return actions
