"""The txs of ``assets``: argument records with strict parsing, and one builder.

docs/spec/assets.md, "Tx types". Each argument record has ``TX_TYPE``,
``to_args()`` (the tx's args map) and ``from_args()`` (a strict parse that
raises ContractError starting with ``invalid_args:``). ``assets_tx`` signs
any of them.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, ClassVar, Protocol, TypeVar

from govchain.contracts.assets.content import BlobRef, Content
from govchain.contracts.assets.records import (
    CONTENT_ID_SIZE,
    ISSUE_MODES,
    MAX_REASON,
    check_type_code,
    check_validity,
)
from govchain.contracts.signing import signed_tx
from govchain.crypto import SigningKey
from govchain.execution.registry import ContractError
from govchain.types import Tx
from govchain.types.errors import ValidationError
from govchain.types.fields import check_bytes, check_list, check_map, check_text, check_uint
from govchain.types.validators import ADDRESS_SIZE

__all__ = [
    "CONSENT_MODES",
    "MAX_CONSENT_SPAN",
    "MAX_FIELD_TEXT",
    "MAX_METADATA",
    "ArgsRecord",
    "ConsentArgs",
    "IssueArgs",
    "LockerInitArgs",
    "NewVersion",
    "ReviewArgs",
    "StatusArgs",
    "SubmitArgs",
    "TransferArgs",
    "TypeDefineArgs",
    "assets_tx",
    "check_metadata",
]

CONSENT_MODES = ("window", "department", "transfer")
MAX_CONSENT_SPAN = 100_000
MAX_METADATA = 64
MAX_FIELD_TEXT = 4096

_A = TypeVar("_A", bound="ArgsRecord")


class ArgsRecord(Protocol):
    """What every argument record offers."""

    TX_TYPE: ClassVar[str]

    def to_args(self) -> dict[str, object]:
        """The tx's args map."""
        ...


def _parse(
    tx_type: str,
    args: Mapping[str, object],
    required: tuple[str, ...],
    optional: tuple[str, ...] = (),
) -> dict[str, Any]:
    names = set(args)
    missing = sorted(set(required) - names)
    extra = sorted(names - set(required) - set(optional))
    if missing or extra:
        raise ContractError(
            f"invalid_args: {tx_type} needs {sorted(required)}"
            + (f" and may have {sorted(optional)}" if optional else "")
            + f" (missing {missing}, unexpected {extra})"
        )
    return dict(args)


def _checked(tx_type: str, build: Any) -> Any:
    try:
        return build()
    except ValidationError as exc:
        raise ContractError(f"invalid_args: {tx_type}: {exc}") from exc


def check_metadata(what: str, value: object) -> dict[str, object]:
    """Public fields: at most 64, text keys, text (<= 4,096 characters) or integer values."""
    found = check_map(what, value, max_items=MAX_METADATA)
    for name, item in found.items():
        if isinstance(item, bool) or not isinstance(item, (str, int)):
            raise ValidationError(f"{what}.{name}: expected text or an integer")
        if isinstance(item, str):
            check_text(f"{what}.{name}", item, max_size=MAX_FIELD_TEXT)
        elif not -(2**63) <= item < 2**63:
            raise ValidationError(f"{what}.{name}: the integer is out of range")
    return found


def _content_id(what: str, value: object) -> bytes:
    return check_bytes(what, value, size=CONTENT_ID_SIZE)


def _address(what: str, value: object) -> bytes:
    return check_bytes(what, value, size=ADDRESS_SIZE)


def _reason(what: str, value: object, *, required: bool) -> str:
    text = check_text(what, value, max_size=MAX_REASON)
    if required and not text.strip():
        raise ValidationError(f"{what}: a reason is required")
    return text


@dataclass(frozen=True, slots=True)
class TypeDefineArgs:
    """``assets.type_define``: a new type, or a new version of one the sender's member owns."""

    TX_TYPE: ClassVar[str] = "assets.type_define"
    code: str
    name: str
    schema: dict[str, object]
    issuers: tuple[str, ...]
    modes: tuple[str, ...]
    validity: str
    regulator: bytes
    transfer: str

    def to_args(self) -> dict[str, object]:
        """The tx's args map."""
        return {
            "code": self.code,
            "name": self.name,
            "schema": self.schema,
            "issuers": list(self.issuers),
            "modes": list(self.modes),
            "validity": self.validity,
            "regulator": self.regulator,
            "transfer": self.transfer,
        }

    @classmethod
    def from_args(cls, args: Mapping[str, object]) -> TypeDefineArgs:
        """Parse strictly; the type record's own checks run in the handler."""
        found = _parse(cls.TX_TYPE, args, tuple(cls.__dataclass_fields__)[1:])

        def build() -> TypeDefineArgs:
            check_type_code("code", found["code"])
            check_validity("validity", found["validity"])
            return cls(
                found["code"],
                check_text("name", found["name"], max_size=64),
                check_map("schema", found["schema"]),
                tuple(
                    check_text("issuers", c, max_size=18)
                    for c in check_list("issuers", found["issuers"], max_items=32)
                ),
                tuple(
                    check_text("modes", m, max_size=16)
                    for m in check_list("modes", found["modes"], max_items=4)
                ),
                found["validity"],
                check_bytes("regulator", found["regulator"], max_size=ADDRESS_SIZE),
                check_text("transfer", found["transfer"], max_size=16),
            )

        return _checked(cls.TX_TYPE, build)  # type: ignore[no-any-return]


