"""Handlers of grants, codes, usage records and delegations (docs/spec/grants.md, "Tx types").

Deterministic: state and the block's height and BFT time only. A grant's,
code's or delegation's id is the first 16 bytes of the tx that made it.
"""

from __future__ import annotations

from dataclasses import replace

from govchain.contracts.assets.records import Asset
from govchain.contracts.assets.state import read_locker
from govchain.contracts.grants.acting import (
    Acting,
    acting_for,
    agent_delegations,
    refuse,
    valid_asset,
)
from govchain.contracts.grants.records import ID_SIZE, CodeRecord, Delegation, Grant, Usage
from govchain.contracts.grants.state import (
    asset_grants,
    asset_usages,
    code_key,
    delegation_key,
    grant_key,
    grants_to,
    holder_usages,
    read_code,
    read_delegation,
    read_grant,
    usage_key,
)
from govchain.contracts.grants.txs import (
    CodeArgs,
    DelegateArgs,
    GrantArgs,
    RecordReadArgs,
    RevokeArgs,
    UndelegateArgs,
    UseArgs,
)
from govchain.contracts.registry.state import read_account
from govchain.contracts.state_lists import append_to_list, list_count
from govchain.contracts.supervision.record_reads import record_read
from govchain.contracts.supervision.scope import asset_in_scope
from govchain.contracts.supervision.state import read_scope
from govchain.crypto import CryptoSuite
from govchain.execution.registry import Handler, TxContext
from govchain.ledger import records
from govchain.types import Tx

__all__ = [
    "CODE_PROOF_DOMAIN",
    "MAX_AHEAD_MS",
    "code_handler",
    "code_proof_message",
    "delegate_handler",
    "grant_handler",
    "new_grant",
    "revoke_handler",
    "undelegate_handler",
    "use_handler",
]

MAX_AHEAD_MS = 10 * 366 * 86_400_000
"""How far ahead a grant, code or delegation may expire: ten years."""
MAX_DELEGATIONS_PER_PAIR = 64
CODE_PROOF_DOMAIN = "govchain/grant-code-proof/v1"


def _expires(ctx: TxContext, expires: int) -> int:
    if not ctx.time < expires <= ctx.time + MAX_AHEAD_MS:
        raise refuse("invalid_args", "expires: expected a BFT time (ms) after now, within 10 years")
    return expires


def new_grant(ctx: TxContext, args: GrantArgs, asset: Asset, acting: Acting) -> Grant:
    """Write a grant of ``asset`` (checked by the caller) and list it; the grant."""
    if read_locker(ctx.get, args.grantee) is None:
        raise refuse("no_locker", f"grantee {args.grantee.hex()} has no locker for its envelope")
    grant = Grant(
        ctx.tx_hash[:ID_SIZE], asset.content_id, asset.holder, args.grantee, args.scope,
        args.purpose, _expires(ctx, args.expires), args.uses, 0, args.matter, args.envelope,
        acting.by, "active", ctx.height, "",
    )  # fmt: skip
    grant.validate()
    ctx.put(grant_key(grant.id), grant.encode())
    append_to_list(ctx.get, ctx.put, asset_grants(asset.content_id), grant.id)
    append_to_list(ctx.get, ctx.put, grants_to(args.grantee), grant.id)
    ctx.emit("grants.granted", grant=grant.id, asset=asset.content_id, grantee=args.grantee)
    return grant


def grant_handler(suite: CryptoSuite) -> Handler:
    """The handler of ``grants.grant``."""

    def handle(ctx: TxContext, tx: Tx) -> None:
        args = GrantArgs.from_args(tx.args)
        asset = valid_asset(ctx.get, args.asset)
        sender = records.address_of(suite, tx.sender)
        acting = acting_for(ctx.get, sender, args.on_behalf, asset.holder, "grant", asset, ctx.time)
        new_grant(ctx, args, asset, acting)

    return handle


def revoke_handler(suite: CryptoSuite) -> Handler:
    """The handler of ``grants.revoke``: a grant or a code of the holder's, by id."""

    def handle(ctx: TxContext, tx: Tx) -> None:
        args = RevokeArgs.from_args(tx.args)
        record: Grant | CodeRecord | None = read_grant(ctx.get, args.grant)
        key = grant_key(args.grant)
        if record is None:
            record, key = read_code(ctx.get, args.grant), code_key(args.grant)
        if record is None:
            raise refuse("not_found", f"no grant or code {args.grant.hex()}")
        sender = records.address_of(suite, tx.sender)
        acting_for(ctx.get, sender, args.on_behalf, record.holder, "grant", None, ctx.time)
        if record.status != "active":
            raise refuse("bad_status", f"{args.grant.hex()} is already {record.status}")
        if isinstance(record, Grant):
            ctx.put(key, replace(record, status="revoked", reason=args.reason).encode())
        else:
            ctx.put(key, replace(record, status="revoked").encode())
        ctx.emit("grants.revoked", grant=args.grant)

    return handle


