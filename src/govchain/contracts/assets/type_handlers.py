"""Handlers of the txs that prepare issuance: type definitions, lockers and consents.

``assets.type_define``, ``assets.locker_init``, ``assets.consent``.

docs/spec/assets.md, "Tx types". Deterministic: reads and writes state only.
"""

from __future__ import annotations

from govchain.contracts.assets.checks import refuse, sender_of
from govchain.contracts.assets.records import AssetType, Consent, Locker
from govchain.contracts.assets.schema import parse_schema
from govchain.contracts.assets.state import (
    consent_key,
    latest_type_version,
    locker_key,
    read_locker,
    read_type,
    type_key,
    type_version_key,
)
from govchain.contracts.assets.txs import (
    MAX_CONSENT_SPAN,
    ConsentArgs,
    LockerInitArgs,
    TypeDefineArgs,
)
from govchain.contracts.registry.state import read_account, read_member
from govchain.crypto import CryptoSuite
from govchain.execution.registry import Handler, TxContext
from govchain.types import Tx
from govchain.types.errors import ValidationError

__all__ = [
    "LOCKER_KEY_SIZES",
    "consent_handler",
    "define_type",
    "locker_init_handler",
    "type_define_handler",
]

LOCKER_KEY_SIZES = {"gm": 65, "intl": 32}
"""The locker public key of each suite: an SM2 point, or an X25519 key."""


def define_type(ctx: TxContext, args: TypeDefineArgs, owner: str) -> AssetType:
    """Write a new type, or a new version of one ``owner`` owns; refused naming the reason.

    ``owner`` is the defining member: the sender's (``assets.type_define``) or
    the one a governance decision names (action ``asset_type.define``).
    """
    member = read_member(ctx.get, owner)
    if member is None or member.status != "active":
        raise refuse("unknown_member", f"the defining member {owner} is not an active member")
    latest = read_type(ctx.get, args.code)
    if latest is not None and latest.owner != owner:
        raise refuse(
            "type_owned", f"type {args.code} is defined by member {latest.owner}, not {owner}"
        )
    for code in args.issuers:
        issuer = read_member(ctx.get, code)
        if issuer is None or issuer.status != "active":
            raise refuse("unknown_member", f"issuer {code} is not an active member")
    if args.regulator and read_locker(ctx.get, args.regulator) is None:
        raise refuse("no_locker", f"regulator {args.regulator.hex()} has no locker")
    version = latest_type_version(ctx.get, args.code) + 1
    try:
        record = AssetType(
            args.code,
            version,
            args.name,
            parse_schema(args.schema).to_cbor(),
            args.issuers,
            args.modes,
            args.validity,
            args.regulator,
            args.transfer,
            owner,
            ctx.height,
        )
        record.validate()
    except ValidationError as exc:
        raise refuse("invalid_args", str(exc)) from exc
    ctx.put(type_version_key(args.code, version), record.encode())
    ctx.put(type_key(args.code), version.to_bytes(4, "big"))
    ctx.emit("assets.type_defined", code=args.code, version=version, owner=owner)
    return record


def type_define_handler(suite: CryptoSuite) -> Handler:
    """The handler of ``assets.type_define``: the sender's member defines (and owns) the type."""

    def handle(ctx: TxContext, tx: Tx) -> None:
        args = TypeDefineArgs.from_args(tx.args)
        account = sender_of(suite, ctx, tx)
        if not account.org or account.kind == "subject":
            raise refuse("permission_denied", "asset types are defined by accounts of members")
        define_type(ctx, args, account.org)

    return handle


def locker_init_handler(suite: CryptoSuite) -> Handler:
    """The handler of ``assets.locker_init``."""

    def handle(ctx: TxContext, tx: Tx) -> None:
        args = LockerInitArgs.from_args(tx.args)
        account = sender_of(suite, ctx, tx)
        if len(args.public_key) != LOCKER_KEY_SIZES[suite.name]:
            raise refuse(
                "invalid_args",
                f"public_key: a {suite.name} locker key is {LOCKER_KEY_SIZES[suite.name]} bytes",
            )
        if read_locker(ctx.get, account.address) is not None:
            raise refuse("locker_exists", f"account {account.address.hex()} already has a locker")
        locker = Locker(account.address, args.public_key, args.key_blob, ctx.height)
        ctx.put(locker_key(account.address), locker.encode())
        ctx.emit("assets.locker_opened", address=account.address)

    return handle


def consent_handler(suite: CryptoSuite) -> Handler:
    """The handler of ``assets.consent``."""

    def handle(ctx: TxContext, tx: Tx) -> None:
        args = ConsentArgs.from_args(tx.args)
        account = sender_of(suite, ctx, tx)
        if not ctx.height <= args.until <= ctx.height + MAX_CONSENT_SPAN:
            raise refuse(
                "invalid_args",
                f"until: expected a height in {ctx.height}..{ctx.height + MAX_CONSENT_SPAN}",
            )
        if read_type(ctx.get, args.type) is None:
            raise refuse("unknown_type", f"no asset type {args.type}")
        if args.mode == "transfer":
            if read_account(ctx.get, bytes.fromhex(args.party)) is None:
                raise refuse("invalid_args", f"party {args.party} is not a registered account")
        elif read_member(ctx.get, args.party) is None:
            raise refuse("unknown_member", f"party {args.party} is not a member")
        key = consent_key(account.address, args.type, args.mode, args.party)
        ctx.put(key, Consent(args.until, ctx.tx_hash).encode())
        ctx.emit("assets.consented", holder=account.address, type=args.type, mode=args.mode)

    return handle
