"""A regulator's read of a case or a tx in its scope, as a usage record (docs/spec/supervision.md,
"Reading cases and transactions").

``grants.use`` naming a case or a tx comes here from the grants handler. A
case is checked against the scope on chain (its process's matters, its
steps' departments). A handler reads state only, never a past tx, so a tx
read names the tx's sender as ``holder`` and the node's API checks the tx
itself (:func:`tx_in_scope`) before it serves it against the record.
"""

from __future__ import annotations

from collections.abc import Mapping

from govchain.contracts.assets.records import CONTENT_ID_SIZE, Asset
from govchain.contracts.assets.state import read_asset
from govchain.contracts.grants.acting import refuse
from govchain.contracts.grants.records import Usage
from govchain.contracts.grants.txs import RecordReadArgs
from govchain.contracts.registry.state import read_account
from govchain.contracts.supervision.records import RegulatorScope
from govchain.contracts.supervision.scope import asset_in_scope, case_in_scope
from govchain.contracts.supervision.state import read_scope
from govchain.contracts.workflow.records import Case
from govchain.contracts.workflow.state import read_case, read_process, read_step
from govchain.execution.registry import ReadState, TxContext

__all__ = ["READ_WINDOW", "case_basis", "record_read", "scope_of_read", "tx_in_scope"]

READ_WINDOW = 100
"""Blocks after its record within which the API serves a case or tx read (as storage nodes
serve a blob against a usage record: ``USE_WINDOW``)."""


def case_basis(read: ReadState, case: Case) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """The matters of the case's process version and the departments of its steps."""
    process = read_process(read, case.process, case.version)
    if process is None:
        return (), ()
    matters = sorted({str(step.get("matter", "")) for step in process.steps})
    departments = set()
    for step_id in process.order:
        step = read_step(read, case.id, step_id)
        if step is not None:
            departments.add(step.department)
    return tuple(matters), tuple(sorted(departments))


def scope_of_read(read: ReadState, regulator: bytes, scope_id: bytes) -> RegulatorScope:
    """The regulator's active scope with this id; ``not_in_scope`` otherwise."""
    scope = read_scope(read, regulator)
    if scope is None or scope.status != "active" or scope.id != scope_id:
        raise refuse(
            "not_in_scope", f"account {regulator.hex()} has no active scope {scope_id.hex()}"
        )
    return scope


def record_read(ctx: TxContext, args: RecordReadArgs, reader: bytes) -> Usage:
    """The usage record of a regulator's read of a case or a tx (checked; not yet written)."""
    target, target_id = args.target()
    if "scope" not in args.via:
        raise refuse("invalid_args", f"via: a {target} is read through a scope only")
    if args.action != "view":
        raise refuse("invalid_args", "action: a regulator views")
    scope = scope_of_read(ctx.get, reader, args.via["scope"])
    if target == "case":
        case = read_case(ctx.get, target_id)
        if case is None:
            raise refuse("not_found", f"no case {target_id.hex()}")
        if not case_in_scope(scope, *case_basis(ctx.get, case)):
            raise refuse("not_in_scope", f"case {target_id.hex()} is not in this scope")
        holder = case.applicant
    else:
        if read_account(ctx.get, args.holder) is None:
            raise refuse("not_found", f"holder {args.holder.hex()} is no registered account")
        holder = args.holder
    account = read_account(ctx.get, reader)
    return Usage(
        ctx.tx_hash, b"", 0, b"", reader, reader, holder, "view", args.purpose, "scope",
        scope.id, ctx.height, ctx.time, "" if account is None else account.org, "",
        target, target_id,
    )  # fmt: skip


def _named_assets(read: ReadState, args: Mapping[str, object]) -> list[Asset]:
    found = []
    for name in ("asset", "content_id"):
        value = args.get(name)
        if isinstance(value, bytes) and len(value) == CONTENT_ID_SIZE:
            asset = read_asset(read, value)
            if asset is not None:
                found.append(asset)
    return found


def tx_in_scope(
    read: ReadState, scope: RegulatorScope, sender: bytes, args: Mapping[str, object]
) -> bool:
    """Whether a tx is in an active scope: its sender is an account of a department in scope,
    or its args name an asset (``asset``, ``content_id``) or a case (``case``) in scope."""
    if scope.status != "active":
        return False
    account = read_account(read, sender)
    if account is not None and account.org and account.org in scope.departments:
        return True
    if any(asset_in_scope(scope, asset) for asset in _named_assets(read, args)):
        return True
    case_id = args.get("case")
    if isinstance(case_id, bytes) and len(case_id) == 16:
        case = read_case(read, case_id)
        if case is not None and case_in_scope(scope, *case_basis(read, case)):
            return True
    return False
