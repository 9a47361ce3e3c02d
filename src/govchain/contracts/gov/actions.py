"""What an executed proposal does to the registry, policies and parameters.

docs/spec/gov.md, "Actions".

Each action is ``run(ctx, args)``: it checks its args against the state it
sees and writes, or raises ContractError with the reason. A proposal runs
it once when proposed, with the writes thrown away (so a vote never meets
malformed args), and again, for real, in the vote that passes it.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import replace

from govchain.codec import encode
from govchain.contracts.gov.args import ActionArgs
from govchain.contracts.gov.node_actions import (
    node_add,
    node_remove,
    node_set_power,
    put_node,
    registered_nodes,
)
from govchain.contracts.gov.policy import ACTION_PREFIX, check_param
from govchain.contracts.gov.state import param_key, write_policy
from govchain.contracts.registry.certs import CERT_ID_SIZE, cert_key, read_cert
from govchain.contracts.registry.records import Account, MemberRecord
from govchain.contracts.registry.state import (
    MEMBERS,
    account_key,
    append_to_list,
    list_count,
    member_key,
    read_account,
    read_member,
    register_account,
)
from govchain.contracts.registry.subjects import read_subject, subject_key
from govchain.crypto import CryptoSuite
from govchain.execution.registry import TxContext
from govchain.ledger import records
from govchain.types.errors import ValidationError
from govchain.types.governance import ROLE_PATTERN, PolicyEntry
from govchain.types.network_registry import (
    MAX_ADMINS,
    MAX_CA_CERT_BYTES,
    MAX_PUBLIC_KEY,
    MAX_WEIGHT,
    MEMBER_PERMISSIONS,
)

__all__ = ["ACTION_NAMES", "ARG_KINDS", "Action", "build_actions"]

Action = Callable[[TxContext, Mapping[str, object]], None]

ACTION_NAMES = (
    "account.close",
    "account.freeze",
    "account.unfreeze",
    "asset_type.define",
    "cert.revoke",
    "contracts.abolish",
    "contracts.freeze",
    "contracts.params",
    "contracts.unfreeze",
    "member.admit",
    "member.exit",
    "member.resume",
    "member.set_permissions",
    "member.suspend",
    "node.add",
    "node.remove",
    "node.set_power",
    "param.set",
    "policy.set",
    "process.publish",
    "regulator.remove",
    "regulator.set",
)
MAX_CA_CERTS = 4
_RESOURCE = re.compile(r"^(gov:)?[a-z][a-z0-9_-]*(\.[a-z][a-z0-9_-]*)*$")
_LOCKING = ("gov.propose", "gov.vote", ACTION_PREFIX + "policy.set")
"""Resources whose FORBIDDEN would leave the consortium unable to govern itself."""


def _member(ctx: TxContext, args: ActionArgs) -> MemberRecord:
    code = args.code()
    member = read_member(ctx.get, code)
    if member is None:
        args.fail(f"member {code} is not registered")
    assert member is not None
    return member


def _put_member(ctx: TxContext, member: MemberRecord) -> None:
    member.validate()
    ctx.put(member_key(member.code), member.encode())
    ctx.emit("registry.member_changed", code=member.code, status=member.status)


def _active_members(ctx: TxContext) -> list[str]:
    codes = []
    for index in range(list_count(ctx.get, MEMBERS)):
        raw = ctx.get(MEMBERS.item_key(index))
        assert raw is not None, "the members list has a hole"
        member = read_member(ctx.get, raw.decode("ascii"))
        if member is not None and member.status == "active":
            codes.append(member.code)
    return codes


def _admit(suite: CryptoSuite) -> Action:
    def run(ctx: TxContext, raw: Mapping[str, object]) -> None:
        allowed = ("admins", "ca_certs", "code", "name", "permissions", "weight")
        args = ActionArgs("member.admit", raw, allowed)
        code = args.code()
        if read_member(ctx.get, code) is not None:
            args.fail(f"member {code} is already registered")
        name = args.text("name", max_size=128)
        if not name.strip():
            args.fail("argument 'name': must not be blank")
        keys = args.byte_list("admins", max_items=MAX_ADMINS, max_size=MAX_PUBLIC_KEY, min_items=1)
        certs = args.byte_list(
            "ca_certs", max_items=MAX_CA_CERTS, max_size=MAX_CA_CERT_BYTES, default=[]
        )
        permissions = args.names("permissions", allowed=MEMBER_PERMISSIONS, default=[])
        weight = args.uint("weight", low=1, high=MAX_WEIGHT, default=1)
        admins = tuple(records.address_of(suite, key) for key in keys)
        for key, address in zip(keys, admins, strict=True):
            if read_account(ctx.get, address) is not None:
                args.fail(f"admin key of address {address.hex()} is already registered")
            account = Account(address, key, "admin", code, ("admin",), "active", ctx.height)
            register_account(ctx.get, ctx.put, account)
        member = MemberRecord(code, name, "active", permissions, weight, admins, certs, ctx.height)
        append_to_list(ctx.get, ctx.put, MEMBERS, code.encode("ascii"))
        _put_member(ctx, member)

    return run


def _set_member_status(action: str, status: str, allowed_from: tuple[str, ...]) -> Action:
    def run(ctx: TxContext, raw: Mapping[str, object]) -> None:
        args = ActionArgs(action, raw, ("code", "reason"))
        member = _member(ctx, args)
        reason = args.reason()
        if member.status not in allowed_from:
            args.fail(f"member {member.code} is {member.status}")
        if status != "active" and _active_members(ctx) == [member.code]:
            args.fail("no active member would remain")
        _put_member(ctx, replace(member, status=status, height=ctx.height, reason=reason))
        if status == "exited":
            _remove_nodes_of(ctx, args, member.code)

    return run


def _set_permissions(ctx: TxContext, raw: Mapping[str, object]) -> None:
    args = ActionArgs("member.set_permissions", raw, ("code", "permissions"))
    member = _member(ctx, args)
    permissions = args.names("permissions", allowed=MEMBER_PERMISSIONS)
    if member.status == "exited":
        args.fail(f"member {member.code} has exited")
    _put_member(ctx, replace(member, permissions=permissions))


def _remove_nodes_of(ctx: TxContext, args: ActionArgs, code: str) -> None:
    """An exiting member's nodes are removed; its validators must leave the set first."""
    nodes = [node for node in registered_nodes(ctx) if node.org == code and node.status == "active"]
    for node in nodes:
        if node.role == "validator":
            args.fail(
                f"member {code} still runs validator node {node.name!r}; "
                "remove it first (node.remove), within the per-height power limit"
            )
    for node in nodes:
        put_node(ctx, replace(node, status="removed", height=ctx.height))