def code_handler(suite: CryptoSuite) -> Handler:
    """The handler of ``grants.code``: an authorization code's public key and sealed data key."""

    def handle(ctx: TxContext, tx: Tx) -> None:
        args = CodeArgs.from_args(tx.args)
        asset = valid_asset(ctx.get, args.asset)
        sender = records.address_of(suite, tx.sender)
        acting = acting_for(ctx.get, sender, args.on_behalf, asset.holder, "grant", asset, ctx.time)
        if len(args.code_key) != suite.public_key_size:
            raise refuse("invalid_args", f"code_key: a {suite.name} public key is expected")
        code_id = suite.hash(args.code_key)[:ID_SIZE]
        if read_code(ctx.get, code_id) is not None:
            raise refuse("invalid_args", "code_key: this code is already registered")
        code = CodeRecord(
            code_id, asset.content_id, asset.holder, args.code_key, args.sealed, args.purpose,
            _expires(ctx, args.expires), args.uses, 0, acting.by, "active", ctx.height,
        )  # fmt: skip
        code.validate()
        ctx.put(code_key(code_id), code.encode())
        append_to_list(ctx.get, ctx.put, asset_grants(asset.content_id), code_id)
        ctx.emit("grants.code_issued", code=code_id, asset=asset.content_id)

    return handle


def code_proof_message(chain_id: str, reader: bytes, asset: bytes, code_id: bytes) -> list[object]:
    """What a code's key signs to let ``reader`` use it (hashed with :data:`CODE_PROOF_DOMAIN`)."""
    return [chain_id, reader, asset, code_id]


def _take_grant(ctx: TxContext, grant_id: bytes, reader: bytes, asset: Asset, action: str) -> bytes:
    grant = read_grant(ctx.get, grant_id)
    if grant is None or grant.asset != asset.content_id:
        raise refuse("not_found", f"no grant {grant_id.hex()} of this asset")
    if grant.grantee != reader:
        raise refuse("not_grantee", f"grant {grant_id.hex()} is not to {reader.hex()}")
    if grant.status != "active":
        raise refuse("grant_revoked", f"grant {grant_id.hex()} was revoked: {grant.reason}")
    if ctx.time > grant.expires:
        raise refuse("grant_expired", f"grant {grant_id.hex()} expired")
    if grant.used >= grant.uses:
        raise refuse("grant_used_up", f"grant {grant_id.hex()} allowed {grant.uses} uses")
    if grant.scope == "view" and action == "use":
        raise refuse("not_grantee", f"grant {grant_id.hex()} allows view only")
    ctx.put(grant_key(grant_id), replace(grant, used=grant.used + 1).encode())
    return grant_id


def _take_code(
    suite: CryptoSuite, ctx: TxContext, tx: Tx, via: dict[str, bytes], reader: bytes, asset: Asset
) -> bytes:
    code = read_code(ctx.get, via["code"])
    if code is None or code.asset != asset.content_id:
        raise refuse("wrong_code", "no such code for this asset")
    message = suite.tagged_hash(
        CODE_PROOF_DOMAIN, code_proof_message(tx.chain_id, reader, asset.content_id, code.id)
    )
    if not suite.verify(code.code_key, message, via["proof"]):
        raise refuse("wrong_code", "the code's proof does not verify for this reader")
    if code.status != "active":
        raise refuse("grant_revoked", "the code was revoked")
    if ctx.time > code.expires:
        raise refuse("grant_expired", "the code expired")
    if code.used >= code.uses:
        raise refuse("grant_used_up", f"the code allowed {code.uses} uses")
    ctx.put(code_key(code.id), replace(code, used=code.used + 1).encode())
    return code.id


def _in_scope(ctx: TxContext, scope_id: bytes, reader: bytes, asset: Asset, action: str) -> bytes:
    """A regulator's read in its scope (docs/spec/supervision.md): the scope's id."""
    scope = read_scope(ctx.get, reader)
    if scope is None or scope.id != scope_id or not asset_in_scope(scope, asset):
        raise refuse("not_in_scope", f"asset {asset.content_id.hex()} is not in this scope")
    if action != "view":
        raise refuse("invalid_args", "action: a regulator views")
    if asset.content.envelope_of(reader) is None:
        raise refuse("no_envelope", "the asset's type does not name this regulator")
    return scope_id


