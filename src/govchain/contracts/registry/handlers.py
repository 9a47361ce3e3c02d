"""The handlers of ``registry``'s own txs: a member's admin manages its accounts and roles.

docs/spec/registry.md, "Tx types". Members, nodes and account status change
by governance instead (``govchain.contracts.gov.actions``).
"""

from __future__ import annotations

from dataclasses import replace

from govchain.contracts.registry.records import Account, MemberRecord, RoleRecord
from govchain.contracts.registry.state import (
    MAX_MEMBER_ROLES,
    account_key,
    append_to_list,
    list_count,
    member_roles,
    read_account,
    read_member,
    read_role,
    register_account,
    role_key,
)
from govchain.contracts.registry.txs import AccountAddArgs, RoleSetArgs, SetRolesArgs
from govchain.crypto import CryptoSuite
from govchain.execution.registry import ContractError, Handler, TxContext
from govchain.ledger import records
from govchain.types import Tx

__all__ = ["account_add_handler", "role_set_handler", "set_roles_handler"]


def _sender_member(suite: CryptoSuite, ctx: TxContext, tx: Tx) -> MemberRecord:
    """The active member the sender administers; ContractError otherwise."""
    address = records.address_of(suite, tx.sender)
    account = read_account(ctx.get, address)
    member = None if account is None or not account.org else read_member(ctx.get, account.org)
    if member is None or address not in member.admins or member.status != "active":
        raise ContractError(f"{tx.type}: the sender is not an admin of an active member")
    return member


def _check_member_roles(ctx: TxContext, code: str, roles: tuple[str, ...]) -> None:
    for role in roles:
        if role != "client" and read_role(ctx.get, code, role) is None:
            raise ContractError(
                f"member {code} has no role {role!r} (define it with registry.role_set)"
            )


def account_add_handler(suite: CryptoSuite) -> Handler:
    """The handler of ``registry.account_add``."""

    def handle(ctx: TxContext, tx: Tx) -> None:
        args = AccountAddArgs.from_args(tx.args)
        member = _sender_member(suite, ctx, tx)
        address = records.address_of(suite, args.public_key)
        if read_account(ctx.get, address) is not None:
            raise ContractError(f"account {address.hex()} is already registered")
        _check_member_roles(ctx, member.code, args.roles)
        account = Account(
            address,
            args.public_key,
            args.kind,
            member.code,
            args.roles,
            "active",
            ctx.height,
            args.post,
        )
        register_account(ctx.get, ctx.put, account)
        ctx.emit("registry.account_added", address=address, org=member.code, kind=args.kind)

    return handle


def set_roles_handler(suite: CryptoSuite) -> Handler:
    """The handler of ``registry.account_set_roles``."""

    def handle(ctx: TxContext, tx: Tx) -> None:
        args = SetRolesArgs.from_args(tx.args)
        member = _sender_member(suite, ctx, tx)
        account = read_account(ctx.get, args.address)
        if account is None or account.org != member.code:
            raise ContractError(
                f"account {args.address.hex()} is not an account of member {member.code}"
            )
        if account.kind == "admin":
            raise ContractError("an admin's roles change by governance")
        _check_member_roles(ctx, member.code, args.roles)
        changed = replace(account, roles=args.roles, post=args.post)
        changed.validate()
        ctx.put(account_key(args.address), changed.encode())
        ctx.emit("registry.roles_set", address=args.address, org=member.code)

    return handle


def role_set_handler(suite: CryptoSuite) -> Handler:
    """The handler of ``registry.role_set``."""

    def handle(ctx: TxContext, tx: Tx) -> None:
        args = RoleSetArgs.from_args(tx.args)
        member = _sender_member(suite, ctx, tx)
        role = RoleRecord(member.code, args.name, args.resources, ctx.height)
        role.validate()
        if read_role(ctx.get, member.code, args.name) is None:
            roles = member_roles(member.code)
            if list_count(ctx.get, roles) >= MAX_MEMBER_ROLES:
                raise ContractError(
                    f"member {member.code} has {MAX_MEMBER_ROLES} roles, the most it may"
                )
            append_to_list(ctx.get, ctx.put, roles, args.name.encode("ascii"))
        ctx.put(role_key(member.code, args.name), role.encode())
        ctx.emit("registry.role_set", org=member.code, name=args.name)

    return handle