def _policy_set(ctx: TxContext, raw: Mapping[str, object]) -> None:
    args = ActionArgs("policy.set", raw, ("orgs", "resource", "roles", "rule"))
    resource = args.text("resource", max_size=68, pattern=_RESOURCE)
    if resource.startswith(ACTION_PREFIX) and resource[len(ACTION_PREFIX) :] not in ACTION_NAMES:
        args.fail(f"argument 'resource': {resource!r} names no governance action")
    rule = args.text("rule", max_size=16)
    roles = args.names("roles", default=[])
    for role in roles:
        if not ROLE_PATTERN.match(role):
            args.fail(f"argument 'roles': {role!r} is not a role name")
    orgs = args.names("orgs", default=[])
    for org in orgs:
        if read_member(ctx.get, org) is None:
            args.fail(f"argument 'orgs': member {org} is not registered")
    if rule == "FORBIDDEN" and resource in _LOCKING:
        args.fail(f"forbidding {resource!r} would leave the consortium unable to govern itself")
    policy = PolicyEntry(resource, rule, roles, orgs)
    try:
        write_policy(ctx.get, ctx.put, policy)
    except ValidationError as exc:
        args.fail(str(exc))
    ctx.emit("gov.policy_set", resource=resource)


def _param_set(ctx: TxContext, raw: Mapping[str, object]) -> None:
    args = ActionArgs("param.set", raw, ("name", "value"))
    name = args.text("name", max_size=64)
    try:
        value = check_param(name, args.raw("value"))
    except ValidationError as exc:
        args.fail(str(exc))
    ctx.put(param_key(name), encode(value))
    ctx.emit("gov.param_set", name=name)


