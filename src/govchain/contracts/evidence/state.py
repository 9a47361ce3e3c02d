"""State keys and the stored record of ``evidence`` (docs/spec/evidence.md, "State keys").

A record, one per (validator, height, round, vote type)::

    b"consensus/evidence/" || validator address (20 bytes)
        || height (8 bytes, big-endian) || round (4 bytes, big-endian)
        || vote type (1 byte)

Value: canonical CBOR of ``{"evidence": <DuplicateVote map>, "height": <the
height the record was committed at>}``.
"""

from __future__ import annotations

from dataclasses import dataclass

from govchain.codec import encode
from govchain.consensus.evidence import DuplicateVote
from govchain.ledger import records
from govchain.types.commit import MAX_ROUND, VoteType
from govchain.types.errors import ValidationError
from govchain.types.fields import check_bytes, check_uint, fields_of
from govchain.types.validators import ADDRESS_SIZE

__all__ = ["EVIDENCE_KEY_PREFIX", "EvidenceRecord", "evidence_key"]

EVIDENCE_KEY_PREFIX = b"consensus/evidence/"


def evidence_key(address: bytes, height: int, round: int, vote_type: int) -> bytes:
    """The state key of the evidence record for one step of one validator.

    Raises ValidationError if a part does not fit its fixed width.
    """
    check_bytes("evidence key: address", address, size=ADDRESS_SIZE)
    check_uint("evidence key: height", height)
    check_uint("evidence key: round", round, maximum=MAX_ROUND)
    if vote_type not in (VoteType.PREVOTE, VoteType.PRECOMMIT) or isinstance(vote_type, bool):
        raise ValidationError(f"evidence key: unknown vote type {vote_type!r}")
    return (
        EVIDENCE_KEY_PREFIX
        + address
        + height.to_bytes(8, "big")
        + round.to_bytes(4, "big")
        + int(vote_type).to_bytes(1, "big")
    )


@dataclass(frozen=True, slots=True)
class EvidenceRecord:
    """A stored record: the evidence and the height of the block that committed it."""

    evidence: DuplicateVote
    height: int

    def encode(self) -> bytes:
        """The stored value."""
        return encode({"evidence": self.evidence.to_cbor(), "height": self.height})

    @classmethod
    def from_stored(cls, raw: bytes) -> EvidenceRecord:
        """The record stored under an evidence key; ValidationError if malformed."""

        def build(obj: object) -> EvidenceRecord:
            data = fields_of("evidence record", obj, ("evidence", "height"))
            height = check_uint("evidence record: height", data["height"])
            return cls(DuplicateVote.from_cbor(data["evidence"]), height)

        return records.decode_record(raw, build, records.RECORD_LIMITS, "evidence record")
