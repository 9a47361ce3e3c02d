"""Department-system access (seed 003 annex A "使用流程"; F-B4, F-G1).

A department system's key applies for access to a member naming the roles it
needs (``registry.access_apply``, policy SELF); an admin of that member grants
them, grants fewer, or refuses with a reason (``registry.access_decide``). A
grant registers the key as a ``system`` account of the member with the
granted roles. docs/spec/registry.md, "Department systems".
::
    registry/access/<address 20B>   the application and its outcome
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace

from govchain.codec import encode
from govchain.contracts.gov.args import ActionArgs
from govchain.contracts.registry.records import Account, StoredRecord
from govchain.contracts.registry.state import (
    REGISTRY_KEY_PREFIX,
    read_account,
    read_member,
    read_role,
    register_account,
)
from govchain.contracts.signing import signed_tx
from govchain.crypto import CryptoSuite, SigningKey
from govchain.execution.registry import ContractError, Handler, ReadState, TxContext
from govchain.ledger import records
from govchain.types import Tx
from govchain.types.errors import ValidationError
from govchain.types.fields import check_bytes, check_list, check_text, check_uint, fields_of
from govchain.types.governance import MAX_ROLES, ROLE_PATTERN, check_names

__all__ = [
    "ACCESS_APPLY_TX_TYPE",
    "ACCESS_DECIDE_TX_TYPE",
    "AccessApplication",
    "AccessApplyArgs",
    "AccessDecideArgs",
    "access_apply_handler",
    "access_apply_tx",
    "access_decide_handler",
    "access_decide_tx",
    "read_access",
]

ACCESS_APPLY_TX_TYPE = "registry.access_apply"
ACCESS_DECIDE_TX_TYPE = "registry.access_decide"
ACCESS_STATUSES = ("applied", "granted", "refused")
_RESERVED = ("admin", "issue_assets", "publish_contract", "transact")
_FIELDS = (
    "address",
    "public_key",
    "member",
    "system",
    "requested",
    "granted",
    "status",
    "applied_height",
    "decided_height",
    "decided_by",
    "reason",
)


def access_key(address: bytes) -> bytes:
    """State key of an access application."""
    return REGISTRY_KEY_PREFIX + b"access/" + address


def _roles(args: ActionArgs, name: str, *, default: list[str] | None = None) -> tuple[str, ...]:
    roles = args.names(name, default=default)
    if len(roles) > MAX_ROLES:
        args.fail(f"argument {name!r}: at most {MAX_ROLES} roles")
    for role in roles:
        if not ROLE_PATTERN.match(role) or role in _RESERVED:
            args.fail(f"argument {name!r}: {role!r} is not a role a department system may hold")
    return roles


@dataclass(frozen=True, slots=True)
class AccessApplyArgs:
    """A department system asks a member for access with these roles."""

    member: str
    system: str
    roles: tuple[str, ...]

    def to_args(self) -> dict[str, object]:
        """The tx's args map."""
        return {"member": self.member, "system": self.system, "roles": list(self.roles)}

    @classmethod
    def from_args(cls, raw: Mapping[str, object]) -> AccessApplyArgs:
        """Parse strictly; ContractError names what is wrong."""
        args = ActionArgs(ACCESS_APPLY_TX_TYPE, raw, ("member", "roles", "system"))
        system = args.text("system", max_size=128)
        if not system.strip():
            args.fail("argument 'system': name the department system")
        roles = _roles(args, "roles")
        if not roles:
            args.fail("argument 'roles': name at least one role")
        return cls(args.code("member"), system, roles)


@dataclass(frozen=True, slots=True)
class AccessDecideArgs:
    """A member admin grants (all or fewer of the requested roles) or refuses, with a reason."""

    address: bytes
    grant: bool
    roles: tuple[str, ...]
    reason: str

    def to_args(self) -> dict[str, object]:
        """The tx's args map."""
        return {
            "address": self.address,
            "grant": self.grant,
            "roles": list(self.roles),
            "reason": self.reason,
        }

    @classmethod
    def from_args(cls, raw: Mapping[str, object]) -> AccessDecideArgs:
        """Parse strictly; ContractError names what is wrong."""
        args = ActionArgs(ACCESS_DECIDE_TX_TYPE, raw, ("address", "grant", "reason", "roles"))
        grant = args.raw("grant")
        if not isinstance(grant, bool):
            args.fail("argument 'grant': expected true or false")
        assert isinstance(grant, bool)
        reason = args.text("reason", max_size=256, default="")
        roles = _roles(args, "roles", default=[])
        if not grant and (roles or not reason.strip()):
            args.fail("a refusal needs a reason and grants no roles")
        if grant and not roles:
            args.fail("a grant names the roles granted")
        return cls(args.address(), grant, roles, reason)


