"""Consensus messages: the signed proposal, and what travels between validators.

Votes are ``govchain.types.Vote`` (signed bytes in ``ledger.records``). A
proposal is signed over its own domain, so neither can pass for the other.
"""

from __future__ import annotations

from dataclasses import dataclass

from govchain.codec import tagged_bytes
from govchain.types import Block, Commit, Vote
from govchain.types.commit import MAX_ROUND
from govchain.types.errors import ValidationError
from govchain.types.fields import (
    CHAIN_ID_PATTERN,
    check_bytes,
    check_hash,
    check_text,
    check_uint,
    fields_of,
)
from govchain.types.validators import ADDRESS_SIZE

PROPOSAL_DOMAIN = "govchain/proposal/v1"
NO_POL = -1
"""``pol_round`` of a proposal that carries no proof of lock."""


@dataclass(frozen=True, slots=True)
class Proposal:
    """The proposer's signed claim: block ``block_hash`` for ``(height, round)``.

    ``pol_round`` is the round of the prevote quorum (polka) that justifies
    re-proposing a block, or ``NO_POL`` (paper, Algorithm 1, L19).
    """

    chain_id: str
    height: int
    round: int
    pol_round: int
    block_hash: bytes
    proposer: bytes
    signature: bytes = b""

    def validate(self) -> None:
        """Raise ValidationError if a field breaks its rule."""
        check_text("proposal.chain_id", self.chain_id, max_size=64, pattern=CHAIN_ID_PATTERN)
        if check_uint("proposal.height", self.height) == 0:
            raise ValidationError("proposal.height: heights start at 1")
        check_uint("proposal.round", self.round, maximum=MAX_ROUND)
        if not isinstance(self.pol_round, int) or isinstance(self.pol_round, bool):
            raise ValidationError("proposal.pol_round: expected an integer")
        if not NO_POL <= self.pol_round < self.round:
            raise ValidationError("proposal.pol_round: must be -1 or below the round")
        check_hash("proposal.block_hash", self.block_hash)
        check_bytes("proposal.proposer", self.proposer, size=ADDRESS_SIZE)
        check_bytes("proposal.signature", self.signature, max_size=128)

    def sign_body(self) -> dict[str, object]:
        """Every field but the signature."""
        return {
            "chain_id": self.chain_id,
            "height": self.height,
            "round": self.round,
            "pol_round": self.pol_round,
            "block_hash": self.block_hash,
            "proposer": self.proposer,
        }

    def signing_bytes(self) -> bytes:
        """The exact bytes the proposer signs."""
        return tagged_bytes(PROPOSAL_DOMAIN, self.sign_body())

    def to_cbor(self) -> dict[str, object]:
        """CBOR-ready map."""
        return {**self.sign_body(), "signature": self.signature}

    @classmethod
    def from_cbor(cls, obj: object) -> Proposal:
        """Build and validate from a decoded map."""
        names = ("chain_id", "height", "round", "pol_round", "block_hash", "proposer")
        proposal = cls(**fields_of("proposal", obj, (*names, "signature")))
        proposal.validate()
        return proposal


@dataclass(frozen=True, slots=True)
class ProposalMessage:
    """A proposal with the block it names."""

    proposal: Proposal
    block: Block


@dataclass(frozen=True, slots=True)
class Decision:
    """A committed block with its commit certificate, for a validator that is behind."""

    block: Block
    commit: Commit


Message = ProposalMessage | Vote | Decision
