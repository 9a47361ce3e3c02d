"""Handlers of the workflow's definitions: matters, processes, department adapters.

docs/spec/workflow.md, "Tx types". Deterministic: state and the block only.
"""

from __future__ import annotations

from govchain.contracts.registry.records import Account
from govchain.contracts.registry.state import read_account, read_member
from govchain.contracts.state_lists import append_to_list
from govchain.contracts.workflow.graph import check_graph, steps_from_args
from govchain.contracts.workflow.records import Matter, Process
from govchain.contracts.workflow.state import (
    MATTERS,
    PROCESSES,
    adapter_key,
    latest_version,
    matter_key,
    process_key,
    read_matter,
    read_process,
    version_key,
)
from govchain.contracts.workflow.txs import AdapterSetArgs, MatterDefineArgs, ProcessPublishArgs
from govchain.crypto import CryptoSuite
from govchain.execution.registry import ContractError, Handler, TxContext
from govchain.ledger import records
from govchain.types import Tx
from govchain.types.errors import ValidationError

__all__ = [
    "adapter_set_handler",
    "matter_define_handler",
    "member_account",
    "process_publish_handler",
    "publish_process",
    "refuse",
]


def refuse(code: str, reason: str) -> ContractError:
    """A refusal whose message starts with its error code."""
    return ContractError(f"{code}: {reason}")


def member_account(suite: CryptoSuite, ctx: TxContext, tx: Tx) -> Account:
    """The sender's account, which must belong to an active member (a department)."""
    address = records.address_of(suite, tx.sender)
    account = read_account(ctx.get, address)
    member = None if account is None or not account.org else read_member(ctx.get, account.org)
    if account is None or member is None or member.status != "active":
        raise refuse("not_department", "the sender is not an account of an active member")
    return account


def _active_member(ctx: TxContext, code: str) -> None:
    member = read_member(ctx.get, code)
    if member is None or member.status != "active":
        raise refuse("bad_process", f"department {code} is not an active member")


def matter_define_handler(suite: CryptoSuite) -> Handler:
    """The handler of ``workflow.matter_define``."""

    def handle(ctx: TxContext, tx: Tx) -> None:
        args = MatterDefineArgs.from_args(tx.args)
        account = member_account(suite, ctx, tx)
        latest = read_matter(ctx.get, args.code)
        if latest is not None and latest.owner != account.org:
            raise refuse("type_owned", f"matter {args.code} is defined by {latest.owner}")
        _active_member(ctx, args.department)
        version = latest_version(ctx.get, matter_key(args.code)) + 1
        matter = Matter(
            args.code, version, args.name, args.kind, args.department, args.time_limit_days,
            args.materials, args.outputs, args.fields, account.org, ctx.height,
        )  # fmt: skip
        try:
            matter.validate()
        except ValidationError as exc:
            raise refuse("invalid_args", str(exc)) from exc
        ctx.put(version_key(matter_key(args.code), version), matter.encode())
        ctx.put(matter_key(args.code), version.to_bytes(4, "big"))
        if version == 1:
            append_to_list(ctx.get, ctx.put, MATTERS, args.code.encode("ascii"))
        ctx.emit("workflow.matter_defined", code=args.code, version=version)

    return handle


def publish_process(ctx: TxContext, args: ProcessPublishArgs, owner: str) -> Process:
    """Check a process's graph and keep it as the next version, owned by member ``owner``.

    The sender's member (``workflow.process_publish``) or the one a governance
    decision names (action ``process.publish``); refused ``bad_process`` naming
    the problem, or ``type_owned`` when another member owns the code.
    """
    try:
        steps = steps_from_args(list(args.steps))
    except ValidationError as exc:
        raise refuse("bad_process", str(exc)) from exc
    materials: set[str] = set()
    for step in steps:
        matter = read_matter(ctx.get, step.matter)
        if matter is None:
            raise refuse("bad_process", f"step {step.id}: no matter {step.matter}")
        _active_member(ctx, matter.department)
        if not step.after:
            materials.update(matter.materials)
    try:
        order = check_graph(steps, frozenset(materials))
    except ValidationError as exc:
        raise refuse("bad_process", str(exc)) from exc
    latest = read_process(ctx.get, args.code)
    if latest is not None and latest.owner != owner:
        raise refuse("type_owned", f"process {args.code} is published by {latest.owner}")
    version = latest_version(ctx.get, process_key(args.code)) + 1
    process = Process(
        args.code, version, args.name, tuple(s.to_cbor() for s in steps), order, owner,
        ctx.height,
    )  # fmt: skip
    process.validate()
    ctx.put(version_key(process_key(args.code), version), process.encode())
    ctx.put(process_key(args.code), version.to_bytes(4, "big"))
    if version == 1:
        append_to_list(ctx.get, ctx.put, PROCESSES, args.code.encode("ascii"))
    ctx.emit("workflow.process_published", code=args.code, version=version)
    return process


def process_publish_handler(suite: CryptoSuite) -> Handler:
    """The handler of ``workflow.process_publish``: the sender's member publishes and owns it."""

    def handle(ctx: TxContext, tx: Tx) -> None:
        args = ProcessPublishArgs.from_args(tx.args)
        account = member_account(suite, ctx, tx)
        publish_process(ctx, args, account.org)

    return handle


def adapter_set_handler(suite: CryptoSuite) -> Handler:
    """The handler of ``workflow.adapter_set``: by an admin of the department."""

    def handle(ctx: TxContext, tx: Tx) -> None:
        args = AdapterSetArgs.from_args(tx.args)
        account = member_account(suite, ctx, tx)
        member = read_member(ctx.get, args.department)
        if member is None or account.org != args.department or account.address not in member.admins:
            raise refuse("not_department", f"only an admin of {args.department} sets its adapter")
        if read_account(ctx.get, args.adapter) is None:
            raise refuse(
                "invalid_args", f"adapter {args.adapter.hex()} is not a registered account"
            )
        ctx.put(adapter_key(args.department), args.adapter)
        ctx.emit("workflow.adapter_set", department=args.department, adapter=args.adapter)

    return handle
