"""The upon-rules of Algorithm 1 (L22-L65): what the core does when its state allows it.

``RoundRules`` is the part of :class:`~govchain.consensus.core.Core` that
reads the round state and decides what to do next; the acting methods it
calls (vote, lock, decide, start a round) live in the core, the only owner
of the state (spec: docs/spec/consensus.md). Line numbers are those of the
Tendermint paper (arXiv 1807.04938).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from govchain.consensus.events import Action, CoreConfig, Refused, ScheduleTimeout, Step
from govchain.consensus.messages import NO_POL, ProposalMessage
from govchain.consensus.state import HeightState
from govchain.crypto import CryptoSuite
from govchain.ledger import records
from govchain.types import Block, Commit, CommitSig, VoteType


class RoundRules:
    """Fire the rules until none applies; the core supplies the state and the actions."""

    config: CoreConfig
    suite: CryptoSuite
    state: HeightState
    quorum: int
    one_third: int

    if TYPE_CHECKING:  # provided by Core

        @property
        def height(self) -> int: ...

        def _emit(self, action: Action) -> None: ...

        def _timeout(self, step: Step, round_: int) -> int: ...

        def _power(self, addresses: set[bytes]) -> int: ...

        def _vote(self, kind: VoteType, block_hash: bytes, now: int) -> None: ...

        def _lock(self, block: Block, round_: int) -> None: ...

        def _set_valid(self, block: Block, round_: int) -> None: ...

        def _decide(self, block: Block, commit: Commit) -> None: ...

        def _start_round(self, round_: int) -> None: ...

    def _progress(self, now: int) -> None:
        """Fire rules until none applies (each firing changes state, so this ends)."""
        fired = True
        while fired:
            fired = self._try_decide() or self._try_round_rules(now) or self._try_skip()

    def _hash_of(self, message: ProposalMessage) -> bytes:
        return message.proposal.block_hash

    def _try_decide(self) -> bool:
        s = self.state
        for round_ in sorted(s.precommits):  # L49
            votes = s.precommits[round_]
            message = s.proposals.get(round_)
            if message is None:
                continue
            block_hash = self._hash_of(message)
            if votes.has_quorum_for(block_hash, self.quorum) and s.validity.get(block_hash):
                self._decide(message.block, self._commit_of(round_, block_hash))
                return True
        candidate = s.candidate
        if candidate is not None:
            block_hash = candidate.commit.block_hash
            if s.validity.get(block_hash):
                self._decide(candidate.block, candidate.commit)
                return True
            if s.validity.get(block_hash) is False:
                s.candidate = None
                self._emit(Refused("a decision names a block that does not validate"))
        return False

    def _commit_of(self, round_: int, block_hash: bytes) -> Commit:
        signatures = tuple(
            CommitSig(vote.validator, vote.time, vote.signature)
            for vote in self.state.precommits[round_].votes_for(block_hash)
        )
        return Commit(self.config.chain_id, self.height, round_, block_hash, signatures)

    def _try_round_rules(self, now: int) -> bool:
        s = self.state
        r = s.round
        message = s.proposals.get(r)
        prevotes = s.votes(VoteType.PREVOTE, r)
        precommits = s.votes(VoteType.PRECOMMIT, r)
        if s.step is Step.PROPOSE and message is not None and self._try_prevote(message, now):
            return True
        if (
            s.step is Step.PREVOTE
            and prevotes.power >= self.quorum
            and r not in s.fired_prevote_wait
        ):  # L34
            s.fired_prevote_wait.add(r)
            self._emit(ScheduleTimeout(s.height, r, Step.PREVOTE, self._timeout(Step.PREVOTE, r)))
            return True
        if (
            message is not None
            and s.step >= Step.PREVOTE
            and r not in s.polka_seen
            and s.validity.get(self._hash_of(message))
            and prevotes.has_quorum_for(self._hash_of(message), self.quorum)
        ):  # L36
            s.polka_seen.add(r)
            self._set_valid(message.block, r)  # in the WAL before the precommit it justifies
            if s.step is Step.PREVOTE:
                self._lock(message.block, r)
                self._vote(VoteType.PRECOMMIT, self._hash_of(message), now)
                s.step = Step.PRECOMMIT
            return True
        if s.step is Step.PREVOTE and prevotes.has_quorum_for(b"", self.quorum):  # L44
            self._vote(VoteType.PRECOMMIT, b"", now)
            s.step = Step.PRECOMMIT
            return True
        if precommits.power >= self.quorum and r not in s.fired_precommit_wait:  # L47
            s.fired_precommit_wait.add(r)
            self._emit(
                ScheduleTimeout(s.height, r, Step.PRECOMMIT, self._timeout(Step.PRECOMMIT, r))
            )
            return True
        return False

    def _try_prevote(self, message: ProposalMessage, now: int) -> bool:
        """L22 and L28: prevote for the round's proposal, or nil."""
        s = self.state
        block_hash = self._hash_of(message)
        valid = s.validity.get(block_hash)
        if valid is None:
            return False  # wait for the validation verdict (or the propose timeout)
        pol = message.proposal.pol_round
        ignore_lock = self.config.mutant == "ignore-lock"
        locked_hash = (
            None
            if s.locked_block is None
            else records.header_hash(self.suite, s.locked_block.header)
        )
        if pol == NO_POL:  # L22
            free = s.locked_round == -1 or locked_hash == block_hash
        elif pol < s.round and s.votes(VoteType.PREVOTE, pol).has_quorum_for(
            block_hash, self.quorum
        ):  # L28
            free = s.locked_round <= pol or locked_hash == block_hash
        else:
            return False  # wait for the polka the proposal claims
        choice = block_hash if valid and (free or ignore_lock) else b""
        self._vote(VoteType.PREVOTE, choice, now)
        s.step = Step.PREVOTE
        return True

    def _try_skip(self) -> bool:
        """L55: 1/3+ of the power is in a later round, so some honest validator is."""
        s = self.state
        for round_ in sorted(r for r in s.senders if r > s.round):
            if self._power(s.senders[round_]) >= self.one_third:
                self._start_round(round_)
                return True
        return False
