"""The Tendermint core: pure, sans-I/O, one height at a time (spec: docs/spec/consensus.md).

``Core.handle(event, now) -> list[Action]``. The driver (or the simulator)
performs the actions in order: ``PersistWal`` before the ``Broadcast`` that
follows it. Line numbers (L22 ...) are those of Algorithm 1 in the
Tendermint paper (arXiv 1807.04938).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Sequence

from govchain.consensus.admission import body_problem, proposal_problem, vote_problem
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
    Refused,
    ReportEvidence,
    ResendDue,
    ScheduleTimeout,
    Step,
    TimeoutFired,
    ValidateBlock,
    VoteReceived,
)
from govchain.consensus.evidence import DuplicateVote
from govchain.consensus.messages import (
    NO_POL,
    Decision,
    Proposal,
    ProposalMessage,
)
from govchain.consensus.proposer import ProposerSchedule
from govchain.consensus.resend import MAX_DECISIONS_AHEAD, Resending
from govchain.consensus.rules import RoundRules
from govchain.consensus.state import (
    HeightState,
    block_record,
    height_record,
    proposal_record,
    restore_height,
    vote_record,
)
from govchain.ledger import records
from govchain.ledger.commits import verify_commit
from govchain.types import Block, Commit, ValidatorSet, Vote, VoteType
from govchain.types.errors import GovChainError, ValidationError

ValidatorsAt = Callable[[int], ValidatorSet]
"""The set that votes at a height, from the application (known two heights ahead)."""


class Core(RoundRules, Resending):
    """One validator's consensus state machine; the only owner of its round state."""

    def __init__(
        self,
        config: CoreConfig,
        height: int,
        last_block_time: int,
        wal_records: Sequence[object] = (),
        validators_at: ValidatorsAt | None = None,
    ) -> None:
        """``validators_at(h)`` gives the set of height ``h``; without it, ``config.validators``
        votes at every height (a chain whose set never changes)."""
        self.config = config
        self.suite = config.suite
        self._validators_at = validators_at or (lambda _height: config.validators)
        self._schedules: dict[ValidatorSet, ProposerSchedule] = {}
        self.address = (
            None if config.key is None else records.address_of(self.suite, config.key.public_key)
        )
        self.last_block_time = last_block_time
        self.state = HeightState(height)
        self._enter_height(height)
        self._buffer: dict[tuple[bytes, int, int], Event] = {}
        self._decisions_ahead: dict[int, Decision] = {}
        self._out: list[Action] = []
        self._restored = restore_height(self.state, wal_records, self.validators)

    def _enter_height(self, height: int) -> None:
        """Take the validator set of ``height``: who proposes, whose votes count, the quorums.

        The set is decided two heights before (docs/spec/consensus.md,
        "Validator-set changes"), so it is known when the height starts.
        """
        mutant = self.config.mutant
        set_height = max(height - 1, 1) if mutant == "wrong-height-set" else height
        validators = self._validators_at(set_height)
        self.validators = validators
        schedule = self._schedules.get(validators)
        if schedule is None:
            if len(self._schedules) >= 8:
                self._schedules.clear()
            schedule = self._schedules[validators] = ProposerSchedule(validators)
        self.schedule = schedule
        total = validators.total_power
        if mutant == "quorum-half":
            self.quorum = total // 2 + 1 if total % 2 else total // 2
        else:
            self.quorum = validators.quorum()
        self.one_third = total // 3 + 1

    # --- public -----------------------------------------------------------------

    @property
    def height(self) -> int:
        """The height being decided."""
        return self.state.height

    @property
    def round(self) -> int:
        """The current round."""
        return self.state.round

    @property
    def step(self) -> Step:
        """The current step."""
        return self.state.step

    def start(self, now: int) -> list[Action]:
        """Begin (or, after a restart, resume) the current height."""
        s = self.state
        self._schedule_resend()
        if self._restored:
            self._repeat_signed()
            if s.step is Step.PROPOSE:  # nothing voted in this round yet: run it from the start
                self._start_round(s.round)
            # past PROPOSE, the L34/L47 rules schedule timeouts once 2/3+ of the votes are in
            self._progress(now)
        else:
            self._emit(PersistWal(height_record(s.height), reset=True))
            self._start_round(0)
        return self._take()

    def handle(self, event: Event, now: int) -> list[Action]:
        """Apply one event; return what the driver must do, in order."""
        if isinstance(event, VoteReceived):
            self._on_vote(event.vote, event.peer)
        elif isinstance(event, ProposalReceived):
            self._on_proposal(event.message, event.peer)
        elif isinstance(event, DecisionReceived):
            self._on_decision(event.decision)
        elif isinstance(event, TimeoutFired):
            self._on_timeout(event, now)
        elif isinstance(event, ResendDue):
            self._on_resend(event)
        elif isinstance(event, BlockValidated):
            self.state.validity[event.block_hash] = event.ok
            self.state.validating.discard(event.block_hash)
        elif isinstance(event, ProposalBlockReady):
            self._on_block_ready(event)
        self._progress(now)
        if self._after_propose_timeout(now):
            self._progress(now)
        return self._take()

    # --- helpers ----------------------------------------------------------------

    def _emit(self, action: Action) -> None:
        self._out.append(action)

    def _take(self) -> list[Action]:
        out, self._out = self._out, []
        return out

    def _timeout(self, step: Step, round_: int) -> int:
        return self.config.timeouts.of(step, round_)

    def _power(self, addresses: set[bytes]) -> int:
        total = 0
        for address in addresses:
            member = self.validators.get(address)
            total += 0 if member is None else member.power
        return total

    def _is_proposer(self, round_: int) -> bool:
        return self.address is not None and self.schedule.proposer(self.height, round_) == (
            self.address
        )

    # --- receiving ----------------------------------------------------------------

    def _on_vote(self, vote: Vote, peer: str) -> None:
        if vote.chain_id != self.config.chain_id:
            self._emit(Refused("vote for another chain"))
            return
        if self._other_height(vote.height, vote.round, peer, VoteReceived(vote, peer)):
            return
        problem = vote_problem(
            self.suite,
            self.validators,
            vote,
            self.state.round,
            check_signature=self.config.mutant != "skip-sig-check",
        )
        member = self.validators.get(vote.validator)
        if problem is not None or member is None:
            self._emit(Refused(problem or "vote from a non-validator"))
            return
        self._count_vote(vote, member.power)
        self._answer_earlier_round(peer, vote.round)

    def _count_vote(self, vote: Vote, power: int) -> None:
        s = self.state
        countable = vote.block_hash == b"" or vote.block_hash in s.known_hashes
        earlier = s.votes(vote.type, vote.round).add(vote, power, countable)
        s.senders.setdefault(vote.round, set()).add(vote.validator)
        if earlier is not None:
            key = (vote.validator, vote.round, int(vote.type))
            if key not in s.reported:
                s.reported.add(key)
                self._emit(ReportEvidence(DuplicateVote.of(earlier, vote)))

    def _on_proposal(self, message: ProposalMessage, peer: str) -> None:
        proposal = message.proposal
        if proposal.chain_id != self.config.chain_id:
            self._emit(Refused("proposal for another chain"))
            return
        event = ProposalReceived(message, peer)
        if self._other_height(proposal.height, proposal.round, peer, event):
            return
        problem = proposal_problem(
            self.suite, self.validators, self.schedule, message, self.state.round
        )
        if problem is not None:
            self._emit(Refused(problem))
            return
        self._accept_proposal(message)
        self._answer_earlier_round(peer, proposal.round)

    def _accept_proposal(self, message: ProposalMessage) -> None:
        s = self.state
        proposal = message.proposal
        existing = s.proposals.get(proposal.round)
        if existing is not None:
            if existing.proposal.block_hash != proposal.block_hash:
                self._emit(Refused("second, different proposal for the round"))
            return
        s.proposals[proposal.round] = message
        s.known_hashes.add(proposal.block_hash)
        s.senders.setdefault(proposal.round, set()).add(proposal.proposer)
        self._request_validation(message.block, proposal.block_hash)

    def _request_validation(self, block: Block, block_hash: bytes) -> None:
        s = self.state
        if block_hash not in s.validity and block_hash not in s.validating:
            s.validating.add(block_hash)
            self._emit(ValidateBlock(block))

    def _on_decision(self, decision: Decision) -> None:
        block, commit = decision.block, decision.commit
        height = block.header.height
        if self.height < height <= self.height + MAX_DECISIONS_AHEAD:
            self._decisions_ahead.setdefault(height, decision)  # checked when its turn comes
            return
        if height != self.height or self.state.candidate is not None:
            return
        block_hash = records.header_hash(self.suite, block.header)
        try:
            block.validate()
            problem = body_problem(self.suite, block)
            if problem is not None:
                raise ValidationError(problem)
            verify_commit(
                self.suite,
                commit,
                self.validators,
                chain_id=self.config.chain_id,
                height=self.height,
                block_hash=block_hash,
            )
        except GovChainError as exc:
            self._emit(Refused(f"decision refused: {exc}"))
            return
        self.state.candidate = decision
        self._request_validation(block, block_hash)

    def _on_timeout(self, event: TimeoutFired, now: int) -> None:
        s = self.state
        if event.height != s.height or event.round != s.round:
            return
        self._repeat_signed()  # help peers that missed them
        if event.step is Step.PROPOSE and s.step is Step.PROPOSE:  # L57
            # A proposal still being validated counts as received (spec: consensus.md):
            # its verdict, not the clock, decides this prevote unless no rule fires on it.
            s.propose_timeout_waiting = s.round
            self._after_propose_timeout(now)
        elif event.step is Step.PREVOTE and s.step is Step.PREVOTE:  # L61
            self._vote(VoteType.PRECOMMIT, b"", now)
            s.step = Step.PRECOMMIT
        elif event.step is Step.PRECOMMIT:  # L65
            self._start_round(s.round + 1)

    def _after_propose_timeout(self, now: int) -> bool:
        """L57 once the round's proposal (if any) is no longer being validated; True if fired."""
        s = self.state
        if s.propose_timeout_waiting != s.round or s.step is not Step.PROPOSE:
            s.propose_timeout_waiting = None
            return False
        proposal = s.proposals.get(s.round)
        if proposal is not None and proposal.proposal.block_hash in s.validating:
            return False  # the verdict comes back through handle(), which calls again
        s.propose_timeout_waiting = None
        self._vote(VoteType.PREVOTE, b"", now)
        s.step = Step.PREVOTE
        return True

    def _on_block_ready(self, event: ProposalBlockReady) -> None:
        s = self.state
        if (event.height, event.round) != (s.height, s.round) or s.round not in s.building:
            return
        s.building.discard(s.round)
        if event.block.header.height != s.height:
            return
        self._propose(event.block, NO_POL)

    # --- acting -----------------------------------------------------------------

    def _start_round(self, round_: int) -> None:
        s = self.state
        s.round, s.step = round_, Step.PROPOSE
        if self._is_proposer(round_):
            if (round_, Step.PROPOSE) in s.signed:
                pass  # proposed before a restart; start() sent it again
            elif s.valid_block is not None:  # L15-L16
                self._propose(s.valid_block, s.valid_round)
            else:
                s.building.add(round_)
                self._emit(BuildProposal(s.height, round_))
        else:
            self._emit(
                ScheduleTimeout(s.height, round_, Step.PROPOSE, self._timeout(Step.PROPOSE, round_))
            )

    def _propose(self, block: Block, pol_round: int) -> None:
        s = self.state
        key = self.config.key
        if key is None or self.address is None or (s.round, Step.PROPOSE) in s.signed:
            return
        block_hash = records.header_hash(self.suite, block.header)
        unsigned = Proposal(
            self.config.chain_id, s.height, s.round, pol_round, block_hash, self.address
        )
        proposal = dataclasses.replace(unsigned, signature=key.sign(unsigned.signing_bytes()))
        message = ProposalMessage(proposal, block)
        s.signed[(s.round, Step.PROPOSE)] = message
        self._emit(PersistWal(proposal_record(message)))
        self._emit(Broadcast(message))
        s.validity.setdefault(block_hash, True)  # the driver built or validated it
        self._accept_proposal(message)

    def _vote(self, kind: VoteType, block_hash: bytes, now: int) -> None:
        s = self.state
        step = Step.PREVOTE if kind is VoteType.PREVOTE else Step.PRECOMMIT
        earlier = s.signed.get((s.round, step))
        if earlier is not None:  # never sign a second, different vote
            self._emit(Broadcast(earlier))
            return
        key, address = self.config.key, self.address
        if key is None or address is None or self.validators.get(address) is None:
            return
        time = max(now, self._time_floor(block_hash))
        unsigned = Vote(self.config.chain_id, kind, s.height, s.round, block_hash, time, address)
        signature = key.sign(records.vote_signing_bytes(unsigned))
        vote = dataclasses.replace(unsigned, signature=signature)
        s.signed[(s.round, step)] = vote
        self._emit(PersistWal(vote_record(vote)))
        self._emit(Broadcast(vote))
        member = self.validators.get(address)
        assert member is not None
        self._count_vote(vote, member.power)

    def _time_floor(self, block_hash: bytes) -> int:
        """A vote's earliest time: after the block it votes for, or after the last block.

        So every precommit of block ``h`` is later than ``h``'s time, and the BFT
        time of block ``h + 1`` strictly increases (spec: Time).
        """
        for message in self.state.proposals.values():
            if message.proposal.block_hash == block_hash:
                return message.block.header.time + 1
        return self.last_block_time + 1

    def _lock(self, block: Block, round_: int) -> None:
        s = self.state
        s.locked_block, s.locked_round = block, round_
        self._emit(PersistWal(block_record("lock", block, round_, self._polka(block, round_))))

    def _set_valid(self, block: Block, round_: int) -> None:
        s = self.state
        s.valid_block, s.valid_round = block, round_
        self._emit(PersistWal(block_record("valid", block, round_, self._polka(block, round_))))

    def _polka(self, block: Block, round_: int) -> list[Vote]:
        """The prevotes for ``block`` in ``round_``: the proof of lock others may need."""
        block_hash = records.header_hash(self.suite, block.header)
        return self.state.votes(VoteType.PREVOTE, round_).votes_for(block_hash)

    def _decide(self, block: Block, commit: Commit) -> None:
        self._emit(CommitBlock(block, commit))
        self.last_block_time = block.header.time
        self._enter_height(self.height + 1)
        behind = self.state.one_behind  # did not reach the height we leave
        self.state = HeightState(self.height + 1)
        self.state.one_behind = behind
        self._emit(PersistWal(height_record(self.height), reset=True))
        self._schedule_resend()
        self._start_round(0)
        buffered, self._buffer = self._buffer, {}
        for event in buffered.values():
            if isinstance(event, VoteReceived):
                self._on_vote(event.vote, event.peer)
            elif isinstance(event, ProposalReceived):
                self._on_proposal(event.message, event.peer)
        behind, self.state.one_behind = self.state.one_behind, {}
        self._answer_still_behind(behind)  # those the buffered messages did not show at it
        ahead, self._decisions_ahead = self._decisions_ahead, {}
        for height in sorted(ahead):
            if height > self.height:
                self._decisions_ahead[height] = ahead[height]
        next_decision = self._decisions_ahead.pop(self.height, None)
        if next_decision is not None:
            self._on_decision(next_decision)
