"""Handlers of an asset's life: issue, submit, review, revoke, abolish, transfer.

docs/spec/assets.md, "Tx types" and "Status". Deterministic: reads and
writes state, takes the time from the block.
"""

from __future__ import annotations

from dataclasses import replace

from govchain.contracts.assets.checks import (
    check_content,
    check_metadata_schema,
    department_account,
    holder_codes,
    make_valid,
    next_serial,
    record_change,
    refuse,
    sender_of,
    store_new_asset,
    valid_until_of,
)
from govchain.contracts.assets.records import Asset, AssetType
from govchain.contracts.assets.state import consent_key, read_asset, read_consent, read_type
from govchain.contracts.assets.txs import (
    IssueArgs,
    NewVersion,
    ReviewArgs,
    StatusArgs,
    SubmitArgs,
    TransferArgs,
)
from govchain.contracts.registry.records import Account
from govchain.contracts.registry.state import read_account
from govchain.crypto import CryptoSuite
from govchain.execution.registry import Handler, TxContext
from govchain.types import Tx

__all__ = [
    "issue_handler",
    "review_handler",
    "status_handler",
    "submit_handler",
    "transfer_handler",
]


def _type(ctx: TxContext, code: str) -> AssetType:
    atype = read_type(ctx.get, code)
    if atype is None:
        raise refuse("unknown_type", f"no asset type {code}")
    return atype


def _asset(ctx: TxContext, content_id: bytes, status: str) -> Asset:
    asset = read_asset(ctx.get, content_id)
    if asset is None:
        raise refuse("not_found", f"no asset with content id {content_id.hex()}")
    if asset.status != status:
        raise refuse("bad_status", f"asset {content_id.hex()} is {asset.status}, not {status}")
    return asset


def _holder(ctx: TxContext, holder: bytes) -> None:
    account = read_account(ctx.get, holder)
    if account is None or account.status != "active":
        raise refuse("no_locker", f"holder {holder.hex()} is not a registered, active account")


def _consume_consent(ctx: TxContext, holder: bytes, code: str, mode: str, party: str) -> bytes:
    key = consent_key(holder, code, mode, party)
    consent = read_consent(ctx.get, key)
    if consent is None or consent.until < ctx.height:
        raise refuse(
            "no_consent",
            f"holder {holder.hex()} has given no unexpired {mode} consent to {party} for {code}",
        )
    ctx.delete(key)
    return consent.tx_hash


def _new_asset(
    suite: CryptoSuite, ctx: TxContext, atype: AssetType, new: NewVersion, holder: bytes, mode: str
) -> Asset:
    """A pending asset version of ``atype`` for ``holder``, its content and fields checked."""
    _holder(ctx, holder)
    check_metadata_schema(atype, new.metadata)
    check_content(suite, ctx, atype, holder, new.content)
    code, code_type = holder_codes(ctx, holder)
    return Asset(
        new.content_id,
        atype.code,
        atype.version,
        holder,
        code,
        code_type,
        "",
        mode,
        "pending",
        "",
        0,
        0,
        new.metadata,
        new.content,
        0,
        0,
        b"",
        b"",
        b"",
        b"",
        b"",
        "",
        ctx.height,
        ctx.tx_hash,
    )


def _replaced(ctx: TxContext, args: IssueArgs, issuer: str) -> Asset | None:
    if not args.replaces:
        return None
    old = _asset(ctx, args.replaces, "valid")
    if (old.type, old.issuer, old.holder) != (args.type, issuer, args.holder):
        raise refuse("invalid_args", "replaces: a re-issue keeps the type, issuer and holder")
    return old


def issue_handler(suite: CryptoSuite) -> Handler:
    """The handler of ``assets.issue`` (modes authority, window, department)."""

    def handle(ctx: TxContext, tx: Tx) -> None:
        args = IssueArgs.from_args(tx.args)
        sender = sender_of(suite, ctx, tx)
        atype = _type(ctx, args.type)
        issuer = department_account(ctx, sender, atype)
        if args.mode not in atype.modes:
            raise refuse("mode_not_allowed", f"type {atype.code} is not issued in mode {args.mode}")
        asset = _new_asset(suite, ctx, atype, args.new, args.holder, args.mode)
        if args.mode != "department" and args.verified_by:
            raise refuse("invalid_args", "verified_by: only mode department names a verifier")
        if args.mode == "department":
            _check_staff(ctx, args.verified_by, issuer)
        consent_tx = b""
        if args.mode in ("window", "department"):
            consent_tx = _consume_consent(ctx, args.holder, atype.code, args.mode, issuer)
        old = _replaced(ctx, args, issuer)
        serial = next_serial(ctx, issuer) if old is None else old.serial
        version = 1 if old is None else old.version + 1
        asset = replace(
            asset,
            valid_from=ctx.time,
            valid_until=valid_until_of(atype, ctx.time, args.valid_until),
            issued_by=sender.address,
            verified_by=args.verified_by,
            consent_tx=consent_tx,
            replaces=args.replaces,
        )
        asset = make_valid(ctx, asset, issuer, serial, version)
        if old is not None:
            record_change(
                ctx,
                replace(old, status="replaced", replaced_by=asset.content_id),
                "replace",
                sender.address,
            )
        asset = store_new_asset(ctx, asset, "issue", sender.address)
        ctx.emit(
            "assets.issued",
            content_id=asset.content_id,
            identifier=asset.identifier,
            type=asset.type,
            holder=asset.holder,
            issuer=issuer,
            mode=args.mode,
        )

    return handle


