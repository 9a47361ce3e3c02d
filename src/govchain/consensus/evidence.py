"""Duplicate-vote evidence (F-E6): one validator signed two different votes for one step."""

from __future__ import annotations

from dataclasses import dataclass

from govchain.crypto import CryptoSuite
from govchain.ledger import records
from govchain.types import ValidatorSet, Vote
from govchain.types.errors import ValidationError
from govchain.types.fields import fields_of


@dataclass(frozen=True, slots=True)
class DuplicateVote:
    """Two conflicting votes, ordered by block hash so each pair has one form."""

    first: Vote
    second: Vote

    @classmethod
    def of(cls, a: Vote, b: Vote) -> DuplicateVote:
        """The evidence for votes ``a`` and ``b`` in canonical order."""
        return cls(a, b) if a.block_hash < b.block_hash else cls(b, a)

    def to_cbor(self) -> dict[str, object]:
        """CBOR-ready map."""
        return {"first": self.first.to_cbor(), "second": self.second.to_cbor()}

    @classmethod
    def from_cbor(cls, obj: object) -> DuplicateVote:
        """Build from a decoded map with exactly the keys ``first`` and ``second``.

        Each vote is parsed and validated with ``Vote.from_cbor``. Whether the
        pair proves anything is :func:`verify_duplicate_vote`'s question.
        """
        data = fields_of("evidence", obj, ("first", "second"))
        return cls(
            _vote_of("evidence.first", data["first"]), _vote_of("evidence.second", data["second"])
        )


def _vote_of(what: str, obj: object) -> Vote:
    try:
        return Vote.from_cbor(obj)
    except ValidationError as exc:
        raise ValidationError(f"{what}: {exc}") from exc


def verify_duplicate_vote(
    suite: CryptoSuite, evidence: DuplicateVote, validators: ValidatorSet
) -> None:
    """Raise ValidationError unless the pair proves equivocation by a member of ``validators``."""
    a, b = evidence.first, evidence.second
    a.validate()
    b.validate()
    same_step = (a.chain_id, a.type, a.height, a.round, a.validator) == (
        b.chain_id,
        b.type,
        b.height,
        b.round,
        b.validator,
    )
    if not same_step:
        raise ValidationError("evidence: the votes are not for the same step by one validator")
    if not a.block_hash < b.block_hash:
        raise ValidationError("evidence: the votes must differ, in block-hash order")
    member = validators.get(a.validator)
    if member is None:
        raise ValidationError("evidence: the voter is not a validator")
    for vote in (a, b):
        if not suite.verify(member.public_key, records.vote_signing_bytes(vote), vote.signature):
            raise ValidationError("evidence: a vote signature does not verify")