@dataclass(frozen=True, slots=True)
class AccessApplication(StoredRecord):
    """A department system's application and its outcome."""

    address: bytes
    public_key: bytes
    member: str
    system: str
    requested: tuple[str, ...]
    granted: tuple[str, ...]
    status: str
    applied_height: int
    decided_height: int = 0
    decided_by: bytes = b""
    reason: str = ""

    def validate(self) -> None:
        """Raise ValidationError naming the first field that breaks its rule."""
        check_bytes("access.address", self.address, size=20)
        check_bytes("access.public_key", self.public_key, max_size=128)
        check_text("access.member", self.member, max_size=18)
        check_text("access.system", self.system, max_size=128)
        check_names(
            "access.requested", list(self.requested), max_items=MAX_ROLES, pattern=ROLE_PATTERN
        )
        check_names("access.granted", list(self.granted), max_items=MAX_ROLES, pattern=ROLE_PATTERN)
        if not set(self.granted) <= set(self.requested):
            raise ValidationError("access.granted: more than was requested")
        if self.status not in ACCESS_STATUSES:
            raise ValidationError(f"access.status: expected one of {ACCESS_STATUSES}")
        check_uint("access.applied_height", self.applied_height)
        check_uint("access.decided_height", self.decided_height)
        if self.decided_by:
            check_bytes("access.decided_by", self.decided_by, size=20)
        check_text("access.reason", self.reason, max_size=256)

    def to_cbor(self) -> dict[str, object]:
        """The stored map."""
        stored = {name: getattr(self, name) for name in _FIELDS}
        stored["requested"], stored["granted"] = list(self.requested), list(self.granted)
        return stored

    @classmethod
    def from_stored(cls, raw: bytes) -> AccessApplication:
        """Decode and check a stored application; ValidationError if malformed."""

        def build(obj: object) -> AccessApplication:
            data = fields_of("access record", obj, _FIELDS)
            for name in ("requested", "granted"):
                data[name] = tuple(check_list(f"access.{name}", data[name], max_items=MAX_ROLES))
            application = cls(**data)
            application.validate()
            return application

        return records.decode_record(raw, build, records.RECORD_LIMITS, "access record")


def read_access(read: ReadState, address: bytes) -> AccessApplication | None:
    """The access application of ``address``, or None."""
    raw = read(access_key(address))
    return None if raw is None else AccessApplication.from_stored(raw)


def access_apply_handler(suite: CryptoSuite) -> Handler:
    """The handler of ``registry.access_apply`` (the system's own key)."""

    def handle(ctx: TxContext, tx: Tx) -> None:
        args = AccessApplyArgs.from_args(tx.args)
        address = records.address_of(suite, tx.sender)
        member = read_member(ctx.get, args.member)
        if member is None or member.status != "active":
            raise ContractError(f"member {args.member} is not an active member")
        if read_account(ctx.get, address) is not None:
            raise ContractError(f"account {address.hex()} is already registered")
        earlier = read_access(ctx.get, address)
        if earlier is not None and earlier.status == "applied":
            raise ContractError(f"account {address.hex()} already has an open application")
        for role in args.roles:
            if role != "client" and read_role(ctx.get, args.member, role) is None:
                raise ContractError(f"member {args.member} has no role {role!r}")
        application = AccessApplication(
            address, tx.sender, args.member, args.system, args.roles, (), "applied", ctx.height
        )
        application.validate()
        ctx.put(access_key(address), encode(application.to_cbor()))
        ctx.emit("registry.access_applied", address=address, member=args.member)

    return handle


def access_decide_handler(suite: CryptoSuite) -> Handler:
    """The handler of ``registry.access_decide`` (an admin of the member applied to)."""

    def handle(ctx: TxContext, tx: Tx) -> None:
        args = AccessDecideArgs.from_args(tx.args)
        application = read_access(ctx.get, args.address)
        if application is None or application.status != "applied":
            raise ContractError(f"account {args.address.hex()} has no open application")
        decider = records.address_of(suite, tx.sender)
        member = read_member(ctx.get, application.member)
        if member is None or decider not in member.admins:
            raise ContractError(
                f"only an admin of member {application.member} decides this application"
            )
        if not set(args.roles) <= set(application.requested):
            raise ContractError("a grant may narrow the roles asked for, not add to them")
        status = "granted" if args.grant else "refused"
        decided = replace(
            application,
            granted=args.roles,
            status=status,
            decided_height=ctx.height,
            decided_by=decider,
            reason=args.reason,
        )
        decided.validate()
        ctx.put(access_key(args.address), encode(decided.to_cbor()))
        if args.grant:
            account = Account(
                args.address,
                application.public_key,
                "system",
                application.member,
                args.roles,
                "active",
                ctx.height,
            )
            register_account(ctx.get, ctx.put, account)
        ctx.emit("registry.access_decided", address=args.address, status=status)

    return handle


def access_apply_tx(
    key: SigningKey, chain_id: str, args: AccessApplyArgs, nonce: bytes, expiry: int
) -> Tx:
    """A signed ``registry.access_apply`` tx by the department system's own key."""
    parsed = AccessApplyArgs.from_args(args.to_args())
    return signed_tx(key, chain_id, ACCESS_APPLY_TX_TYPE, parsed.to_args(), nonce, expiry)


def access_decide_tx(
    key: SigningKey, chain_id: str, args: AccessDecideArgs, nonce: bytes, expiry: int
) -> Tx:
    """A signed ``registry.access_decide`` tx by an admin of the member applied to."""
    parsed = AccessDecideArgs.from_args(args.to_args())
    return signed_tx(key, chain_id, ACCESS_DECIDE_TX_TYPE, parsed.to_args(), nonce, expiry)
