"""The checks and writes the asset handlers share: who acts, content, identifiers, history.

Every refusal is a ContractError whose message starts with the error code
of docs/spec/assets.md ("Error codes"), then ``: `` and the reason.
"""

from __future__ import annotations

from dataclasses import replace

from govchain.codes import build_licence_id
from govchain.contracts.assets.content import Content
from govchain.contracts.assets.records import Asset, AssetType, HistoryEntry
from govchain.contracts.assets.schema import parse_schema
from govchain.contracts.assets.state import (
    asset_key,
    held_list,
    history_list,
    identifier_key,
    read_locker,
    read_serial,
    serial_key,
)
from govchain.contracts.registry.records import Account
from govchain.contracts.registry.state import read_account, read_member
from govchain.contracts.registry.subjects import read_subject
from govchain.contracts.state_lists import append_to_list, list_count
from govchain.crypto import CryptoSuite
from govchain.execution.registry import ContractError, TxContext
from govchain.ledger import records
from govchain.types import Tx
from govchain.types.errors import ValidationError

__all__ = [
    "CONTENT_METHODS",
    "DAY_MS",
    "MAX_HISTORY",
    "check_content",
    "check_metadata_schema",
    "department_account",
    "holder_codes",
    "record_change",
    "refuse",
    "sender_of",
    "store_new_asset",
    "valid_until_of",
]

CONTENT_METHODS = {"gm": "SM4-GCM", "intl": "AES-256-GCM"}
"""The content cipher of each suite (seed 003: 获取数字资产加密方式)."""
DAY_MS = 86_400_000
MAX_HISTORY = 1000
SERIAL_MAX = 99_999_999


def refuse(code: str, reason: str) -> ContractError:
    """A refusal whose message starts with its error code."""
    return ContractError(f"{code}: {reason}")


def sender_of(suite: CryptoSuite, ctx: TxContext, tx: Tx) -> Account:
    """The sender's account (the permission check has found it registered and active)."""
    address = records.address_of(suite, tx.sender)
    account = read_account(ctx.get, address)
    if account is None:
        raise refuse("permission_denied", f"account {address.hex()} is not registered")
    return account


def department_account(ctx: TxContext, account: Account, atype: AssetType) -> str:
    """The sender's member code when it is one of the type's issuers; refused otherwise."""
    member = read_member(ctx.get, account.org) if account.org else None
    if member is None or member.status != "active" or account.kind == "subject":
        raise refuse("issuer_not_allowed", "only an account of an active member issues assets")
    if member.code not in atype.issuers:
        raise refuse(
            "issuer_not_allowed",
            f"member {member.code} is not among the issuers of type {atype.code}",
        )
    return member.code


def check_metadata_schema(atype: AssetType, metadata: dict[str, object]) -> None:
    """The public fields against the type's schema (patterns are the client's)."""
    try:
        parse_schema(atype.schema).check_public(metadata)
    except ValidationError as exc:
        raise refuse("schema", f"type {atype.code} v{atype.version}: {exc}") from exc


def check_content(
    suite: CryptoSuite, ctx: TxContext, atype: AssetType, holder: bytes, content: Content
) -> None:
    """The suite's cipher, and envelopes for exactly the holder and the type's regulator."""
    if content.method != CONTENT_METHODS[suite.name]:
        raise refuse(
            "envelopes",
            f"content.method: this chain encrypts with {CONTENT_METHODS[suite.name]}, "
            f"not {content.method}",
        )
    if read_locker(ctx.get, holder) is None:
        raise refuse("no_locker", f"holder {holder.hex()} has no locker (govchain locker init)")
    wanted = {holder: "holder"}
    if atype.regulator:
        wanted[atype.regulator] = "regulator"
    found = {envelope.reader: envelope.kind for envelope in content.envelopes}
    if found != wanted:
        raise refuse(
            "envelopes",
            "expected one envelope to the holder"
            + (" and one to the type's regulator" if atype.regulator else "")
            + ", and no other",
        )


def valid_until_of(atype: AssetType, now: int, stated: int) -> int:
    """The asset's ``valid_until`` (0: long-term) from the type's validity rule."""
    if atype.validity == "stated":
        if stated <= now:
            raise refuse("invalid_args", "valid_until: this type needs an end after the block time")
        return stated
    if stated:
        raise refuse("invalid_args", f"valid_until: type {atype.code} sets validity itself")
    if atype.validity == "long_term":
        return 0
    return now + int(atype.validity.removeprefix("days:")) * DAY_MS


def holder_codes(ctx: TxContext, holder: bytes) -> tuple[str, str]:
    """(持证主体代码, its GB/T 36903 type): an enterprise's credit code, never a person's number."""
    subject = read_subject(ctx.get, holder)
    if subject is not None and subject.kind == "enterprise":
        return subject.code, "001"
    if subject is not None:
        return "", "111"
    return "", "999"


def _identifier(type_code: str, issuer: str, serial: int, version: int) -> str:
    return build_licence_id(type_code, issuer, f"{serial:08d}", f"{version:03d}").text


def next_serial(ctx: TxContext, issuer: str) -> int:
    """Take the issuer's next serial."""
    serial = read_serial(ctx.get, issuer) + 1
    if serial > SERIAL_MAX:
        raise refuse("invalid_args", f"issuer {issuer} has used every serial")
    ctx.put(serial_key(issuer), serial.to_bytes(4, "big"))
    return serial


def make_valid(ctx: TxContext, asset: Asset, issuer: str, serial: int, version: int) -> Asset:
    """``asset`` made valid under ``issuer`` with its licence identifier, indexed."""
    identifier = _identifier(asset.type, issuer, serial, version)
    ctx.put(identifier_key(identifier), asset.content_id)
    return replace(
        asset, status="valid", issuer=issuer, serial=serial, version=version, identifier=identifier
    )


def record_change(ctx: TxContext, asset: Asset, action: str, by: bytes, reason: str = "") -> Asset:
    """Store ``asset`` as changed by this tx and append the change to its history."""
    keys = history_list(asset.content_id)
    if list_count(ctx.get, keys) >= MAX_HISTORY:
        raise refuse("bad_status", f"asset history is full ({MAX_HISTORY} entries)")
    changed = replace(asset, last_tx=ctx.tx_hash, height=ctx.height)
    entry = HistoryEntry(action, changed.status, by, ctx.height, ctx.time, ctx.tx_hash, reason)
    append_to_list(ctx.get, ctx.put, keys, entry.encode())
    ctx.put(asset_key(asset.content_id), changed.encode())
    return changed


def store_new_asset(ctx: TxContext, asset: Asset, action: str, by: bytes) -> Asset:
    """Write a new asset version: refused if its content id is taken; listed in the locker."""
    if ctx.get(asset_key(asset.content_id)) is not None:
        raise refuse("content_id_taken", f"content id {asset.content_id.hex()} is already used")
    append_to_list(ctx.get, ctx.put, held_list(asset.holder), asset.content_id)
    return record_change(ctx, asset, action, by)
