"""The tx of ``notary``: ``notary.anchor``, its argument record and its builder.

Args: ``{"digest": 32 bytes}`` plus, optionally, ``"title"`` (text, at most
256 characters), ``"doc_type"`` (at most 64) and ``"ref"`` (an external
reference, at most 256); an empty optional field is left out of the map.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from govchain.contracts.notary.state import OPTIONAL_FIELDS
from govchain.crypto import SigningKey
from govchain.execution.registry import ContractError
from govchain.ledger import records
from govchain.types import Tx
from govchain.types.errors import ValidationError
from govchain.types.fields import check_hash, check_text

__all__ = ["NOTARY_TX_TYPE", "AnchorArgs", "anchor_tx"]

NOTARY_TX_TYPE = "notary.anchor"


@dataclass(frozen=True, slots=True)
class AnchorArgs:
    """The args of a ``notary.anchor`` tx."""

    digest: bytes
    title: str = ""
    doc_type: str = ""
    ref: str = ""

    def validate(self) -> None:
        """Raise ValidationError naming the first field that breaks its rule."""
        check_hash(f"{NOTARY_TX_TYPE} digest", self.digest)
        for name, limit in OPTIONAL_FIELDS.items():
            check_text(f"{NOTARY_TX_TYPE} {name}", getattr(self, name), max_size=limit)

    def to_args(self) -> dict[str, object]:
        """The tx's args map: the digest and the optional fields that are not empty."""
        optional = {name: getattr(self, name) for name in OPTIONAL_FIELDS}
        return {"digest": self.digest, **{k: v for k, v in optional.items() if v}}

    @classmethod
    def from_args(cls, args: Mapping[str, object]) -> AnchorArgs:
        """Parse a tx's args strictly; ContractError names what is wrong."""
        names = sorted(args)
        allowed = {"digest", *OPTIONAL_FIELDS}
        if "digest" not in args or not set(names) <= allowed:
            raise ContractError(
                f"{NOTARY_TX_TYPE} args: need 'digest' and at most {sorted(OPTIONAL_FIELDS)}, "
                f"got {names}"
            )
        parsed = cls(**args)  # type: ignore[arg-type]  # checked by validate() below
        try:
            parsed.validate()
        except ValidationError as exc:
            raise ContractError(str(exc)) from exc
        return parsed


def anchor_tx(
    key: SigningKey,
    chain_id: str,
    digest: bytes,
    nonce: bytes,
    expiry: int,
    **optional: str,
) -> Tx:
    """A signed ``notary.anchor`` tx for ``digest`` (``title``, ``doc_type``, ``ref`` optional).

    ``nonce`` is fresh random bytes (8-32); ``expiry`` the last height at
    which the tx may be committed. Raises ContractError for bad args and
    ValidationError for a field that breaks the tx rules, before signing.
    """
    args = AnchorArgs.from_args({"digest": digest, **{k: v for k, v in optional.items() if v}})
    unsigned = Tx(chain_id, NOTARY_TX_TYPE, args.to_args(), "key", key.public_key, nonce, expiry)
    unsigned.validate()
    return records.sign_tx(key, unsigned)
