"""The safety invariants the simulator checks as the run goes (spec: consensus.md, "Claims").

Agreement, validity, monotonic time and the commit certificate (signed by
more than two thirds of the power of its height's set) are checked at every
commit of an honest node; no double signing, and no signing outside the set
of the height, at every message an honest node sends: the only moments
those facts can change. Liveness is judged by the runner at the end of a
run.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from govchain.consensus.events import Step
from govchain.consensus.messages import Message, ProposalMessage
from govchain.crypto import CryptoSuite
from govchain.ledger import records
from govchain.ledger.commits import verify_commit
from govchain.types import Block, Commit, ValidatorSet, Vote, VoteType
from govchain.types.errors import InvalidCommitError

AGREEMENT = "agreement"
VALIDITY = "validity"
DOUBLE_SIGN = "double-sign"
TIME = "bft-time"
COMMIT_QUORUM = "commit-quorum"
NOT_A_MEMBER = "signed-outside-set"
EXCEPTION = "exception"


@dataclass(frozen=True, slots=True)
class Violation:
    """A broken invariant: what, when, where."""

    kind: str
    time_ms: int
    node: str
    height: int
    detail: str

    def describe(self) -> str:
        """One line for a report."""
        return (
            f"{self.kind} at {self.time_ms} ms on {self.node}, height {self.height}: {self.detail}"
        )


def signed_slot(message: Message) -> tuple[int, int, Step] | None:
    """(height, round, step) a signed proposal or vote occupies; None for a decision."""
    if isinstance(message, ProposalMessage):
        p = message.proposal
        return p.height, p.round, Step.PROPOSE
    if isinstance(message, Vote):
        step = Step.PREVOTE if message.type is VoteType.PREVOTE else Step.PRECOMMIT
        return message.height, message.round, step
    return None


def signer_of(message: Message) -> bytes:
    """The validator that signed a proposal or vote."""
    if isinstance(message, ProposalMessage):
        return message.proposal.proposer
    assert isinstance(message, Vote)
    return message.validator


def signed_bytes(message: Message) -> bytes:
    """The exact bytes a signer committed to for a proposal or vote."""
    if isinstance(message, ProposalMessage):
        return message.proposal.signing_bytes()
    assert isinstance(message, Vote)
    return records.vote_signing_bytes(message)


@dataclass
class Checker:
    """Records what honest nodes sign and commit; collects violations."""

    honest_addresses: frozenset[bytes]
    valid_blocks: set[bytes] = field(default_factory=set)
    invalid_blocks: set[bytes] = field(default_factory=set)
    decided: dict[int, bytes] = field(default_factory=dict)
    signed: dict[tuple[bytes, int, int, Step], bytes] = field(default_factory=dict)
    last_time: dict[str, int] = field(default_factory=dict)
    violations: list[Violation] = field(default_factory=list)

    def on_sent(self, now: int, node: str, message: Message) -> None:
        """A node sent ``message`` (its own, again, or relayed): an honest signer never
        signed two messages for one slot."""
        slot = signed_slot(message)
        if slot is None:
            return
        address = signer_of(message)
        if address not in self.honest_addresses:
            return
        body = signed_bytes(message)
        key = (address, *slot)
        earlier = self.signed.setdefault(key, body)
        if earlier != body:
            height, round_, step = slot
            self._fail(
                DOUBLE_SIGN,
                now,
                node,
                height,
                f"signed two messages for round {round_} {step.name}",
            )

    def on_commit(self, now: int, node: str, block: Block, block_hash: bytes) -> None:
        """An honest node committed ``block``: same as everyone, valid, and later in time."""
        height = block.header.height
        first = self.decided.setdefault(height, block_hash)
        if first != block_hash:
            self._fail(
                AGREEMENT,
                now,
                node,
                height,
                f"committed {block_hash.hex()[:12]}, "
                f"another honest node committed {first.hex()[:12]}",
            )
        if block_hash in self.invalid_blocks or block_hash not in self.valid_blocks:
            self._fail(
                VALIDITY,
                now,
                node,
                height,
                f"committed {block_hash.hex()[:12]}, a block no valid builder made",
            )
        previous = self.last_time.get(node)
        if previous is not None and block.header.time <= previous:
            self._fail(
                TIME,
                now,
                node,
                height,
                f"block time {block.header.time} does not advance past {previous}",
            )
        self.last_time[node] = block.header.time

    def on_certificate(
        self,
        now: int,
        node: str,
        suite: CryptoSuite,
        commit: Commit,
        validators: ValidatorSet,
        block: Block,
        block_hash: bytes,
    ) -> None:
        """An honest node committed ``block`` with ``commit``: every signer is in
        ``validators``, the set of the block's height from the node's chain store, and
        they hold more than two thirds of its power (``verify_commit``)."""
        header = block.header
        try:
            verify_commit(
                suite,
                commit,
                validators,
                chain_id=header.chain_id,
                height=header.height,
                block_hash=block_hash,
            )
        except InvalidCommitError as exc:
            self._fail(COMMIT_QUORUM, now, node, header.height, str(exc))

    def on_signed_outside(self, now: int, node: str, height: int) -> None:
        """Honest ``node`` signed a proposal or vote of ``height``, whose set it is not in."""
        self._fail(NOT_A_MEMBER, now, node, height, "signed while not in the height's set")

    def on_exception(self, now: int, node: str, height: int, exc: BaseException) -> None:
        """A core or the node's glue raised: a bug, whatever the input was."""
        self._fail(EXCEPTION, now, node, height, f"{type(exc).__name__}: {exc}")

    def _fail(self, kind: str, now: int, node: str, height: int, detail: str) -> None:
        self.violations.append(Violation(kind, now, node, height, detail))
