"""The registry's stored records: members, nodes, accounts and member roles (docs/spec/registry.md).

Each record is a frozen dataclass with ``validate()``, stored as canonical
CBOR of :meth:`to_cbor`, and read back with ``from_stored`` that checks it.
"""

from __future__ import annotations

import re
from abc import ABC, abstractmethod
from collections.abc import Callable
from dataclasses import dataclass, fields
from typing import Any, ClassVar, TypeVar

from govchain.codec import encode
from govchain.ledger import records
from govchain.types.errors import ValidationError
from govchain.types.fields import (
    NAME_PATTERN,
    check_bytes,
    check_list,
    check_text,
    check_uint,
    fields_of,
)
from govchain.types.governance import ACCOUNT_KINDS, MAX_ROLES, ROLE_PATTERN, check_names
from govchain.types.network_registry import (
    MAX_ADMINS,
    MAX_CA_CERT_BYTES,
    MAX_PUBLIC_KEY,
    MAX_WEIGHT,
    MEMBER_PERMISSIONS,
    NODE_NAME_PATTERN,
    ROLES,
    check_sorted_names,
)
from govchain.types.validators import ADDRESS_SIZE

__all__ = [
    "ACCOUNT_STATUSES",
    "BUILTIN_ROLES",
    "MEMBER_STATUSES",
    "NODE_STATUSES",
    "Account",
    "FieldRecord",
    "MemberRecord",
    "NodeRecord",
    "RoleRecord",
    "StoredRecord",
    "decode_stored",
    "json_form",
]

MEMBER_STATUSES = ("active", "suspended", "exited")
NODE_STATUSES = ("active", "removed")
ACCOUNT_STATUSES = ("active", "frozen", "closed")
BUILTIN_ROLES = ("admin", "client", "issue_assets", "publish_contract", "transact")
"""Roles with a fixed meaning: member admins, member applications, the subject permissions."""
MAX_CA_CERTS = 4
MAX_REASON = 512
MAX_ROLE_RESOURCES = 64
CODE_PATTERN = re.compile(r"^[0-9A-Z]{18}$")

_R = TypeVar("_R")


class StoredRecord(ABC):
    """What every stored record shares: its bytes and its JSON form, both from ``to_cbor``."""

    __slots__ = ()

    @abstractmethod
    def to_cbor(self) -> dict[str, object]:
        """The stored map (each record defines it)."""

    def encode(self) -> bytes:
        """The stored value: canonical CBOR of :meth:`to_cbor`."""
        return encode(self.to_cbor())

    def to_json(self) -> dict[str, Any]:
        """The API's JSON form: the stored map with bytes as hex."""
        return json_form(self.to_cbor())  # type: ignore[no-any-return]


class FieldRecord(StoredRecord):
    """A record whose stored map is its dataclass fields, in order (a subclass names ``WHAT``);
    tuples are stored as arrays and read back as tuples."""

    __slots__ = ()
    WHAT: ClassVar[str]

    def to_cbor(self) -> dict[str, object]:
        """The stored map."""
        return {f.name: _stored_value(getattr(self, f.name)) for f in fields(self)}  # type: ignore[arg-type]

    @classmethod
    def from_stored(cls, raw: bytes) -> Any:
        """The record stored under its key; ValidationError if malformed."""
        names = tuple(f.name for f in fields(cls))  # type: ignore[arg-type]
        return decode_stored(raw, cls.WHAT, lambda found: cls(**_tuples(found)), names)


def _stored_value(value: object) -> object:
    return list(value) if isinstance(value, tuple) else value


def _tuples(found: dict[str, Any]) -> dict[str, Any]:
    return {k: tuple(v) if isinstance(v, list) else v for k, v in found.items()}


