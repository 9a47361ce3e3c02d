"""Rows from what the API answers: pure functions, no I/O.

:func:`block_rows` turns a block's JSON and its txs' receipt bundles into
the rows of ``blocks``, ``txs`` and ``events``; :func:`records_named`
says which derived records an event names (to be read again from their
routes); the ``*_row`` functions turn a record's JSON into its table's row.
Each row is a tuple in the column order of :mod:`govchain.indexer.schema`.
Only what the chain holds in clear is kept; free-text fields that may carry
personal data (forms, metadata, reasons) are never copied.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from govchain.crypto import CryptoSuite
from govchain.ledger import records
from govchain.ledger.proofs import TxReceiptBundle
from govchain.types.errors import GovChainError, ValidationError

__all__ = [
    "INT_MAX",
    "BlockRows",
    "RecordRef",
    "account_row",
    "asset_row",
    "block_rows",
    "case_rows",
    "error_code",
    "grant_row",
    "json_text",
    "records_named",
    "usage_row",
]

INT_MAX = 2**63 - 1
"""The largest integer a ``BIGINT`` column holds; a larger value is refused."""

Row = tuple[object, ...]

_CODE_PREFIX = re.compile(r"^([a-z][a-z0-9_]{0,63}): ")
_STATUS_CODES = {1: "contract_error", 2: "unknown_type", 3: "permission_denied"}


@dataclass(frozen=True, slots=True)
class RecordRef:
    """A derived record an event names: ``kind`` (a table) and its key as the route takes it."""

    kind: str
    key: str


@dataclass(frozen=True, slots=True)
class BlockRows:
    """The rows one block adds, and the records its events name (in first-named order)."""

    height: int
    block_hash: str
    prev_hash: str
    block: Row
    txs: tuple[Row, ...]
    events: tuple[Row, ...]
    named: tuple[RecordRef, ...]


def json_text(value: object) -> str:
    """Canonical JSON text of ``value``: bytes as lowercase hex, keys sorted, UTF-8 kept."""
    return json.dumps(_plain(value), sort_keys=True, ensure_ascii=False, separators=(",", ":"))


def _plain(value: object) -> object:
    if isinstance(value, bytes):
        return value.hex()
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    return value


def error_code(status: int, error: str) -> str:
    """The stable code of a failed receipt: its error's leading ``code:``, else by status."""
    if status == 0:
        return ""
    found = _CODE_PREFIX.match(error)
    if found is not None:
        return found.group(1)
    return _STATUS_CODES.get(status, "contract_error")


