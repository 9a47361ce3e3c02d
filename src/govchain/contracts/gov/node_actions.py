"""The node actions of a proposal: ``node.add``, ``node.remove``, ``node.set_power``.

docs/spec/gov.md, "Actions" (split from ``actions``, which composes them).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import replace

from govchain.contracts.gov.args import ActionArgs
from govchain.contracts.registry.records import Account, NodeRecord
from govchain.contracts.registry.state import (
    NODES,
    append_to_list,
    list_count,
    node_key,
    read_account,
    read_member,
    read_node,
    register_account,
)
from govchain.contracts.registry.validators import MAX_POWER, set_validator, unset_validator
from govchain.crypto import CryptoSuite
from govchain.execution.registry import ContractError, TxContext
from govchain.ledger import records
from govchain.types import Validator
from govchain.types.network_registry import NODE_NAME_PATTERN, ROLES

__all__ = ["node_add", "node_remove", "node_set_power", "put_node", "registered_nodes"]

Action = Callable[[TxContext, Mapping[str, object]], None]


def put_node(ctx: TxContext, node: NodeRecord) -> None:
    """Write ``node``'s record and emit ``registry.node_changed``."""
    node.validate()
    ctx.put(node_key(node.name), node.encode())
    ctx.emit("registry.node_changed", name=node.name, status=node.status)


def node_add(suite: CryptoSuite) -> Action:
    """``node.add`` for a chain of ``suite``: a validator's key joins the set with it."""

    def run(ctx: TxContext, raw: Mapping[str, object]) -> None:
        allowed = ("name", "org", "power", "role", "transport_key", "validator_key")
        args = ActionArgs("node.add", raw, allowed)
        name = args.text("name", max_size=63, pattern=NODE_NAME_PATTERN)
        org = args.code("org")
        role = args.text("role", max_size=16)
        if role not in ROLES:
            args.fail(f"argument 'role': expected one of {', '.join(ROLES)}")
        key = args.raw("transport_key")
        if not isinstance(key, bytes) or len(key) != 32:
            args.fail("argument 'transport_key': expected the SHA-256 of the node's TLS key")
        assert isinstance(key, bytes)
        member = read_member(ctx.get, org)
        if member is None or member.status != "active":
            args.fail(f"member {org} is not an active member")
        if read_node(ctx.get, name) is not None:
            args.fail(f"a node named {name!r} is already registered")
        for existing in registered_nodes(ctx):
            if existing.transport_key == key:
                args.fail(f"node {existing.name!r} already has this transport key")
        validator, power = b"", 0
        if role == "validator":
            validator, power = _add_validator(suite, ctx, args, name, org)
        elif "validator_key" in raw or "power" in raw:
            args.fail(f"a {role} node takes no validator_key and no power")
        append_to_list(ctx.get, ctx.put, NODES, name.encode("ascii"))
        put_node(ctx, NodeRecord(name, org, role, key, validator, power, "active", ctx.height))

    return run


def _add_validator(
    suite: CryptoSuite, ctx: TxContext, args: ActionArgs, name: str, org: str
) -> tuple[bytes, int]:
    """Register the new validator's key as a system account and add it to the set."""
    public_key = args.raw("validator_key")
    if not isinstance(public_key, bytes) or len(public_key) != suite.public_key_size:
        args.fail(
            f"argument 'validator_key': expected a {suite.name} public key "
            f"of {suite.public_key_size} bytes"
        )
    assert isinstance(public_key, bytes)
    power = args.uint("power", low=1, high=MAX_POWER)
    address = records.address_of(suite, public_key)
    for existing in registered_nodes(ctx):
        if existing.validator == address and existing.status == "active":
            args.fail(f"node {existing.name!r} already runs validator {address.hex()}")
    account = read_account(ctx.get, address)
    if account is None:
        register_account(
            ctx.get, ctx.put, Account(address, public_key, "system", org, (), "active", ctx.height)
        )
    elif account.kind != "system" or account.org != org:
        args.fail(f"the key of address {address.hex()} is registered as another account")
    try:
        set_validator(ctx, Validator(address, public_key, power, name))
    except ContractError as exc:
        args.fail(str(exc))
    return address, power


def registered_nodes(ctx: TxContext) -> list[NodeRecord]:
    """Every registered node, removed ones too, in the order they were added."""
    found = []
    for index in range(list_count(ctx.get, NODES)):
        raw = ctx.get(NODES.item_key(index))
        assert raw is not None, "the nodes list has a hole"
        node = read_node(ctx.get, raw.decode("ascii"))
        if node is not None:
            found.append(node)
    return found


def _active_node(ctx: TxContext, args: ActionArgs) -> NodeRecord:
    name = args.text("name", max_size=63, pattern=NODE_NAME_PATTERN)
    node = read_node(ctx.get, name)
    if node is None:
        args.fail(f"node {name!r} is not registered")
    assert node is not None
    if node.status == "removed":
        args.fail(f"node {name!r} is already removed")
    return node


def node_remove(ctx: TxContext, raw: Mapping[str, object]) -> None:
    """``node.remove``: a validator leaves the set first."""
    args = ActionArgs("node.remove", raw, ("name", "reason"))
    node = _active_node(ctx, args)
    args.reason()
    if node.role == "validator":
        try:
            unset_validator(ctx, node.validator)
        except ContractError as exc:
            args.fail(str(exc))
    put_node(ctx, replace(node, status="removed", height=ctx.height))


def node_set_power(ctx: TxContext, raw: Mapping[str, object]) -> None:
    """``node.set_power``: a validator's voting power."""
    args = ActionArgs("node.set_power", raw, ("name", "power"))
    node = _active_node(ctx, args)
    power = args.uint("power", low=1, high=MAX_POWER)
    if node.role != "validator":
        args.fail(f"node {node.name!r} is a {node.role} node; only validators have power")
    if power == node.power:
        args.fail(f"node {node.name!r} already has power {power}")
    account = read_account(ctx.get, node.validator)
    assert account is not None, "a validator's key is registered with it"
    try:
        set_validator(ctx, Validator(node.validator, account.public_key, power, node.name))
    except ContractError as exc:
        args.fail(str(exc))
    put_node(ctx, replace(node, power=power, height=ctx.height))