@dataclass(frozen=True, slots=True)
class LockerInitArgs:
    """``assets.locker_init``: open the sender's locker."""

    TX_TYPE: ClassVar[str] = "assets.locker_init"
    public_key: bytes
    key_blob: BlobRef

    def to_args(self) -> dict[str, object]:
        """The tx's args map."""
        return {"public_key": self.public_key, "key_blob": self.key_blob.to_cbor()}

    @classmethod
    def from_args(cls, args: Mapping[str, object]) -> LockerInitArgs:
        """Parse strictly."""
        found = _parse(cls.TX_TYPE, args, ("public_key", "key_blob"))
        return _checked(  # type: ignore[no-any-return]
            cls.TX_TYPE,
            lambda: cls(
                check_bytes("public_key", found["public_key"], max_size=65),
                BlobRef.from_cbor(found["key_blob"], "key_blob"),
            ),
        )


@dataclass(frozen=True, slots=True)
class ConsentArgs:
    """``assets.consent``: the holder lets ``party`` act once, in ``mode``, on a type."""

    TX_TYPE: ClassVar[str] = "assets.consent"
    type: str
    mode: str
    party: str
    until: int

    def to_args(self) -> dict[str, object]:
        """The tx's args map."""
        return {"type": self.type, "mode": self.mode, "party": self.party, "until": self.until}

    @classmethod
    def from_args(cls, args: Mapping[str, object]) -> ConsentArgs:
        """Parse strictly."""
        found = _parse(cls.TX_TYPE, args, ("type", "mode", "party", "until"))

        def build() -> ConsentArgs:
            mode = check_text("mode", found["mode"], max_size=16)
            if mode not in CONSENT_MODES:
                raise ValidationError(f"mode: expected one of {CONSENT_MODES}")
            party = check_text("party", found["party"], max_size=2 * ADDRESS_SIZE)
            if mode == "transfer" and not _is_hex_address(party):
                raise ValidationError("party: a transfer consent names the holder's address (hex)")
            if mode != "transfer" and len(party) != 18:
                raise ValidationError("party: expected the acting member's credit code")
            return cls(
                check_type_code("type", found["type"]),
                mode,
                party,
                check_uint("until", found["until"]),
            )

        return _checked(cls.TX_TYPE, build)  # type: ignore[no-any-return]


def _is_hex_address(text: str) -> bool:
    return len(text) == 2 * ADDRESS_SIZE and all(c in "0123456789abcdef" for c in text)


@dataclass(frozen=True, slots=True)
class NewVersion:
    """What every new asset version carries: its content id, public fields and content."""

    content_id: bytes
    metadata: dict[str, object]
    content: Content

    def to_args(self) -> dict[str, object]:
        """The shared part of the args map."""
        return {
            "content_id": self.content_id,
            "metadata": self.metadata,
            "content": self.content.to_cbor(),
        }

    @classmethod
    def parse(cls, found: Mapping[str, object]) -> NewVersion:
        """The shared part, checked; ValidationError names the field."""
        return cls(
            _content_id("content_id", found["content_id"]),
            check_metadata("metadata", found["metadata"]),
            Content.from_cbor(found["content"]),
        )


@dataclass(frozen=True, slots=True)
class IssueArgs:
    """``assets.issue``: a department issues a valid asset to a holder."""

    TX_TYPE: ClassVar[str] = "assets.issue"
    new: NewVersion
    type: str
    holder: bytes
    mode: str
    valid_until: int = 0
    verified_by: bytes = b""
    replaces: bytes = b""

    def to_args(self) -> dict[str, object]:
        """The tx's args map (absent optional fields left out)."""
        args = {**self.new.to_args(), "type": self.type, "holder": self.holder, "mode": self.mode}
        for name in ("valid_until", "verified_by", "replaces"):
            if getattr(self, name):
                args[name] = getattr(self, name)
        return args

    @classmethod
    def from_args(cls, args: Mapping[str, object]) -> IssueArgs:
        """Parse strictly."""
        found = _parse(
            cls.TX_TYPE,
            args,
            ("content_id", "metadata", "content", "type", "holder", "mode"),
            ("valid_until", "verified_by", "replaces"),
        )

        def build() -> IssueArgs:
            mode = check_text("mode", found["mode"], max_size=16)
            if mode not in ISSUE_MODES:
                raise ValidationError(f"mode: expected one of {ISSUE_MODES}")
            verified_by = found.get("verified_by", b"")
            replaces = found.get("replaces", b"")
            return cls(
                NewVersion.parse(found),
                check_type_code("type", found["type"]),
                _address("holder", found["holder"]),
                mode,
                check_uint("valid_until", found.get("valid_until", 0)),
                _address("verified_by", verified_by) if verified_by else b"",
                _content_id("replaces", replaces) if replaces else b"",
            )

        return _checked(cls.TX_TYPE, build)  # type: ignore[no-any-return]