def _int(what: str, value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= INT_MAX:
        raise ValidationError(f"{what}: expected an integer 0..{INT_MAX}, got {value!r}")
    return value


def _text(what: str, value: object) -> str:
    if not isinstance(value, str):
        raise ValidationError(f"{what}: expected text, got {type(value).__name__}")
    return value


def block_rows(
    suite: CryptoSuite, block: Mapping[str, Any], bundles: Sequence[Mapping[str, Any]]
) -> BlockRows:
    """The rows of a block (``GET /v1/blocks/{h}``) and its txs' receipt bundles, in order.

    ValidationError when the answers do not fit together (a bundle of another
    tx, of another block, a receipt that does not decode).
    """
    header = block.get("header")
    if not isinstance(header, Mapping):
        raise ValidationError("block: no header")
    height = _int("block height", header.get("height"))
    hashes = block.get("txs")
    if not isinstance(hashes, list) or len(hashes) != len(bundles):
        raise ValidationError(f"block {height}: one receipt bundle per tx expected")
    txs: list[Row] = []
    events: list[Row] = []
    named: dict[RecordRef, None] = {}
    for index, (tx_hash, bundle) in enumerate(zip(hashes, bundles, strict=True)):
        try:
            parsed = TxReceiptBundle.from_json(bundle)
        except (GovChainError, ValueError, KeyError, TypeError) as exc:
            raise ValidationError(f"block {height} tx {index}: bad receipt bundle: {exc}") from exc
        tx, receipt = parsed.tx, parsed.receipt
        if receipt.tx_hash.hex() != tx_hash or parsed.header.height != height:
            raise ValidationError(f"block {height} tx {index}: the bundle is of another tx")
        sender = (
            records.address_of(suite, tx.sender) if tx.sender_kind == "key" else tx.sender
        ).hex()
        status = "committed" if receipt.ok else "failed"
        code = error_code(receipt.status, receipt.error)
        txs.append((tx_hash, height, index, tx.type, tx.sender_kind, sender, status,
                    receipt.status, code))  # fmt: skip
        for position, event in enumerate(receipt.events):
            events.append((height, tx_hash, position, event.type, json_text(event.attributes)))
            for ref in records_named(event.type, event.attributes, receipt.tx_hash):
                named[ref] = None
    block_hash = _text("block hash", block.get("hash"))
    prev_hash = _text("prev_hash", header.get("prev_hash"))
    row = (height, block_hash, prev_hash, _int("block time", header.get("time")),
           _text("proposer", header.get("proposer")), len(txs))  # fmt: skip
    return BlockRows(height, block_hash, prev_hash, row, tuple(txs), tuple(events), tuple(named))


def _hex(value: object) -> str | None:
    return value.hex() if isinstance(value, bytes) and value else None


_ASSET_EVENTS = {"assets.issued", "assets.submitted", "assets.reviewed", "assets.status_changed",
                 "assets.transferred"}  # fmt: skip
_GRANT_EVENTS = {
    "grants.granted": "grant", "grants.revoked": "grant", "grants.code_issued": "code",
    "grants.delegated": "delegation", "grants.undelegated": "delegation",
    "grants.requested": "request", "grants.answered": "request", "grants.lapsed": "request",
    "grants.reminded": "request",
}  # fmt: skip
_ACCOUNT_EVENTS = {
    "registry.account_added": "address", "registry.roles_set": "address",
    "registry.account_status": "address", "registry.subject_applied": "address",
    "registry.subject_decided": "address", "registry.access_applied": "address",
    "registry.access_decided": "address", "registry.cert_registered": "address",
    "assets.locker_opened": "address",
}  # fmt: skip


def records_named(
    event_type: str, attributes: Mapping[str, Any], tx_hash: bytes
) -> list[RecordRef]:
    """The derived records an event names, to be read again from the routes."""
    found: list[str | None] = []
    kind = ""
    if event_type in _ASSET_EVENTS:
        kind = "asset"
        found = [_hex(attributes.get("content_id")), _hex(attributes.get("to"))]
    elif event_type in _GRANT_EVENTS:
        kind = "grant"
        found = [_hex(attributes.get(_GRANT_EVENTS[event_type]))]
    elif event_type == "grants.used":
        kind = "usage"
        found = [tx_hash.hex()]
    elif event_type.startswith("workflow.") and "case" in attributes:
        kind = "case"
        found = [_hex(attributes.get("case"))]
    elif event_type in _ACCOUNT_EVENTS:
        kind = "account"
        found = [_hex(attributes.get(_ACCOUNT_EVENTS[event_type]))]
    return [RecordRef(kind, key) for key in found if key is not None]


def account_row(account: Mapping[str, Any], height: int) -> Row:
    """The ``accounts`` row of an account's JSON (``GET /v1/accounts/{address}``)."""
    return (_text("account address", account.get("address")), _text("kind", account.get("kind")),
            _text("org", account.get("org")), json_text(account.get("roles", [])),
            _text("status", account.get("status")), height)  # fmt: skip


def asset_row(asset: Mapping[str, Any], height: int) -> Row:
    """The ``assets`` row of an asset's JSON (``GET /v1/assets/{ref}``): no metadata, no
    holder code, no content: what names the asset and where it stands. ``status`` is the
    stored one (``expired`` is a query: ``valid_until`` not after a time)."""
    return (_text("content_id", asset.get("content_id")),
            _text("identifier", asset.get("identifier")), _text("type", asset.get("type")),
            _text("holder", asset.get("holder")), _text("issuer", asset.get("issuer")),
            _text("mode", asset.get("mode")), _text("status", asset.get("status")),
            _int("version", asset.get("version")), _int("valid_until", asset.get("valid_until")),
            height)  # fmt: skip


def grant_row(kind: str, record: Mapping[str, Any], height: int) -> Row:
    """The ``grants`` row of a grant, code, delegation or request (``GET /v1/grants/{id}``).

    ``grantee`` is the grantee, the agent or the requester ("" for a code);
    ``asset`` is "" for a delegation, ``uses``/``used`` 0 where the kind has none.
    """
    grantee = record.get("grantee", record.get("agent", record.get("requester", "")))
    return (_text("grant id", record.get("id")), kind, _text("asset", record.get("asset", "")),
            _text("holder", record.get("holder")), _text("grantee", grantee),
            _text("purpose", record.get("purpose", "")), _text("status", record.get("status")),
            _int("expires", record.get("expires", 0)), _int("uses", record.get("uses", 0)),
            _int("used", record.get("used", 0)), height)  # fmt: skip


def usage_row(usage: Mapping[str, Any], height: int) -> Row:
    """The ``usage`` row of a usage record (``GET /v1/usage/{tx}``): an asset's, or a
    regulator's read of a case or a tx (``target``, ``target_id``; the asset then empty)."""
    names = ("tx_hash", "asset", "version", "reader", "by", "holder", "action", "purpose", "via",
             "via_id", "reader_org", "issuer", "target", "target_id", "time")  # fmt: skip
    values = [
        _int(n, usage.get(n)) if n in ("version", "time") else _text(n, usage.get(n, ""))
        for n in names
    ]
    return (*values, height)


def case_rows(answer: Mapping[str, Any], height: int) -> tuple[Row, list[Row]]:
    """The ``cases`` row and the ``steps`` rows of a case (``GET /v1/cases/{id}``): the form,
    materials and reasons stay on chain."""
    case = answer.get("case")
    steps = answer.get("steps")
    if not isinstance(case, Mapping) or not isinstance(steps, list):
        raise ValidationError("case answer: expected case and steps")
    case_id = _text("case id", case.get("id"))
    row = (case_id, _text("process", case.get("process")), _int("version", case.get("version")),
           _text("applicant", case.get("applicant")), _text("window", case.get("window")),
           _text("state", case.get("state")), _int("opened", case.get("opened")),
           _int("closed", case.get("closed")), height)  # fmt: skip
    step_rows: list[Row] = []
    for step in steps:
        if not isinstance(step, Mapping):
            raise ValidationError("case answer: a step is not an object")
        step_rows.append((case_id, _text("step", step.get("step")),
                          _text("department", step.get("department")),
                          _text("state", step.get("state")), _int("ready_at", step.get("ready_at")),
                          _int("deadline", step.get("deadline")),
                          _int("done_at", step.get("done_at")), 1 if step.get("overdue") else 0,
                          _int("interventions", step.get("interventions")),
                          _int("attempts", step.get("attempts")), height))  # fmt: skip
    return row, step_rows
