"""Governance actions of ``supervision``: ``regulator.set`` and ``regulator.remove``.

docs/spec/supervision.md, "Governance actions". Built into gov's action
table (``contracts.gov.actions.build_actions``): a scope is decided by vote
and executes in the tx that decides it, whose hash names the scope.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import replace

from govchain.contracts.assets.state import read_locker
from govchain.contracts.gov.args import ActionArgs
from govchain.contracts.registry.state import read_account, read_member
from govchain.contracts.state_lists import append_to_list
from govchain.contracts.supervision.records import SCOPE_ID_SIZE, RegulatorScope
from govchain.contracts.supervision.state import REGULATORS, read_scope, scope_key
from govchain.execution.registry import TxContext
from govchain.types.errors import ValidationError

__all__ = ["regulator_remove", "regulator_set"]

Action = Callable[[TxContext, Mapping[str, object]], None]


def regulator_set(ctx: TxContext, raw: Mapping[str, object]) -> None:
    """``regulator.set {address, types, departments, matters, reason}``."""
    args = ActionArgs(
        "regulator.set", raw, ("address", "departments", "matters", "reason", "types")
    )
    address = args.address()
    reason = args.reason()
    account = read_account(ctx.get, address)
    if account is None or account.status != "active":
        args.fail(f"account {address.hex()} is not an active registered account")
    if read_locker(ctx.get, address) is None:
        args.fail(f"account {address.hex()} has no locker to open its envelopes with")
    departments = args.names("departments", default=[])
    for code in departments:
        if read_member(ctx.get, code) is None:
            args.fail(f"argument 'departments': {code} is not a member")
    previous = read_scope(ctx.get, address)
    scope = RegulatorScope(
        ctx.tx_hash[:SCOPE_ID_SIZE], address, args.names("types", default=[]), departments,
        args.names("matters", default=[]), "active", ctx.height, reason,
    )  # fmt: skip
    try:
        scope.validate()
    except ValidationError as exc:
        args.fail(str(exc))
    ctx.put(scope_key(address), scope.encode())
    if previous is None:
        append_to_list(ctx.get, ctx.put, REGULATORS, address)
    ctx.emit("supervision.scope_set", regulator=address, id=scope.id)


def regulator_remove(ctx: TxContext, raw: Mapping[str, object]) -> None:
    """``regulator.remove {address, reason}``: the scope ends."""
    args = ActionArgs("regulator.remove", raw, ("address", "reason"))
    address = args.address()
    reason = args.reason()
    scope = read_scope(ctx.get, address)
    if scope is None or scope.status != "active":
        args.fail(f"account {address.hex()} has no active scope")
    assert scope is not None
    ctx.put(scope_key(address), replace(scope, status="removed", reason=reason).encode())
    ctx.emit("supervision.scope_removed", regulator=address)