@dataclass(frozen=True, slots=True)
class SubmitArgs:
    """``assets.submit``: the holder uploads its own document for review (mode ``self``)."""

    TX_TYPE: ClassVar[str] = "assets.submit"
    new: NewVersion
    type: str

    def to_args(self) -> dict[str, object]:
        """The tx's args map."""
        return {**self.new.to_args(), "type": self.type}

    @classmethod
    def from_args(cls, args: Mapping[str, object]) -> SubmitArgs:
        """Parse strictly."""
        found = _parse(cls.TX_TYPE, args, ("content_id", "metadata", "content", "type"))
        return _checked(  # type: ignore[no-any-return]
            cls.TX_TYPE,
            lambda: cls(NewVersion.parse(found), check_type_code("type", found["type"])),
        )


@dataclass(frozen=True, slots=True)
class ReviewArgs:
    """``assets.review``: approve or refuse a pending asset."""

    TX_TYPE: ClassVar[str] = "assets.review"
    content_id: bytes
    approve: bool
    reason: str = ""
    valid_until: int = 0

    def to_args(self) -> dict[str, object]:
        """The tx's args map (absent optional fields left out)."""
        args: dict[str, object] = {"content_id": self.content_id, "approve": self.approve}
        if self.reason:
            args["reason"] = self.reason
        if self.valid_until:
            args["valid_until"] = self.valid_until
        return args

    @classmethod
    def from_args(cls, args: Mapping[str, object]) -> ReviewArgs:
        """Parse strictly: a refusal needs a reason."""
        found = _parse(cls.TX_TYPE, args, ("content_id", "approve"), ("reason", "valid_until"))

        def build() -> ReviewArgs:
            approve = found["approve"]
            if not isinstance(approve, bool):
                raise ValidationError("approve: expected true or false")
            reason = _reason("reason", found.get("reason", ""), required=not approve)
            return cls(
                _content_id("content_id", found["content_id"]),
                approve,
                reason,
                check_uint("valid_until", found.get("valid_until", 0)),
            )

        return _checked(cls.TX_TYPE, build)  # type: ignore[no-any-return]


@dataclass(frozen=True, slots=True)
class StatusArgs:
    """``assets.revoke`` (撤销) and ``assets.abolish`` (废止): end a valid asset, with a reason."""

    TX_TYPE: ClassVar[str] = "assets.revoke"
    content_id: bytes
    reason: str
    abolish: bool = False

    def to_args(self) -> dict[str, object]:
        """The tx's args map."""
        return {"content_id": self.content_id, "reason": self.reason}

    @property
    def tx_type(self) -> str:
        """``assets.abolish`` or ``assets.revoke``."""
        return "assets.abolish" if self.abolish else "assets.revoke"

    @classmethod
    def from_args(cls, args: Mapping[str, object], *, abolish: bool = False) -> StatusArgs:
        """Parse strictly."""
        tx_type = "assets.abolish" if abolish else cls.TX_TYPE
        found = _parse(tx_type, args, ("content_id", "reason"))
        return _checked(  # type: ignore[no-any-return]
            tx_type,
            lambda: cls(
                _content_id("content_id", found["content_id"]),
                _reason("reason", found["reason"], required=True),
                abolish,
            ),
        )


@dataclass(frozen=True, slots=True)
class TransferArgs:
    """``assets.transfer`` (转移): a new version of a valid asset for another holder."""

    TX_TYPE: ClassVar[str] = "assets.transfer"
    content_id: bytes
    new: NewVersion
    holder: bytes

    def to_args(self) -> dict[str, object]:
        """The tx's args map."""
        return {"content_id": self.content_id, "new": {**self.new.to_args(), "holder": self.holder}}

    @classmethod
    def from_args(cls, args: Mapping[str, object]) -> TransferArgs:
        """Parse strictly."""
        found = _parse(cls.TX_TYPE, args, ("content_id", "new"))

        def build() -> TransferArgs:
            new = _parse(
                cls.TX_TYPE + " new",
                check_map("new", found["new"]),
                ("content_id", "metadata", "content", "holder"),
            )
            return cls(
                _content_id("content_id", found["content_id"]),
                NewVersion.parse(new),
                _address("new.holder", new["holder"]),
            )

        return _checked(cls.TX_TYPE, build)  # type: ignore[no-any-return]


def assets_tx(key: SigningKey, chain_id: str, args: ArgsRecord, nonce: bytes, expiry: int) -> Tx:
    """A signed tx of ``args``'s type (``assets.abolish`` for an abolishing StatusArgs)."""
    tx_type = args.tx_type if isinstance(args, StatusArgs) else args.TX_TYPE
    return signed_tx(key, chain_id, tx_type, args.to_args(), nonce, expiry)