def _account_status(action: str, status: str, allowed_from: tuple[str, ...]) -> Action:
    def run(ctx: TxContext, raw: Mapping[str, object]) -> None:
        args = ActionArgs(action, raw, ("address", "reason"))
        address = args.address()
        args.reason()
        account = read_account(ctx.get, address)
        if account is None:
            args.fail(f"account {address.hex()} is not registered")
        assert account is not None
        if account.status not in allowed_from:
            args.fail(f"account {address.hex()} is {account.status}")
        changed = replace(account, status=status)
        changed.validate()
        ctx.put(account_key(address), changed.encode())
        subject = read_subject(ctx.get, address)
        if subject is not None and subject.status in ("active", "frozen"):
            # a subject's locker follows its account: frozen, active again, or closed
            ctx.put(subject_key(address), replace(subject, status=status).encode())
        ctx.emit("registry.account_status", address=address, status=status)

    return run


def _cert_revoke(ctx: TxContext, raw: Mapping[str, object]) -> None:
    """Governance action ``cert.revoke {id, reason}``: final, counts from the next height."""
    args = ActionArgs("cert.revoke", raw, ("id", "reason"))
    id_ = args.raw("id")
    if not isinstance(id_, bytes) or len(id_) != CERT_ID_SIZE:
        args.fail("argument 'id': expected the 32-byte certificate id")
    assert isinstance(id_, bytes)
    reason = args.reason()
    cert = read_cert(ctx.get, id_)
    if cert is None:
        args.fail(f"certificate {id_.hex()} is not registered")
    assert cert is not None
    if cert.status == "revoked":
        args.fail(f"certificate {id_.hex()} was already revoked at height {cert.revoked_height}")
    revoked = replace(cert, status="revoked", revoked_height=ctx.height, reason=reason)
    revoked.validate()
    ctx.put(cert_key(id_), revoked.encode())
    ctx.emit("registry.cert_revoked", id=id_, org=cert.org)


def _asset_type_define() -> Action:
    """``asset_type.define``: an asset type (or a new version) by vote, owned by the named member.

    The assets service sits above the registry, which reads gov's policies, so
    its modules are imported when the actions are built, not when gov is.
    """
    from govchain.contracts.assets.txs import TypeDefineArgs  # noqa: PLC0415  # see above
    from govchain.contracts.assets.type_handlers import define_type  # noqa: PLC0415

    def run(ctx: TxContext, raw: Mapping[str, object]) -> None:
        args = ActionArgs("asset_type.define", raw, ("definition", "owner"))
        owner = args.text("owner", max_size=18)
        definition = raw.get("definition")
        if not isinstance(definition, Mapping):
            args.fail(
                "argument 'definition': expected the args of assets.type_define (a type file)"
            )
        assert isinstance(definition, Mapping)
        define_type(ctx, TypeDefineArgs.from_args(definition), owner)

    return run


def _process_publish() -> Action:
    """``process.publish``: a process definition by vote, owned by the named member (the
    workflow service's modules are imported when the actions are built, as above)."""
    from govchain.contracts.workflow.handlers import publish_process  # noqa: PLC0415
    from govchain.contracts.workflow.txs import ProcessPublishArgs  # noqa: PLC0415

    def run(ctx: TxContext, raw: Mapping[str, object]) -> None:
        args = ActionArgs("process.publish", raw, ("definition", "owner"))
        owner = args.text("owner", max_size=18)
        definition = raw.get("definition")
        if not isinstance(definition, Mapping):
            args.fail("argument 'definition': expected a process definition (a process file)")
        assert isinstance(definition, Mapping)
        publish_process(ctx, ProcessPublishArgs.from_args(definition), owner)

    return run


def _supervision_actions() -> dict[str, Action]:
    """``regulator.set``, ``regulator.remove`` (docs/spec/supervision.md; imported here as the
    assets and workflow actions are)."""
    from govchain.contracts.supervision.actions import (  # noqa: PLC0415
        regulator_remove,
        regulator_set,
    )

    return {"regulator.remove": regulator_remove, "regulator.set": regulator_set}


