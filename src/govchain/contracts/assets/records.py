"""The stored records of ``assets``: types, lockers, consents, assets and history entries.

docs/spec/assets.md, "State keys". Each record is a frozen dataclass with
``validate()``, stored as canonical CBOR of ``to_cbor()`` and read back with
``from_stored``, which checks it. Nested values (content, envelopes, blob
references) are records of their own with ``from_cbor``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from govchain.codes import CodeError, check_uscc
from govchain.contracts.assets.content import BlobRef, Content, Envelope
from govchain.contracts.assets.schema import parse_schema
from govchain.contracts.registry.records import StoredRecord, decode_stored
from govchain.types.errors import ValidationError
from govchain.types.fields import (
    check_bytes,
    check_hash,
    check_list,
    check_text,
    check_uint,
)
from govchain.types.validators import ADDRESS_SIZE

__all__ = [
    "ASSET_STATUSES",
    "CONTENT_ID_SIZE",
    "ISSUE_MODES",
    "MODES",
    "TRANSFER_RULES",
    "Asset",
    "AssetType",
    "BlobRef",
    "Consent",
    "Content",
    "Envelope",
    "HistoryEntry",
    "Locker",
    "check_type_code",
    "check_validity",
]

CONTENT_ID_SIZE = 16
ISSUE_MODES = ("authority", "window", "department")
MODES = (*ISSUE_MODES, "self")
TRANSFER_RULES = ("none", "issuer", "holders")
ASSET_STATUSES = (
    "pending",
    "valid",
    "refused",
    "revoked",
    "abolished",
    "transferred",
    "replaced",
)
HOLDER_CODE_TYPES = ("001", "111", "999")
"""GB/T 36903 持证主体代码类型: credit code, citizen number (never stored), other."""
MAX_ISSUERS = 32
MAX_REASON = 256
MAX_VALIDITY_DAYS = 36_500
MAX_LOCKER_PUBLIC_KEY = 65
TYPE_CODE_PATTERN = re.compile(r"^[0-9A-Z]{18}[0-9]{3}$")
_VALIDITY_DAYS = re.compile(r"^days:([1-9][0-9]{0,4})$")


def check_type_code(what: str, code: object) -> str:
    """A type code: a credit code (GB 32100, checked) and 3 digits; else ValidationError."""
    if not isinstance(code, str) or len(code) != 21:
        raise ValidationError(
            f"{what}: expected a credit code followed by 3 digits (21 characters)"
        )
    if any(c not in "0123456789" for c in code[18:]):
        raise ValidationError(f"{what}: the last 3 characters must be digits")
    try:
        check_uscc(code[:18])
    except CodeError as exc:
        raise ValidationError(
            f"{what}: its first 18 characters are not a credit code: {exc}"
        ) from None
    return code


def check_validity(what: str, rule: object) -> str:
    """A validity rule: ``long_term``, ``days:N`` (N in 1..36,500) or ``stated``."""
    text = check_text(what, rule, max_size=16)
    if text in ("long_term", "stated"):
        return text
    match = _VALIDITY_DAYS.fullmatch(text)
    if match is None or int(match.group(1)) > MAX_VALIDITY_DAYS:
        raise ValidationError(
            f"{what}: expected long_term, stated or days:N with N in 1..{MAX_VALIDITY_DAYS}"
        )
    return text


def _address(what: str, value: object, *, allow_empty: bool = False) -> bytes:
    if allow_empty and value == b"":
        return b""
    return check_bytes(what, value, size=ADDRESS_SIZE)


def _reason(what: str, value: object) -> str:
    return check_text(what, value, max_size=MAX_REASON)


def _text_tuple(what: str, value: object, max_items: int) -> tuple[str, ...]:
    items = check_list(what, value, max_items=max_items)
    return tuple(check_text(what, item, max_size=64) for item in items)


@dataclass(frozen=True, slots=True)
class AssetType(StoredRecord):
    """One version of an asset type (docs/spec/assets.md, ``assets.type_define``)."""

    code: str
    version: int
    name: str
    schema: dict[str, object]
    issuers: tuple[str, ...]
    modes: tuple[str, ...]
    validity: str
    regulator: bytes
    transfer: str
    owner: str
    height: int

    _FIELDS = (
        "code",
        "version",
        "name",
        "schema",
        "issuers",
        "modes",
        "validity",
        "regulator",
        "transfer",
        "owner",
        "height",
    )

    def validate(self) -> None:
        """Raise ValidationError naming the first field that breaks its rule."""
        check_type_code("type.code", self.code)
        if not check_uint("type.version", self.version, maximum=2**32 - 1) >= 1:
            raise ValidationError("type.version: versions start at 1")
        if not check_text("type.name", self.name, max_size=64).strip():
            raise ValidationError("type.name: must not be blank")
        parse_schema(self.schema)
        if not self.issuers or len(set(self.issuers)) != len(self.issuers):
            raise ValidationError(f"type.issuers: expected 1..{MAX_ISSUERS} distinct credit codes")
        for code in check_list("type.issuers", list(self.issuers), max_items=MAX_ISSUERS):
            _credit_code("type.issuers", code)
        if (
            not self.modes
            or not set(self.modes) <= set(MODES)
            or len(set(self.modes)) != len(self.modes)
        ):
            raise ValidationError(f"type.modes: expected distinct values of {MODES}")
        check_validity("type.validity", self.validity)
        _address("type.regulator", self.regulator, allow_empty=True)
        if self.transfer not in TRANSFER_RULES:
            raise ValidationError(f"type.transfer: expected one of {TRANSFER_RULES}")
        _credit_code("type.owner", self.owner)
        check_uint("type.height", self.height)

    def to_cbor(self) -> dict[str, object]:
        """The stored map."""
        return {
            "code": self.code,
            "version": self.version,
            "name": self.name,
            "schema": self.schema,
            "issuers": list(self.issuers),
            "modes": list(self.modes),
            "validity": self.validity,
            "regulator": self.regulator,
            "transfer": self.transfer,
            "owner": self.owner,
            "height": self.height,
        }

    @classmethod
    def from_stored(cls, raw: bytes) -> AssetType:
        """The record stored under a type version key; ValidationError if malformed."""

        def build(found: dict[str, Any]) -> AssetType:
            found["issuers"] = _text_tuple("type.issuers", found["issuers"], MAX_ISSUERS)
            found["modes"] = _text_tuple("type.modes", found["modes"], len(MODES))
            if not isinstance(found["schema"], Mapping):
                raise ValidationError("type.schema: expected a map")
            found["schema"] = dict(found["schema"])
            return cls(**found)

        return decode_stored(raw, "asset type", build, cls._FIELDS)


def _credit_code(what: str, code: object) -> str:
    text = check_text(what, code, max_size=18)
    try:
        check_uscc(text)
    except CodeError as exc:
        raise ValidationError(f"{what}: not a credit code: {exc}") from exc
    return text


@dataclass(frozen=True, slots=True)
class Locker(StoredRecord):
    """An account's digital locker: its encryption public key and the wrapped private key's blob."""

    address: bytes
    public_key: bytes
    key_blob: BlobRef
    height: int

    _FIELDS = ("address", "public_key", "key_blob", "height")

    def validate(self) -> None:
        """Raise ValidationError naming the first field that breaks its rule."""
        _address("locker.address", self.address)
        if len(check_bytes("locker.public_key", self.public_key, max_size=65)) not in (32, 65):
            raise ValidationError("locker.public_key: expected 32 (X25519) or 65 (SM2) bytes")
        self.key_blob.validate()
        check_uint("locker.height", self.height)

    def to_cbor(self) -> dict[str, object]:
        """The stored map."""
        return {
            "address": self.address,
            "public_key": self.public_key,
            "key_blob": self.key_blob.to_cbor(),
            "height": self.height,
        }

    @classmethod
    def from_stored(cls, raw: bytes) -> Locker:
        """The record stored under a locker key; ValidationError if malformed."""

        def build(found: dict[str, Any]) -> Locker:
            found["key_blob"] = BlobRef.from_cbor(found["key_blob"], "locker.key_blob")
            return cls(**found)

        return decode_stored(raw, "locker", build, cls._FIELDS)


@dataclass(frozen=True, slots=True)
class Consent(StoredRecord):
    """A holder's consent, used once: the last height it may be used at, and its tx."""

    until: int
    tx_hash: bytes

    _FIELDS = ("until", "tx_hash")

    def validate(self) -> None:
        """Raise ValidationError naming the first field that breaks its rule."""
        check_uint("consent.until", self.until)
        check_hash("consent.tx_hash", self.tx_hash)

    def to_cbor(self) -> dict[str, object]:
        """The stored map."""
        return {"until": self.until, "tx_hash": self.tx_hash}

    @classmethod
    def from_stored(cls, raw: bytes) -> Consent:
        """The record stored under a consent key; ValidationError if malformed."""
        return decode_stored(raw, "consent", lambda found: cls(**found), cls._FIELDS)


