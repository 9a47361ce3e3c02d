"""The tx of ``messages``: ``messages.notice``, its argument record and its builder.

docs/spec/messages.md, "Proof of delivery". Args ``{"recipient": address,
"hash": message id}``; nothing else. A bad argument is a ContractError
starting with ``invalid_args:``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from govchain.contracts.signing import signed_tx
from govchain.crypto import SigningKey
from govchain.execution.registry import ContractError
from govchain.types import Tx
from govchain.types.errors import ValidationError
from govchain.types.fields import check_bytes, check_hash
from govchain.types.validators import ADDRESS_SIZE

__all__ = ["NOTICE_TX_TYPE", "NoticeArgs", "notice_tx"]

NOTICE_TX_TYPE = "messages.notice"


@dataclass(frozen=True, slots=True)
class NoticeArgs:
    """The args of ``messages.notice``: to whom, and the message's id (the hash noticed)."""

    recipient: bytes
    hash: bytes

    def validate(self) -> None:
        """Raise ValidationError naming the first field that breaks its rule."""
        check_bytes(f"{NOTICE_TX_TYPE} recipient", self.recipient, size=ADDRESS_SIZE)
        check_hash(f"{NOTICE_TX_TYPE} hash", self.hash)

    def to_args(self) -> dict[str, object]:
        """The tx's args map."""
        return {"recipient": self.recipient, "hash": self.hash}

    @classmethod
    def from_args(cls, args: Mapping[str, object]) -> NoticeArgs:
        """Parse a tx's args strictly; ContractError ``invalid_args`` names what is wrong."""
        if set(args) != {"recipient", "hash"}:
            raise ContractError(
                f"invalid_args: {NOTICE_TX_TYPE} needs exactly recipient and hash, "
                f"got {sorted(args)}"
            )
        parsed = cls(args["recipient"], args["hash"])  # type: ignore[arg-type]  # checked below
        try:
            parsed.validate()
        except ValidationError as exc:
            raise ContractError(f"invalid_args: {exc}") from exc
        return parsed


def notice_tx(key: SigningKey, chain_id: str, args: NoticeArgs, nonce: bytes, expiry: int) -> Tx:
    """A signed ``messages.notice`` tx (args checked first)."""
    args.validate()
    return signed_tx(key, chain_id, NOTICE_TX_TYPE, args.to_args(), nonce, expiry)
