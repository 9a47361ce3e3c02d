"""The txs of ``registry`` that a member's admin sends, their args and builders.

docs/spec/registry.md, "Tx types": ``registry.account_add``,
``registry.account_set_roles``, ``registry.role_set``. Args are parsed
strictly; a refusal names the argument.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from govchain.contracts.gov.args import ActionArgs
from govchain.contracts.registry.records import BUILTIN_ROLES, MAX_ROLE_RESOURCES
from govchain.contracts.signing import signed_tx
from govchain.crypto import SigningKey
from govchain.types import Tx
from govchain.types.fields import NAME_PATTERN
from govchain.types.governance import MAX_ROLES, ROLE_PATTERN
from govchain.types.network_registry import MAX_PUBLIC_KEY

__all__ = [
    "ACCOUNT_ADD_TX_TYPE",
    "MEMBER_ACCOUNT_KINDS",
    "ROLE_SET_TX_TYPE",
    "SET_ROLES_TX_TYPE",
    "AccountAddArgs",
    "RoleSetArgs",
    "SetRolesArgs",
    "account_add_tx",
    "role_set_tx",
    "set_roles_tx",
]

ACCOUNT_ADD_TX_TYPE = "registry.account_add"
SET_ROLES_TX_TYPE = "registry.account_set_roles"
ROLE_SET_TX_TYPE = "registry.role_set"
MEMBER_ACCOUNT_KINDS = ("client", "staff", "system")
_RESERVED_ROLES = tuple(role for role in BUILTIN_ROLES if role != "client")
"""Roles an admin may not hand out: ``admin`` (by governance) and the subject permissions."""


def _roles(args: ActionArgs) -> tuple[str, ...]:
    roles = args.names("roles", default=[])
    if len(roles) > MAX_ROLES:
        args.fail(f"argument 'roles': at most {MAX_ROLES}")
    for role in roles:
        if not ROLE_PATTERN.match(role):
            args.fail(f"argument 'roles': {role!r} is not a role name")
        if role in _RESERVED_ROLES:
            args.fail(f"argument 'roles': {role!r} is not given by a member admin")
    return roles


@dataclass(frozen=True, slots=True)
class AccountAddArgs:
    """Register an account of the sender's member."""

    public_key: bytes
    kind: str
    roles: tuple[str, ...] = ()
    post: str = ""

    def to_args(self) -> dict[str, object]:
        """The tx's args map."""
        return {
            "public_key": self.public_key,
            "kind": self.kind,
            "roles": list(self.roles),
            "post": self.post,
        }

    @classmethod
    def from_args(cls, raw: Mapping[str, object]) -> AccountAddArgs:
        """Parse strictly; ContractError names what is wrong."""
        args = ActionArgs(ACCOUNT_ADD_TX_TYPE, raw, ("kind", "post", "public_key", "roles"))
        key = args.raw("public_key")
        if not isinstance(key, bytes) or not 0 < len(key) <= MAX_PUBLIC_KEY:
            args.fail("argument 'public_key': expected the account's public key")
        assert isinstance(key, bytes)
        kind = args.text("kind", max_size=16)
        if kind not in MEMBER_ACCOUNT_KINDS:
            args.fail(f"argument 'kind': expected one of {', '.join(MEMBER_ACCOUNT_KINDS)}")
        return cls(key, kind, _roles(args), args.text("post", max_size=64, default=""))


@dataclass(frozen=True, slots=True)
class SetRolesArgs:
    """Replace the roles and post of an account of the sender's member."""

    address: bytes
    roles: tuple[str, ...]
    post: str = ""

    def to_args(self) -> dict[str, object]:
        """The tx's args map."""
        return {"address": self.address, "roles": list(self.roles), "post": self.post}

    @classmethod
    def from_args(cls, raw: Mapping[str, object]) -> SetRolesArgs:
        """Parse strictly; ContractError names what is wrong."""
        args = ActionArgs(SET_ROLES_TX_TYPE, raw, ("address", "post", "roles"))
        return cls(args.address(), _roles(args), args.text("post", max_size=64, default=""))


@dataclass(frozen=True, slots=True)
class RoleSetArgs:
    """Define or replace a role of the sender's member."""

    name: str
    resources: tuple[str, ...]

    def to_args(self) -> dict[str, object]:
        """The tx's args map."""
        return {"name": self.name, "resources": list(self.resources)}

    @classmethod
    def from_args(cls, raw: Mapping[str, object]) -> RoleSetArgs:
        """Parse strictly; ContractError names what is wrong."""
        args = ActionArgs(ROLE_SET_TX_TYPE, raw, ("name", "resources"))
        name = args.text("name", max_size=32, pattern=ROLE_PATTERN)
        if name in BUILTIN_ROLES:
            args.fail(f"argument 'name': {name!r} is a built-in role")
        resources = args.names("resources")
        if not 1 <= len(resources) <= MAX_ROLE_RESOURCES:
            args.fail(f"argument 'resources': 1 to {MAX_ROLE_RESOURCES} tx types")
        for resource in resources:
            if not NAME_PATTERN.match(resource) or len(resource) > 64:
                args.fail(f"argument 'resources': {resource!r} is not a tx type")
        return cls(name, resources)


def account_add_tx(
    key: SigningKey, chain_id: str, args: AccountAddArgs, nonce: bytes, expiry: int
) -> Tx:
    """A signed ``registry.account_add`` tx; ContractError for bad args before signing."""
    parsed = AccountAddArgs.from_args(args.to_args())
    return signed_tx(key, chain_id, ACCOUNT_ADD_TX_TYPE, parsed.to_args(), nonce, expiry)


def set_roles_tx(
    key: SigningKey, chain_id: str, args: SetRolesArgs, nonce: bytes, expiry: int
) -> Tx:
    """A signed ``registry.account_set_roles`` tx."""
    parsed = SetRolesArgs.from_args(args.to_args())
    return signed_tx(key, chain_id, SET_ROLES_TX_TYPE, parsed.to_args(), nonce, expiry)


def role_set_tx(key: SigningKey, chain_id: str, args: RoleSetArgs, nonce: bytes, expiry: int) -> Tx:
    """A signed ``registry.role_set`` tx."""
    parsed = RoleSetArgs.from_args(args.to_args())
    return signed_tx(key, chain_id, ROLE_SET_TX_TYPE, parsed.to_args(), nonce, expiry)