@dataclass(frozen=True, slots=True)
class Asset(StoredRecord):
    """One version of an asset (docs/spec/assets.md, "State keys")."""

    content_id: bytes
    type: str
    type_version: int
    holder: bytes
    holder_code: str
    holder_code_type: str
    issuer: str
    mode: str
    status: str
    identifier: str
    serial: int
    version: int
    metadata: dict[str, object]
    content: Content
    valid_from: int
    valid_until: int
    issued_by: bytes
    verified_by: bytes
    consent_tx: bytes
    replaces: bytes
    replaced_by: bytes
    reason: str
    height: int
    last_tx: bytes

    _FIELDS = (
        "content_id",
        "type",
        "type_version",
        "holder",
        "holder_code",
        "holder_code_type",
        "issuer",
        "mode",
        "status",
        "identifier",
        "serial",
        "version",
        "metadata",
        "content",
        "valid_from",
        "valid_until",
        "issued_by",
        "verified_by",
        "consent_tx",
        "replaces",
        "replaced_by",
        "reason",
        "height",
        "last_tx",
    )

    def validate(self) -> None:
        """Raise ValidationError naming the first field that breaks its rule."""
        check_bytes("asset.content_id", self.content_id, size=CONTENT_ID_SIZE)
        check_type_code("asset.type", self.type)
        check_uint("asset.type_version", self.type_version, maximum=2**32 - 1)
        _address("asset.holder", self.holder)
        check_text("asset.holder_code", self.holder_code, max_size=18)
        if self.holder_code_type not in HOLDER_CODE_TYPES:
            raise ValidationError(f"asset.holder_code_type: expected one of {HOLDER_CODE_TYPES}")
        if self.issuer:
            _credit_code("asset.issuer", self.issuer)
        if self.mode not in MODES:
            raise ValidationError(f"asset.mode: expected one of {MODES}")
        if self.status not in ASSET_STATUSES:
            raise ValidationError(f"asset.status: expected one of {ASSET_STATUSES}")
        check_text("asset.identifier", self.identifier, max_size=128)
        check_uint("asset.serial", self.serial, maximum=99_999_999)
        check_uint("asset.version", self.version, maximum=999)
        if not isinstance(self.metadata, Mapping):
            raise ValidationError("asset.metadata: expected a map")
        self.content.validate()
        check_uint("asset.valid_from", self.valid_from)
        check_uint("asset.valid_until", self.valid_until)
        _address("asset.issued_by", self.issued_by, allow_empty=True)
        _address("asset.verified_by", self.verified_by, allow_empty=True)
        check_hash("asset.consent_tx", self.consent_tx, allow_empty=True)
        for name in ("replaces", "replaced_by"):
            value = getattr(self, name)
            if value != b"":
                check_bytes(f"asset.{name}", value, size=CONTENT_ID_SIZE)
        _reason("asset.reason", self.reason)
        check_uint("asset.height", self.height)
        check_hash("asset.last_tx", self.last_tx)

    def to_cbor(self) -> dict[str, object]:
        """The stored map."""
        found: dict[str, object] = {name: getattr(self, name) for name in self._FIELDS}
        found["content"] = self.content.to_cbor()
        return found

    @classmethod
    def from_stored(cls, raw: bytes) -> Asset:
        """The record stored under an asset key; ValidationError if malformed."""

        def build(found: dict[str, Any]) -> Asset:
            found["content"] = Content.from_cbor(found["content"])
            if not isinstance(found["metadata"], Mapping):
                raise ValidationError("asset.metadata: expected a map")
            found["metadata"] = dict(found["metadata"])
            return cls(**found)

        return decode_stored(raw, "asset", build, cls._FIELDS)


@dataclass(frozen=True, slots=True)
class HistoryEntry(StoredRecord):
    """One written change of an asset: what, the status after it, who, when and which tx."""

    action: str
    status: str
    by: bytes
    height: int
    time: int
    tx_hash: bytes
    reason: str

    _FIELDS = ("action", "status", "by", "height", "time", "tx_hash", "reason")

    def validate(self) -> None:
        """Raise ValidationError naming the first field that breaks its rule."""
        check_text("history.action", self.action, max_size=32)
        if self.status not in ASSET_STATUSES:
            raise ValidationError(f"history.status: expected one of {ASSET_STATUSES}")
        _address("history.by", self.by)
        check_uint("history.height", self.height)
        check_uint("history.time", self.time)
        check_hash("history.tx_hash", self.tx_hash)
        _reason("history.reason", self.reason)

    def to_cbor(self) -> dict[str, object]:
        """The stored map."""
        return {name: getattr(self, name) for name in self._FIELDS}

    @classmethod
    def from_stored(cls, raw: bytes) -> HistoryEntry:
        """The entry stored in an asset's history list; ValidationError if malformed."""
        return decode_stored(raw, "history entry", lambda found: cls(**found), cls._FIELDS)