def json_form(value: object) -> Any:
    """A record's CBOR-ready value as JSON: bytes as lowercase hex, at any depth."""
    if isinstance(value, bytes):
        return value.hex()
    if isinstance(value, dict):
        return {str(k): json_form(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [json_form(item) for item in value]
    return value


def decode_stored(
    raw: bytes, what: str, build: Callable[[dict[str, Any]], _R], names: tuple[str, ...]
) -> _R:
    """A stored record: canonical CBOR of a map with exactly ``names``, built and validated."""

    def decode(obj: object) -> _R:
        record = build(fields_of(what, obj, names))
        record.validate()  # type: ignore[attr-defined]
        return record

    return records.decode_record(raw, decode, records.RECORD_LIMITS, what)


@dataclass(frozen=True, slots=True)
class MemberRecord(StoredRecord):
    """A member organization (F-B1)."""

    code: str
    name: str
    status: str
    permissions: tuple[str, ...]
    weight: int
    admins: tuple[bytes, ...]
    ca_certs: tuple[bytes, ...]
    height: int
    reason: str = ""

    _FIELDS = (
        "code",
        "name",
        "status",
        "permissions",
        "weight",
        "admins",
        "ca_certs",
        "height",
        "reason",
    )

    def validate(self) -> None:
        """Raise ValidationError naming the first field that breaks its rule."""
        check_text("member.code", self.code, max_size=18, pattern=CODE_PATTERN)
        if not check_text("member.name", self.name, max_size=128).strip():
            raise ValidationError("member.name: must not be blank")
        if self.status not in MEMBER_STATUSES:
            raise ValidationError(f"member.status: expected one of {MEMBER_STATUSES}")
        check_sorted_names("member.permissions", list(self.permissions), MEMBER_PERMISSIONS)
        if not check_uint("member.weight", self.weight, maximum=MAX_WEIGHT) >= 1:
            raise ValidationError(f"member.weight: expected 1..{MAX_WEIGHT}")
        admins = check_list("member.admins", self.admins, max_items=MAX_ADMINS)
        if not admins or len(set(self.admins)) != len(admins):
            raise ValidationError(f"member.admins: 1 to {MAX_ADMINS} distinct addresses")
        for admin in self.admins:
            check_bytes("member.admins[]", admin, size=ADDRESS_SIZE)
        check_list("member.ca_certs", self.ca_certs, max_items=MAX_CA_CERTS)
        for cert in self.ca_certs:
            check_bytes("member.ca_certs[]", cert, max_size=MAX_CA_CERT_BYTES)
        check_uint("member.height", self.height)
        check_text("member.reason", self.reason, max_size=MAX_REASON)

    def to_cbor(self) -> dict[str, object]:
        """The stored map."""
        return {
            "code": self.code,
            "name": self.name,
            "status": self.status,
            "permissions": list(self.permissions),
            "weight": self.weight,
            "admins": list(self.admins),
            "ca_certs": list(self.ca_certs),
            "height": self.height,
            "reason": self.reason,
        }

    @classmethod
    def from_stored(cls, raw: bytes) -> MemberRecord:
        """Decode and check a stored member; ValidationError if malformed."""

        def build(data: dict[str, Any]) -> MemberRecord:
            for name in ("permissions", "admins", "ca_certs"):
                data[name] = tuple(check_list(f"member.{name}", data[name], max_items=16))
            return cls(**data)

        return decode_stored(raw, "member record", build, cls._FIELDS)


@dataclass(frozen=True, slots=True)
class NodeRecord(StoredRecord):
    """A node of a member (F-B2)."""

    name: str
    org: str
    role: str
    transport_key: bytes
    validator: bytes
    power: int
    status: str
    height: int

    _FIELDS = ("name", "org", "role", "transport_key", "validator", "power", "status", "height")

    def validate(self) -> None:
        """Raise ValidationError naming the first field that breaks its rule."""
        check_text("node.name", self.name, max_size=63, pattern=NODE_NAME_PATTERN)
        check_text("node.org", self.org, max_size=18, pattern=CODE_PATTERN)
        if self.role not in ROLES:
            raise ValidationError(f"node.role: expected one of {ROLES}")
        check_bytes("node.transport_key", self.transport_key, size=32)
        if self.role == "validator":
            check_bytes("node.validator", self.validator, size=ADDRESS_SIZE)
        elif self.validator or self.power:
            raise ValidationError(f"node: a {self.role} node has no validator and no power")
        check_uint("node.power", self.power)
        if self.status not in NODE_STATUSES:
            raise ValidationError(f"node.status: expected one of {NODE_STATUSES}")
        check_uint("node.height", self.height)

    def to_cbor(self) -> dict[str, object]:
        """The stored map."""
        return {name: getattr(self, name) for name in self._FIELDS}

    @classmethod
    def from_stored(cls, raw: bytes) -> NodeRecord:
        """Decode and check a stored node; ValidationError if malformed."""
        return decode_stored(raw, "node record", lambda data: cls(**data), cls._FIELDS)


@dataclass(frozen=True, slots=True)
class Account(StoredRecord):
    """A registered account (docs/spec/registry.md, "Accounts")."""

    address: bytes
    public_key: bytes
    kind: str
    org: str
    roles: tuple[str, ...]
    status: str
    height: int
    post: str = ""

    _FIELDS = ("address", "public_key", "kind", "org", "roles", "status", "height", "post")

    def validate(self) -> None:
        """Raise ValidationError naming the first field that breaks its rule."""
        check_bytes("account.address", self.address, size=ADDRESS_SIZE)
        if not check_bytes("account.public_key", self.public_key, max_size=MAX_PUBLIC_KEY):
            raise ValidationError("account.public_key: empty")
        if self.kind not in ACCOUNT_KINDS:
            raise ValidationError(f"account.kind: expected one of {ACCOUNT_KINDS}")
        if self.kind == "subject":
            if self.org:
                raise ValidationError("account.org: a subject belongs to no member")
        else:
            check_text("account.org", self.org, max_size=18, pattern=CODE_PATTERN)
        check_names("account.roles", list(self.roles), max_items=MAX_ROLES, pattern=ROLE_PATTERN)
        if self.status not in ACCOUNT_STATUSES:
            raise ValidationError(f"account.status: expected one of {ACCOUNT_STATUSES}")
        check_uint("account.height", self.height)
        check_text("account.post", self.post, max_size=64)

    def to_cbor(self) -> dict[str, object]:
        """The stored map."""
        return {**{name: getattr(self, name) for name in self._FIELDS}, "roles": list(self.roles)}

    @classmethod
    def from_stored(cls, raw: bytes) -> Account:
        """Decode and check a stored account; ValidationError if malformed."""

        def build(data: dict[str, Any]) -> Account:
            data["roles"] = tuple(check_list("account.roles", data["roles"], max_items=MAX_ROLES))
            return cls(**data)

        return decode_stored(raw, "account record", build, cls._FIELDS)


@dataclass(frozen=True, slots=True)
class RoleRecord(StoredRecord):
    """A role a member defines: a set of resources (tx types) its holders may send (F-B4)."""

    org: str
    name: str
    resources: tuple[str, ...]
    height: int

    _FIELDS = ("org", "name", "resources", "height")

    def validate(self) -> None:
        """Raise ValidationError naming the first field that breaks its rule."""
        check_text("role.org", self.org, max_size=18, pattern=CODE_PATTERN)
        check_text("role.name", self.name, max_size=32, pattern=ROLE_PATTERN)
        if self.name in BUILTIN_ROLES:
            raise ValidationError(f"role.name: {self.name!r} is a built-in role")
        names = check_names(
            "role.resources",
            list(self.resources),
            max_items=MAX_ROLE_RESOURCES,
            pattern=NAME_PATTERN,
        )
        if not names:
            raise ValidationError("role.resources: a role needs at least one resource")
        check_uint("role.height", self.height)

    def to_cbor(self) -> dict[str, object]:
        """The stored map."""
        return {
            "org": self.org,
            "name": self.name,
            "resources": list(self.resources),
            "height": self.height,
        }

    @classmethod
    def from_stored(cls, raw: bytes) -> RoleRecord:
        """Decode and check a stored role; ValidationError if malformed."""

        def build(data: dict[str, Any]) -> RoleRecord:
            data["resources"] = tuple(
                check_list("role.resources", data["resources"], max_items=MAX_ROLE_RESOURCES)
            )
            return cls(**data)

        return decode_stored(raw, "role record", build, cls._FIELDS)