def _check_staff(ctx: TxContext, address: bytes, org: str) -> None:
    staff: Account | None = read_account(ctx.get, address) if address else None
    if staff is None or staff.kind != "staff" or staff.org != org or staff.status != "active":
        raise refuse(
            "not_staff",
            "verified_by: mode department names an active staff account of the issuing member",
        )


def submit_handler(suite: CryptoSuite) -> Handler:
    """The handler of ``assets.submit``: the holder's own upload, pending review."""

    def handle(ctx: TxContext, tx: Tx) -> None:
        args = SubmitArgs.from_args(tx.args)
        sender = sender_of(suite, ctx, tx)
        atype = _type(ctx, args.type)
        if "self" not in atype.modes:
            raise refuse("mode_not_allowed", f"type {atype.code} takes no self-upload")
        asset = _new_asset(suite, ctx, atype, args.new, sender.address, "self")
        store_new_asset(ctx, replace(asset, issued_by=sender.address), "submit", sender.address)
        ctx.emit(
            "assets.submitted", content_id=asset.content_id, type=asset.type, holder=asset.holder
        )

    return handle


def review_handler(suite: CryptoSuite) -> Handler:
    """The handler of ``assets.review``: approve (valid, with an identifier) or refuse."""

    def handle(ctx: TxContext, tx: Tx) -> None:
        args = ReviewArgs.from_args(tx.args)
        sender = sender_of(suite, ctx, tx)
        asset = _asset(ctx, args.content_id, "pending")
        atype = read_type(ctx.get, asset.type, asset.type_version)
        assert atype is not None, "a pending asset's type version exists"
        issuer = department_account(ctx, sender, atype)
        if args.approve:
            approved = replace(
                asset,
                valid_from=ctx.time,
                valid_until=valid_until_of(atype, ctx.time, args.valid_until),
                issued_by=sender.address,
            )
            asset = make_valid(ctx, approved, issuer, next_serial(ctx, issuer), 1)
            asset = record_change(ctx, asset, "approve", sender.address)
        else:
            refused = replace(asset, status="refused", reason=args.reason, issued_by=sender.address)
            asset = record_change(ctx, refused, "refuse", sender.address, args.reason)
        ctx.emit(
            "assets.reviewed",
            content_id=asset.content_id,
            status=asset.status,
            identifier=asset.identifier,
        )

    return handle


def status_handler(suite: CryptoSuite, *, abolish: bool) -> Handler:
    """The handler of ``assets.revoke`` (撤销) or, with ``abolish``, ``assets.abolish`` (废止)."""
    status, action = ("abolished", "abolish") if abolish else ("revoked", "revoke")

    def handle(ctx: TxContext, tx: Tx) -> None:
        args = StatusArgs.from_args(tx.args, abolish=abolish)
        sender = sender_of(suite, ctx, tx)
        asset = _asset(ctx, args.content_id, "valid")
        if sender.org != asset.issuer or sender.kind == "subject":
            raise refuse(
                "not_issuer", f"only accounts of the issuer {asset.issuer} may {action} it"
            )
        changed = replace(asset, status=status, reason=args.reason)
        changed = record_change(ctx, changed, action, sender.address, args.reason)
        ctx.emit(
            "assets.status_changed",
            content_id=changed.content_id,
            identifier=changed.identifier,
            status=status,
        )

    return handle


def transfer_handler(suite: CryptoSuite) -> Handler:
    """The handler of ``assets.transfer`` (转移): a new version for the new holder."""

    def handle(ctx: TxContext, tx: Tx) -> None:
        args = TransferArgs.from_args(tx.args)
        sender = sender_of(suite, ctx, tx)
        old = _asset(ctx, args.content_id, "valid")
        atype = _type(ctx, old.type)
        consent_tx = b""
        if atype.transfer == "issuer":
            if sender.org != old.issuer or sender.kind == "subject":
                raise refuse("not_issuer", f"type {atype.code} is transferred by its issuer only")
        elif atype.transfer == "holders":
            if sender.address != old.holder:
                raise refuse("transfer_not_allowed", "type is transferred by its holder only")
            consent_tx = _consume_consent(
                ctx, args.holder, atype.code, "transfer", old.holder.hex()
            )
        else:
            raise refuse("transfer_not_allowed", f"type {atype.code} is never transferred")
        if args.holder == old.holder:
            raise refuse("invalid_args", "new.holder: the asset already belongs to it")
        new = _new_asset(suite, ctx, atype, args.new, args.holder, old.mode)
        new = replace(
            new,
            valid_from=old.valid_from,
            valid_until=old.valid_until,
            issued_by=sender.address,
            consent_tx=consent_tx,
            replaces=old.content_id,
        )
        new = make_valid(ctx, new, old.issuer, old.serial, old.version + 1)
        moved = replace(old, status="transferred", replaced_by=new.content_id)
        record_change(ctx, moved, "transfer", sender.address)
        store_new_asset(ctx, new, "transfer_in", sender.address)
        ctx.emit(
            "assets.transferred",
            content_id=old.content_id,
            to=new.content_id,
            holder=args.holder,
        )

    return handle
