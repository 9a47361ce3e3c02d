"""Votes and commit certificates (F-A2): 2/3+ of the power signing one block."""

from __future__ import annotations

from dataclasses import dataclass
from enum import IntEnum

from govchain.types.errors import ValidationError
from govchain.types.fields import (
    CHAIN_ID_PATTERN,
    check_bytes,
    check_hash,
    check_list,
    check_text,
    check_uint,
    fields_of,
)
from govchain.types.validators import ADDRESS_SIZE, MAX_VALIDATORS

MAX_SIGNATURE = 128
MAX_ROUND = 2**31


class VoteType(IntEnum):
    """The two Tendermint voting steps."""

    PREVOTE = 1
    PRECOMMIT = 2


@dataclass(frozen=True, slots=True)
class Vote:
    """A signed prevote or precommit. ``block_hash`` ``b""`` is a vote for nil.

    The signature covers :meth:`sign_body`, which includes the chain id so a
    vote can never be replayed on another chain.
    """

    chain_id: str
    type: VoteType
    height: int
    round: int
    block_hash: bytes
    time: int
    validator: bytes
    signature: bytes = b""

    def validate(self) -> None:
        """Raise ValidationError if a field breaks its rule."""
        check_text("vote.chain_id", self.chain_id, max_size=64, pattern=CHAIN_ID_PATTERN)
        if self.type not in (VoteType.PREVOTE, VoteType.PRECOMMIT):
            raise ValidationError(f"vote.type: unknown vote type {self.type!r}")
        if check_uint("vote.height", self.height) == 0:
            raise ValidationError("vote.height: heights start at 1")
        check_uint("vote.round", self.round, maximum=MAX_ROUND)
        check_hash("vote.block_hash", self.block_hash, allow_empty=True)
        check_uint("vote.time", self.time)
        check_bytes("vote.validator", self.validator, size=ADDRESS_SIZE)
        check_bytes("vote.signature", self.signature, max_size=MAX_SIGNATURE)

    def sign_body(self) -> dict[str, object]:
        """The signed part: every field but the signature."""
        return {
            "chain_id": self.chain_id,
            "type": int(self.type),
            "height": self.height,
            "round": self.round,
            "block_hash": self.block_hash,
            "time": self.time,
            "validator": self.validator,
        }

    def to_cbor(self) -> dict[str, object]:
        """CBOR-ready map."""
        return {**self.sign_body(), "signature": self.signature}

    @classmethod
    def from_cbor(cls, obj: object) -> Vote:
        """Build and validate from a decoded map."""
        names = ("chain_id", "type", "height", "round", "block_hash", "time", "validator")
        data = fields_of("vote", obj, (*names, "signature"))
        kind = data["type"]
        if kind not in (1, 2) or isinstance(kind, bool):
            raise ValidationError(f"vote.type: unknown vote type {kind!r}")
        vote = cls(**{**data, "type": VoteType(kind)})
        vote.validate()
        return vote


@dataclass(frozen=True, slots=True)
class CommitSig:
    """One validator's precommit inside a commit certificate."""

    validator: bytes
    time: int
    signature: bytes

    def to_cbor(self) -> dict[str, object]:
        """CBOR-ready map."""
        return {"validator": self.validator, "time": self.time, "signature": self.signature}


@dataclass(frozen=True, slots=True)
class Commit:
    """The commit certificate for a block: precommits of 2/3+ of the voting power.

    Whether the power suffices and the signatures verify is checked against a
    validator set by ``govchain.ledger.commits``; ``validate()`` checks form.
    """

    chain_id: str
    height: int
    round: int
    block_hash: bytes
    signatures: tuple[CommitSig, ...]

    def validate(self) -> None:
        """Raise ValidationError on a malformed commit (not on too little power)."""
        check_text("commit.chain_id", self.chain_id, max_size=64, pattern=CHAIN_ID_PATTERN)
        if check_uint("commit.height", self.height) == 0:
            raise ValidationError("commit.height: heights start at 1")
        check_uint("commit.round", self.round, maximum=MAX_ROUND)
        check_hash("commit.block_hash", self.block_hash)
        if not 1 <= len(self.signatures) <= MAX_VALIDATORS:
            raise ValidationError(f"commit.signatures: needs 1..{MAX_VALIDATORS} signatures")
        for sig in self.signatures:
            check_bytes("commit.signatures.validator", sig.validator, size=ADDRESS_SIZE)
            check_uint("commit.signatures.time", sig.time)
            check_bytes("commit.signatures.signature", sig.signature, max_size=MAX_SIGNATURE)
        addresses = [sig.validator for sig in self.signatures]
        if addresses != sorted(set(addresses)):
            raise ValidationError("commit.signatures: validators must be unique and sorted")

    def vote_of(self, sig: CommitSig) -> Vote:
        """The precommit that ``sig`` signed, rebuilt for verification."""
        return Vote(
            chain_id=self.chain_id,
            type=VoteType.PRECOMMIT,
            height=self.height,
            round=self.round,
            block_hash=self.block_hash,
            time=sig.time,
            validator=sig.validator,
            signature=sig.signature,
        )

    def to_cbor(self) -> dict[str, object]:
        """CBOR-ready map."""
        return {
            "chain_id": self.chain_id,
            "height": self.height,
            "round": self.round,
            "block_hash": self.block_hash,
            "signatures": [sig.to_cbor() for sig in self.signatures],
        }

    @classmethod
    def from_cbor(cls, obj: object) -> Commit:
        """Build and validate from a decoded map."""
        data = fields_of("commit", obj, ("chain_id", "height", "round", "block_hash", "signatures"))
        sigs = tuple(
            CommitSig(**fields_of("commit signature", item, ("validator", "time", "signature")))
            for item in check_list(
                "commit.signatures", data["signatures"], max_items=MAX_VALIDATORS
            )
        )
        commit = cls(**{**data, "signatures": sigs})
        commit.validate()
        return commit
