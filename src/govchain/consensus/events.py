"""What goes into and comes out of the consensus core: events, actions and settings.

The core (``consensus.core``) turns each event into a list of actions; the
driver or the simulator performs them in order (spec: docs/spec/consensus.md).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import IntEnum
from typing import Any

from govchain.consensus.evidence import DuplicateVote
from govchain.consensus.messages import Decision, Message, ProposalMessage
from govchain.crypto import CryptoSuite, SigningKey
from govchain.types import Block, Commit, ValidatorSet, Vote

MUTANTS = ("quorum-half", "ignore-lock", "skip-sig-check", "wrong-height-set")


class Step(IntEnum):
    """The steps of a round."""

    PROPOSE = 1
    PREVOTE = 2
    PRECOMMIT = 3


# --- events -------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ProposalReceived:
    """A proposal with its block, from ``peer``."""

    message: ProposalMessage
    peer: str = ""


@dataclass(frozen=True, slots=True)
class VoteReceived:
    """A prevote or precommit, from ``peer``."""

    vote: Vote
    peer: str = ""


@dataclass(frozen=True, slots=True)
class DecisionReceived:
    """A block and its commit certificate, from a peer that is ahead."""

    decision: Decision
    peer: str = ""


@dataclass(frozen=True, slots=True)
class TimeoutFired:
    """A timeout the core scheduled has expired."""

    height: int
    round: int
    step: Step


@dataclass(frozen=True, slots=True)
class ResendDue:
    """The resend timer of ``height`` fired: repeat what we signed, answer laggards again."""

    height: int


@dataclass(frozen=True, slots=True)
class BlockValidated:
    """The driver's verdict on a block the core asked it to validate."""

    block_hash: bytes
    ok: bool


@dataclass(frozen=True, slots=True)
class ProposalBlockReady:
    """Txs are available: the block the driver built for our proposal."""

    height: int
    round: int
    block: Block


Event = (
    ProposalReceived
    | VoteReceived
    | DecisionReceived
    | TimeoutFired
    | ResendDue
    | BlockValidated
    | ProposalBlockReady
)

# --- actions ------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Broadcast:
    """Send to every validator."""

    message: Message


@dataclass(frozen=True, slots=True)
class SendTo:
    """Send ``message`` to ``peer`` only: votes for a peer that is in an earlier round."""

    peer: str
    message: Message


@dataclass(frozen=True, slots=True)
class SendDecision:
    """Send ``peer`` the committed blocks and commits of ``height`` onward (it is behind).

    ``count`` heights at most, so a far-behind peer catches up in few round trips.
    """

    peer: str
    height: int
    count: int = 1


@dataclass(frozen=True, slots=True)
class ScheduleTimeout:
    """Fire ``TimeoutFired(height, round, step)`` after ``delay_ms``."""

    height: int
    round: int
    step: Step
    delay_ms: int


@dataclass(frozen=True, slots=True)
class ScheduleResend:
    """Fire ``ResendDue(height)`` after ``delay_ms`` (lost messages are sent again)."""

    height: int
    delay_ms: int


@dataclass(frozen=True, slots=True)
class ValidateBlock:
    """Run ``apply_block`` on ``block`` and answer with ``BlockValidated``."""

    block: Block


@dataclass(frozen=True, slots=True)
class BuildProposal:
    """Build a block for our proposal and answer with ``ProposalBlockReady``."""

    height: int
    round: int


@dataclass(frozen=True, slots=True)
class CommitBlock:
    """Commit ``block`` with ``commit`` to the ledger (decided)."""

    block: Block
    commit: Commit


@dataclass(frozen=True, slots=True)
class PersistWal:
    """Append ``record`` to the WAL and fsync; ``reset`` starts a fresh WAL with it."""

    record: dict[str, Any]
    reset: bool = False


@dataclass(frozen=True, slots=True)
class ReportEvidence:
    """A validator equivocated: gossip and commit this evidence."""

    evidence: DuplicateVote


@dataclass(frozen=True, slots=True)
class Refused:
    """A message was refused; ``reason`` is for logs and metrics."""

    reason: str


Action = (
    Broadcast
    | SendTo
    | SendDecision
    | ScheduleTimeout
    | ScheduleResend
    | ValidateBlock
    | BuildProposal
    | CommitBlock
    | PersistWal
    | ReportEvidence
    | Refused
)


@dataclass(frozen=True, slots=True)
class Timeouts:
    """``timeout(r) = base + r * delta`` per step, and the resend period, in milliseconds."""

    propose_base: int = 3000
    propose_delta: int = 500
    prevote_base: int = 1000
    prevote_delta: int = 500
    precommit_base: int = 1000
    precommit_delta: int = 500
    resend: int = 2000

    def of(self, step: Step, round_: int) -> int:
        """The timeout of ``step`` in ``round_``."""
        if step is Step.PROPOSE:
            return self.propose_base + round_ * self.propose_delta
        if step is Step.PREVOTE:
            return self.prevote_base + round_ * self.prevote_delta
        return self.precommit_base + round_ * self.precommit_delta


@dataclass(frozen=True)
class CoreConfig:
    """What a core is fixed with: chain, suite, validator set, key and timeouts.

    ``validators`` is the set of every height when the core is given no
    ``validators_at`` (a chain whose set never changes: tests, tools); the
    driver and the simulator give the application's set per height.

    ``key`` is None on a node that follows but does not vote. ``mutant``
    breaks one rule, for the simulator's self-test only (``MUTANTS``).
    """

    chain_id: str
    suite: CryptoSuite
    validators: ValidatorSet
    key: SigningKey | None
    timeouts: Timeouts = field(default_factory=Timeouts)
    mutant: str | None = None

    def __post_init__(self) -> None:
        if self.mutant is not None and self.mutant not in MUTANTS:
            raise ValueError(f"unknown mutant {self.mutant!r}; expected one of {MUTANTS}")