def _lifecycle_actions() -> dict[str, Action]:
    """``contracts.freeze``, ``unfreeze``, ``abolish``, ``params`` (docs/spec/contracts.md;
    imported here as the supervision actions are)."""
    from govchain.contracts.lifecycle.actions import LIFECYCLE_ACTIONS  # noqa: PLC0415

    return dict(LIFECYCLE_ACTIONS)


def build_actions(suite: CryptoSuite) -> dict[str, Action]:
    """Every action by name, for a chain of ``suite``."""
    actions: dict[str, Action] = {
        "account.close": _account_status("account.close", "closed", ("active", "frozen")),
        "account.freeze": _account_status("account.freeze", "frozen", ("active",)),
        "account.unfreeze": _account_status("account.unfreeze", "active", ("frozen",)),
        "asset_type.define": _asset_type_define(),
        "cert.revoke": _cert_revoke,
        "member.admit": _admit(suite),
        "member.exit": _set_member_status("member.exit", "exited", ("active", "suspended")),
        "member.resume": _set_member_status("member.resume", "active", ("suspended",)),
        "member.set_permissions": _set_permissions,
        "member.suspend": _set_member_status("member.suspend", "suspended", ("active",)),
        "node.add": node_add(suite),
        "node.remove": node_remove,
        "node.set_power": node_set_power,
        "param.set": _param_set,
        "policy.set": _policy_set,
        "process.publish": _process_publish(),
        **_supervision_actions(),
        **_lifecycle_actions(),
    }
    assert tuple(sorted(actions)) == ACTION_NAMES == tuple(sorted(ARG_KINDS))
    return actions


ARG_KINDS: dict[str, dict[str, str]] = {
    "account.close": {"address": "address", "reason": "text"},
    "account.freeze": {"address": "address", "reason": "text"},
    "account.unfreeze": {"address": "address", "reason": "text"},
    "asset_type.define": {"definition": "type_file", "owner": "text"},
    "cert.revoke": {"id": "hash", "reason": "text"},
    "contracts.abolish": {"contract": "contract_id", "reason": "text"},
    "contracts.freeze": {"contract": "contract_id", "reason": "text"},
    "contracts.params": {
        "allow_floats": "bool",
        "block_fuel": "int",
        "max_module_bytes": "int",
        "memory_pages": "int",
        "require_test": "bool",
        "review_rule": "text",
        "test_genesis": "hash",
        "tx_fuel": "int",
    },
    "contracts.unfreeze": {"contract": "contract_id", "reason": "text"},
    "member.admit": {
        "admins": "keys",
        "ca_certs": "certs",
        "code": "text",
        "name": "text",
        "permissions": "names",
        "weight": "int",
    },
    "member.exit": {"code": "text", "reason": "text"},
    "member.resume": {"code": "text", "reason": "text"},
    "member.set_permissions": {"code": "text", "permissions": "names"},
    "member.suspend": {"code": "text", "reason": "text"},
    "node.add": {
        "name": "text",
        "org": "text",
        "power": "int",
        "role": "text",
        "transport_key": "hash",
        "validator_key": "key",
    },
    "node.remove": {"name": "text", "reason": "text"},
    "node.set_power": {"name": "text", "power": "int"},
    "param.set": {"name": "text", "value": "int_or_text"},
    "policy.set": {"orgs": "names", "resource": "text", "roles": "names", "rule": "text"},
    "process.publish": {"definition": "process_file", "owner": "text"},
    "regulator.remove": {"address": "address", "reason": "text"},
    "regulator.set": {
        "address": "address",
        "departments": "names",
        "matters": "names",
        "reason": "text",
        "types": "names",
    },
}
"""Each action's arguments and their kinds, for clients that take them as text (the CLI):
``text``; ``int``; ``int_or_text`` (digits are an integer); ``bool`` (true or false);
``names`` (a comma-separated, sorted list); ``address`` (20 bytes as hex); ``hash`` (32
bytes as hex); ``contract_id`` (16 bytes as hex); ``keys`` (public keys: hex, or a PEM key
file); ``key`` (one such public key); ``certs`` (certificate files, PEM or DER);
``type_file`` (an asset type file, TOML: docs/spec/assets.md); ``process_file`` (a process
file, TOML or BPMN: docs/spec/workflow.md)."""
