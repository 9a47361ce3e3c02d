"""Transactions: what a client signs and the chain orders (F-A7 replay fields)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from govchain.types.errors import ValidationError
from govchain.types.fields import (
    CHAIN_ID_PATTERN,
    NAME_PATTERN,
    check_bytes,
    check_map,
    check_text,
    check_uint,
    fields_of,
)

SENDER_KINDS = ("key", "cert")
"""``key``: ``sender`` is the public key; ``cert``: it is a certificate id (32-byte hash)."""
NONCE_MIN, NONCE_MAX = 8, 32
MAX_PUBLIC_KEY = 128
MAX_SIGNATURE = 128
MAX_ARGS = 64

_BODY_FIELDS = ("chain_id", "type", "args", "sender_kind", "sender", "nonce", "expiry")


@dataclass(frozen=True, slots=True)
class Tx:
    """A signed transaction.

    ``expiry`` is the last height at which the tx may be committed; together
    with the random ``nonce`` it bounds how long nodes must remember the tx
    hash to refuse replays. The signature covers :meth:`body`.
    """

    chain_id: str
    type: str
    args: dict[str, Any]
    sender_kind: str
    sender: bytes
    nonce: bytes
    expiry: int
    signature: bytes = field(default=b"")

    def validate(self) -> None:
        """Raise ValidationError if any field breaks its rule."""
        check_text("tx.chain_id", self.chain_id, max_size=64, pattern=CHAIN_ID_PATTERN)
        check_text("tx.type", self.type, max_size=64, pattern=NAME_PATTERN)
        check_map("tx.args", self.args, max_items=MAX_ARGS)
        if self.sender_kind not in SENDER_KINDS:
            raise ValidationError(f"tx.sender_kind: expected one of {SENDER_KINDS}")
        if self.sender_kind == "cert":
            check_bytes("tx.sender", self.sender, size=32)
        else:
            check_bytes("tx.sender", self.sender, max_size=MAX_PUBLIC_KEY)
            if not self.sender:
                raise ValidationError("tx.sender: empty public key")
        nonce = check_bytes("tx.nonce", self.nonce, max_size=NONCE_MAX)
        if len(nonce) < NONCE_MIN:
            raise ValidationError(f"tx.nonce: at least {NONCE_MIN} random bytes are needed")
        check_uint("tx.expiry", self.expiry)
        check_bytes("tx.signature", self.signature, max_size=MAX_SIGNATURE)

    def body(self) -> dict[str, object]:
        """The signed part: every field but the signature."""
        return {
            "chain_id": self.chain_id,
            "type": self.type,
            "args": self.args,
            "sender_kind": self.sender_kind,
            "sender": self.sender,
            "nonce": self.nonce,
            "expiry": self.expiry,
        }

    def to_cbor(self) -> dict[str, object]:
        """The whole tx as a CBOR-ready map."""
        return {**self.body(), "signature": self.signature}

    @classmethod
    def from_cbor(cls, obj: object) -> Tx:
        """Build and validate a tx from a decoded map."""
        tx = cls(**fields_of("tx", obj, (*_BODY_FIELDS, "signature")))
        tx.validate()
        return tx
