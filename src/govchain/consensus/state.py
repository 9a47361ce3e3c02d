"""The round state of one height, and the WAL records that rebuild it after a crash.

``Core`` is the only writer of a ``HeightState``. What it must not forget, the
messages it signed and its lock and valid value, it writes to the WAL as the
records below first (spec: consensus.md, "The write-ahead log").
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from govchain.codec import decode, encode
from govchain.consensus.events import Step
from govchain.consensus.messages import Decision, Message, Proposal, ProposalMessage
from govchain.consensus.votes import VoteSet
from govchain.ledger import records
from govchain.types import Block, ValidatorSet, Vote, VoteType


@dataclass
class HeightState:
    """Everything the core keeps for the height in progress."""

    height: int
    round: int = 0
    step: Step = Step.PROPOSE
    proposals: dict[int, ProposalMessage] = field(default_factory=dict)
    validity: dict[bytes, bool] = field(default_factory=dict)
    validating: set[bytes] = field(default_factory=set)
    prevotes: dict[int, VoteSet] = field(default_factory=dict)
    precommits: dict[int, VoteSet] = field(default_factory=dict)
    senders: dict[int, set[bytes]] = field(default_factory=dict)
    locked_round: int = -1
    locked_block: Block | None = None
    valid_round: int = -1
    valid_block: Block | None = None
    signed: dict[tuple[int, Step], Message] = field(default_factory=dict)
    fired_prevote_wait: set[int] = field(default_factory=set)
    propose_timeout_waiting: int | None = None
    """A round whose propose timeout fired while its proposal was being validated."""
    fired_precommit_wait: set[int] = field(default_factory=set)
    polka_seen: set[int] = field(default_factory=set)
    building: set[int] = field(default_factory=set)
    known_hashes: set[bytes] = field(default_factory=set)
    """Hashes of blocks proposed at this height: the values a conflicting vote may count for."""
    candidate: Decision | None = None
    reported: set[tuple[bytes, int, int]] = field(default_factory=set)
    decisions_sent: set[tuple[str, int]] = field(default_factory=set)
    """(peer, height) answered with a decision since the last resend."""
    answered_peers: set[str] = field(default_factory=set)
    """Peers in an earlier round of this height sent our votes since the last resend."""
    one_behind: dict[str, int] = field(default_factory=dict)
    """Peers seen one height behind and not since at this height: answered later, if still so."""

    def votes(self, kind: VoteType, round_: int) -> VoteSet:
        """The vote set of ``kind`` in ``round_`` (created empty on first use)."""
        table = self.prevotes if kind is VoteType.PREVOTE else self.precommits
        if round_ not in table:
            table[round_] = VoteSet()
        return table[round_]


# --- WAL records ----------------------------------------------------------------


def height_record(height: int) -> dict[str, Any]:
    """First record of a fresh WAL: the height it belongs to."""
    return {"t": "height", "h": height}


def vote_record(vote: Vote) -> dict[str, Any]:
    """A vote this validator signed."""
    return {"t": "vote", "vote": encode(vote.to_cbor())}


def proposal_record(message: ProposalMessage) -> dict[str, Any]:
    """A proposal this validator signed, with its block."""
    return {
        "t": "proposal",
        "proposal": encode(message.proposal.to_cbor()),
        "block": records.encode_block(message.block),
    }


def block_record(kind: str, block: Block, round_: int, polka: Sequence[Vote]) -> dict[str, Any]:
    """A new lock (``kind`` "lock") or valid value ("valid") of ``round_``, with its polka."""
    return {
        "t": kind,
        "round": round_,
        "block": records.encode_block(block),
        "polka": [encode(vote.to_cbor()) for vote in polka],
    }


def restore_height(
    state: HeightState, wal_records: Sequence[object], validators: ValidatorSet
) -> bool:
    """Rebuild signed messages, lock and valid value of ``state.height`` from the WAL.

    Returns False when the WAL holds nothing of this height (a fresh start).
    """
    starts = [
        i
        for i, r in enumerate(wal_records)
        if isinstance(r, dict) and r.get("t") == "height" and r.get("h") == state.height
    ]
    if not starts:
        return False
    for record in wal_records[starts[-1] + 1 :]:
        if isinstance(record, dict):
            _restore_record(state, record, validators)
    steps = [step for (round_, step) in state.signed if round_ == state.round]
    state.step = max(steps, default=Step.PROPOSE)
    return True


def _restore_record(state: HeightState, record: dict[str, Any], validators: ValidatorSet) -> None:
    kind = record.get("t")
    if kind == "vote":
        vote = Vote.from_cbor(decode(record["vote"], records.RECORD_LIMITS))
        step = Step.PREVOTE if vote.type is VoteType.PREVOTE else Step.PRECOMMIT
        state.signed[(vote.round, step)] = vote
        member = validators.get(vote.validator)
        if member is not None:
            state.votes(vote.type, vote.round).add(vote, member.power)
            state.senders.setdefault(vote.round, set()).add(vote.validator)
        state.round = max(state.round, vote.round)
    elif kind == "proposal":
        proposal = Proposal.from_cbor(decode(record["proposal"], records.RECORD_LIMITS))
        message = ProposalMessage(proposal, records.decode_block(record["block"]))
        state.signed[(proposal.round, Step.PROPOSE)] = message
        state.proposals[proposal.round] = message
        state.known_hashes.add(proposal.block_hash)
        state.validity[proposal.block_hash] = True
        state.round = max(state.round, proposal.round)
    elif kind == "lock":
        state.locked_round = record["round"]
        state.locked_block = records.decode_block(record["block"])
        _restore_polka(state, record, validators)
    elif kind == "valid":
        state.valid_round = record["round"]
        state.valid_block = records.decode_block(record["block"])
        _restore_polka(state, record, validators)


def _restore_polka(state: HeightState, record: dict[str, Any], validators: ValidatorSet) -> None:
    """Count again the prevotes that justified a lock or valid value (they were checked)."""
    for raw in record.get("polka", []):
        vote = Vote.from_cbor(decode(raw, records.RECORD_LIMITS))
        member = validators.get(vote.validator)
        if member is not None and vote.type is VoteType.PREVOTE:
            state.known_hashes.add(vote.block_hash)
            state.votes(vote.type, vote.round).add(vote, member.power)


def round_of(message: Message) -> int:
    """The round a consensus message belongs to."""
    if isinstance(message, ProposalMessage):
        return message.proposal.round
    if isinstance(message, Vote):
        return message.round
    return message.commit.round
