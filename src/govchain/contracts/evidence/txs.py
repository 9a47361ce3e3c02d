"""The tx of ``evidence``: ``consensus.evidence``, its argument record and its builder.

Args: ``{"evidence": <DuplicateVote map>}`` and nothing else.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from govchain.consensus.evidence import DuplicateVote
from govchain.crypto import SigningKey
from govchain.execution.registry import ContractError
from govchain.ledger import records
from govchain.types import Tx
from govchain.types.errors import ValidationError
from govchain.types.fields import fields_of

__all__ = ["EVIDENCE_TX_TYPE", "EvidenceArgs", "evidence_tx"]

EVIDENCE_TX_TYPE = "consensus.evidence"


@dataclass(frozen=True, slots=True)
class EvidenceArgs:
    """The args of a ``consensus.evidence`` tx: one duplicate-vote pair."""

    evidence: DuplicateVote

    def validate(self) -> None:
        """Raise ValidationError if a vote breaks its rules (whether the pair proves
        anything is ``verify_duplicate_vote``'s question, asked by the handler)."""
        self.evidence.first.validate()
        self.evidence.second.validate()

    def to_args(self) -> dict[str, object]:
        """The tx's args map."""
        return {"evidence": self.evidence.to_cbor()}

    @classmethod
    def from_args(cls, args: Mapping[str, object]) -> EvidenceArgs:
        """Parse a tx's args strictly; ContractError names what is wrong."""
        try:
            data = fields_of(f"{EVIDENCE_TX_TYPE} args", args, ("evidence",))
            return cls(DuplicateVote.from_cbor(data["evidence"]))
        except ValidationError as exc:
            raise ContractError(str(exc)) from exc


def evidence_tx(
    key: SigningKey, chain_id: str, evidence: DuplicateVote, nonce: bytes, expiry: int
) -> Tx:
    """A ``consensus.evidence`` tx carrying ``evidence``, signed by ``key``.

    ``nonce`` should be fresh random bytes (8-32); ``expiry`` is the last
    height at which the tx may be committed. Raises ValidationError if a field
    breaks the tx rules.
    """
    args = EvidenceArgs(evidence).to_args()
    unsigned = Tx(chain_id, EVIDENCE_TX_TYPE, args, "key", key.public_key, nonce, expiry)
    unsigned.validate()
    return records.sign_tx(key, unsigned)