def _asset_use(suite: CryptoSuite, ctx: TxContext, tx: Tx, sender: bytes) -> Usage:
    """The usage record of a read of an asset through a grant, a code or a scope."""
    args = UseArgs.from_args(tx.args)
    asset = valid_asset(ctx.get, args.asset)
    reader = args.on_behalf or sender
    acting_for(ctx.get, sender, args.on_behalf, reader, args.action, asset, ctx.time)
    if "grant" in args.via:
        via, via_id = "grant", _take_grant(ctx, args.via["grant"], reader, asset, args.action)
    elif "scope" in args.via:
        via, via_id = "scope", _in_scope(ctx, args.via["scope"], reader, asset, args.action)
    else:
        via, via_id = "code", _take_code(suite, ctx, tx, args.via, reader, asset)
    account = read_account(ctx.get, reader)
    return Usage(
        ctx.tx_hash, asset.content_id, asset.version, asset.content.blob.hash, reader,
        sender, asset.holder, args.action, args.purpose, via, via_id, ctx.height, ctx.time,
        "" if account is None else account.org, asset.issuer,
    )  # fmt: skip


def use_handler(suite: CryptoSuite) -> Handler:
    """The handler of ``grants.use``: a usage record of an asset through a grant, a code or a
    scope, or of a case or a tx through a regulator's scope (``supervision.record_reads``)."""

    def handle(ctx: TxContext, tx: Tx) -> None:
        sender = records.address_of(suite, tx.sender)
        if "asset" in tx.args:
            usage = _asset_use(suite, ctx, tx, sender)
        else:
            usage = record_read(ctx, RecordReadArgs.from_args(tx.args), sender)
        usage.validate()
        ctx.put(usage_key(ctx.tx_hash), usage.encode())
        if usage.target:
            named = {usage.target: usage.target_id}
        else:
            append_to_list(ctx.get, ctx.put, asset_usages(usage.asset), ctx.tx_hash)
            named = {"asset": usage.asset}
        append_to_list(ctx.get, ctx.put, holder_usages(usage.holder), ctx.tx_hash)
        ctx.emit("grants.used", **named, reader=usage.reader, action=usage.action, via=usage.via)

    return handle


def delegate_handler(suite: CryptoSuite) -> Handler:
    """The handler of ``grants.delegate``: the sender delegates acts to an agent."""

    def handle(ctx: TxContext, tx: Tx) -> None:
        args = DelegateArgs.from_args(tx.args)
        holder = records.address_of(suite, tx.sender)
        if args.agent == holder:
            raise refuse("invalid_args", "agent: a holder does not delegate to itself")
        keys = agent_delegations(args.agent, holder)
        if list_count(ctx.get, keys) >= MAX_DELEGATIONS_PER_PAIR:
            raise refuse(
                "invalid_args", f"at most {MAX_DELEGATIONS_PER_PAIR} delegations per agent"
            )
        delegation = Delegation(
            ctx.tx_hash[:ID_SIZE], holder, args.agent, args.scope, args.types, args.assets,
            _expires(ctx, args.expires), args.purpose, "active", ctx.height,
        )  # fmt: skip
        delegation.validate()
        ctx.put(delegation_key(delegation.id), delegation.encode())
        append_to_list(ctx.get, ctx.put, keys, delegation.id)
        ctx.emit("grants.delegated", delegation=delegation.id, holder=holder, agent=args.agent)

    return handle


def undelegate_handler(suite: CryptoSuite) -> Handler:
    """The handler of ``grants.undelegate``: the holder ends a delegation."""

    def handle(ctx: TxContext, tx: Tx) -> None:
        args = UndelegateArgs.from_args(tx.args)
        delegation = read_delegation(ctx.get, args.delegation)
        holder = records.address_of(suite, tx.sender)
        if delegation is None or delegation.holder != holder:
            raise refuse("not_found", f"no delegation {args.delegation.hex()} of this holder")
        if delegation.status != "active":
            raise refuse("bad_status", "the delegation was already revoked")
        ctx.put(delegation_key(delegation.id), replace(delegation, status="revoked").encode())
        ctx.emit("grants.undelegated", delegation=delegation.id)

    return handle
