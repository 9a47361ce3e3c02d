"""Reads of ``grants``: records with their state facts, and lists a page at a time.

Each runs over a :class:`ProvingReader` (``NodeService.read``). A usage
history entry comes with the receipt bundle of the tx that recorded it, so
the holder (or a court) checks every view offline against the genesis.
"""

from __future__ import annotations

from dataclasses import dataclass

from govchain.contracts.facts import ProvenValue, list_page, prove_key
from govchain.contracts.grants.records import CodeRecord, Delegation, Grant, GrantRequest, Usage
from govchain.contracts.grants.state import (
    asset_usages,
    code_key,
    delegation_key,
    grant_key,
    grants_to,
    holder_requests,
    holder_usages,
    read_grant,
    read_request,
    read_usage,
    request_key,
    usage_key,
)
from govchain.contracts.proving_reader import ProvingReader
from govchain.contracts.state_lists import ListKeys
from govchain.ledger.proofs import TxReceiptBundle
from govchain.types.errors import LedgerCorruptError

__all__ = [
    "GRANTS_PAGE_MAX",
    "ProvenRecord",
    "ProvenUsage",
    "grants_to_page",
    "holder_usage_page",
    "record_with_fact",
    "requests_page",
    "usage_page",
    "usage_with_fact",
]

GRANTS_PAGE_MAX = 25
"""Entries in one page (a usage entry carries a receipt bundle, built per block)."""

_KINDS = (
    ("grant", grant_key, Grant),
    ("code", code_key, CodeRecord),
    ("delegation", delegation_key, Delegation),
    ("request", request_key, GrantRequest),
)


@dataclass(frozen=True, slots=True)
class ProvenRecord:
    """A grant, code, delegation or request (None: no record has that id) and its fact."""

    kind: str
    record: Grant | CodeRecord | Delegation | GrantRequest | None
    proven: ProvenValue


@dataclass(frozen=True, slots=True)
class ProvenUsage:
    """A usage record and the receipt bundle of the tx that wrote it."""

    usage: Usage
    receipt: TxReceiptBundle


def record_with_fact(reader: ProvingReader, record_id: bytes) -> ProvenRecord:
    """The grant, code, delegation or request with id ``record_id``, with its fact."""
    for kind, key_of, record_type in _KINDS:
        if reader.get(key_of(record_id)) is not None:
            proven = prove_key(reader, key_of(record_id))
            assert proven.value is not None
            return ProvenRecord(kind, record_type.from_stored(proven.value), proven)
    return ProvenRecord("", None, prove_key(reader, grant_key(record_id)))


def usage_with_fact(reader: ProvingReader, tx_hash: bytes) -> tuple[Usage | None, ProvenValue]:
    """The usage record a tx made (None: none) and the fact of its key."""
    proven = prove_key(reader, usage_key(tx_hash))
    return (None if proven.value is None else Usage.from_stored(proven.value)), proven


def _proven_usage(reader: ProvingReader, tx_hash: bytes) -> ProvenUsage:
    usage = read_usage(reader.get, tx_hash)
    bundle = reader.tx_receipt(tx_hash)
    if usage is None or bundle is None or bundle.header.height != usage.height:
        raise LedgerCorruptError(f"grants: usage {tx_hash.hex()} is listed but not held")
    return ProvenUsage(usage, bundle)


def usage_page(
    reader: ProvingReader, content_id: bytes, start: int, limit: int
) -> tuple[list[ProvenUsage], int | None]:
    """An asset's usage records from ``start``, oldest first, each with its receipt."""
    assert 1 <= limit <= GRANTS_PAGE_MAX, f"page limit {limit}"
    hashes, following = list_page(reader, asset_usages(content_id), start, limit)
    return [_proven_usage(reader, tx_hash) for tx_hash in hashes], following


def holder_usage_page(
    reader: ProvingReader, holder: bytes, start: int, limit: int
) -> tuple[list[ProvenUsage], int | None]:
    """The usage records of a holder's assets, cases and txs from ``start``, oldest first, each
    with its receipt (the holder's usage history)."""
    assert 1 <= limit <= GRANTS_PAGE_MAX, f"page limit {limit}"
    hashes, following = list_page(reader, holder_usages(holder), start, limit)
    return [_proven_usage(reader, tx_hash) for tx_hash in hashes], following


def _records(
    reader: ProvingReader, keys: ListKeys, start: int, limit: int, read_one: object
) -> tuple[list[object], int | None]:
    assert 1 <= limit <= GRANTS_PAGE_MAX, f"page limit {limit}"
    ids, following = list_page(reader, keys, start, limit)
    found = [read_one(reader.get, record_id) for record_id in ids]  # type: ignore[operator]
    if any(record is None for record in found):
        raise LedgerCorruptError("grants: a listed record is missing")
    return found, following


def grants_to_page(
    reader: ProvingReader, grantee: bytes, start: int, limit: int
) -> tuple[list[object], int | None]:
    """The grants to ``grantee`` ("shared with me"), oldest first."""
    return _records(reader, grants_to(grantee), start, limit, read_grant)


def requests_page(
    reader: ProvingReader, holder: bytes, start: int, limit: int
) -> tuple[list[object], int | None]:
    """The requests to ``holder``, oldest first."""
    return _records(reader, holder_requests(holder), start, limit, read_request)
