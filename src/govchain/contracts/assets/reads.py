"""Reads of ``assets``: types, lockers and assets with their proofs, and a locker's view.

Each runs over a :class:`ProvingReader` (the node runs it off its consensus
loop with ``NodeService.read``). A record comes with the state fact of its
key, which a client checks against the genesis alone; an asset's history
entries come with the receipt of the tx that wrote each
(docs/spec/assets.md, "Reads").
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from govchain.contracts.assets.records import Asset, AssetType, HistoryEntry, Locker
from govchain.contracts.assets.state import (
    asset_key,
    held_list,
    history_list,
    identifier_key,
    latest_type_version,
    locker_key,
    read_asset,
    type_version_key,
)
from govchain.contracts.facts import ProvenValue, list_page, prove_key
from govchain.contracts.proving_reader import ProvingReader
from govchain.contracts.state_lists import list_count
from govchain.ledger.proofs import TxReceiptBundle
from govchain.types.errors import LedgerCorruptError, ValidationError

__all__ = [
    "ASSET_REF_PATTERN",
    "HISTORY_PAGE_MAX",
    "LOCKER_PAGE_MAX",
    "LockerView",
    "ProvenAsset",
    "ProvenEntry",
    "ProvenLocker",
    "ProvenType",
    "asset_with_fact",
    "effective_status",
    "locker_view",
    "locker_with_fact",
    "parse_asset_ref",
    "type_with_fact",
]

HISTORY_PAGE_MAX = 25
"""History entries one read carries (each with a receipt bundle, built per block)."""
LOCKER_PAGE_MAX = 100
"""Assets one locker page lists."""
ASSET_REF_PATTERN = r"^([0-9a-fA-F]{32}|1\.2\.156\.3005\.2\.[0-9A-Z.]{1,113})$"
"""What names an asset: a content id (32 hex digits) or a licence identifier (GB/T 36904)."""
_ASSET_REF = re.compile(ASSET_REF_PATTERN)


@dataclass(frozen=True, slots=True)
class ProvenType:
    """A type version (None: no such type or version) and the fact of its key."""

    type: AssetType | None
    proven: ProvenValue


@dataclass(frozen=True, slots=True)
class ProvenLocker:
    """An account's locker (None: it has none) and the fact of its key."""

    locker: Locker | None
    proven: ProvenValue


@dataclass(frozen=True, slots=True)
class ProvenEntry:
    """One history entry with the receipt bundle of its tx."""

    entry: HistoryEntry
    receipt: TxReceiptBundle


@dataclass(frozen=True, slots=True)
class ProvenAsset:
    """An asset version with the fact of its key, its status now and part of its history."""

    asset: Asset | None
    proven: ProvenValue
    status: str
    """The stored status, or ``expired`` for a valid asset whose end has passed."""
    history: tuple[ProvenEntry, ...]
    history_total: int


@dataclass(frozen=True, slots=True)
class LockerView:
    """A page of the assets a locker holds, in issue order (F-C2; grouped by type by callers)."""

    holder: bytes
    height: int
    time: int
    assets: tuple[tuple[Asset, str], ...]
    """Each asset with its effective status."""
    next_index: int | None


def effective_status(asset: Asset, time: int) -> str:
    """``expired`` for a valid asset whose end is not after ``time``, else its stored status."""
    if asset.status == "valid" and asset.valid_until and asset.valid_until <= time:
        return "expired"
    return asset.status


def parse_asset_ref(text: str) -> tuple[str, bytes | str]:
    """``("content_id", bytes)`` for 32 hex digits, ``("identifier", text)`` for a licence id."""
    if _ASSET_REF.fullmatch(text):
        if text.startswith("1.2.156.3005.2."):
            return "identifier", text
        return "content_id", bytes.fromhex(text)
    raise ValidationError(
        "asset: expected a content id (32 hex digits) or a licence identifier (1.2.156.3005.2....)"
    )


def type_with_fact(reader: ProvingReader, code: str, version: int | None = None) -> ProvenType:
    """A type's version (None: the latest) with the fact of its key."""
    number = latest_type_version(reader.get, code) if version is None else version
    proven = prove_key(reader, type_version_key(code, max(number, 1)))
    record = None if proven.value is None or number == 0 else AssetType.from_stored(proven.value)
    return ProvenType(record, proven)


def locker_with_fact(reader: ProvingReader, address: bytes) -> ProvenLocker:
    """An account's locker with the fact of its key."""
    proven = prove_key(reader, locker_key(address))
    return ProvenLocker(None if proven.value is None else Locker.from_stored(proven.value), proven)


def _history(reader: ProvingReader, content_id: bytes, start: int) -> tuple[list[ProvenEntry], int]:
    keys = history_list(content_id)
    total = list_count(reader.get, keys)
    raws, _ = list_page(reader, keys, start, HISTORY_PAGE_MAX) if start < total else ([], None)
    found = []
    for raw in raws:
        entry = HistoryEntry.from_stored(raw)
        bundle = reader.tx_receipt(entry.tx_hash)
        if bundle is None or bundle.header.height != entry.height:
            raise LedgerCorruptError(
                f"assets: a history entry names tx {entry.tx_hash.hex()} at height "
                f"{entry.height}, which the chain does not hold there"
            )
        found.append(ProvenEntry(entry, bundle))
    return found, total


def asset_with_fact(
    reader: ProvingReader, ref: tuple[str, bytes | str], history_start: int = 0
) -> ProvenAsset:
    """An asset named by ``parse_asset_ref``'s answer, proven, with history from ``history_start``.

    The caller parses the reference first: inside a read a ValidationError
    means a damaged store, never a bad request.
    """
    kind, value = ref
    if kind == "identifier":
        assert isinstance(value, str)
        content_id = reader.get(identifier_key(value))
        if content_id is None:
            proven = prove_key(reader, identifier_key(value))
            return ProvenAsset(None, proven, "", (), 0)
    else:
        assert isinstance(value, bytes)
        content_id = value
    proven = prove_key(reader, asset_key(content_id))
    if proven.value is None:
        return ProvenAsset(None, proven, "", (), 0)
    asset = Asset.from_stored(proven.value)
    history, total = _history(reader, content_id, history_start)
    time = proven.fact.header.time
    return ProvenAsset(asset, proven, effective_status(asset, time), tuple(history), total)


def locker_view(reader: ProvingReader, holder: bytes, start: int, limit: int) -> LockerView:
    """Assets ``start`` onwards of ``holder``'s locker, at most ``limit``, with their status."""
    assert 1 <= limit <= LOCKER_PAGE_MAX, f"page limit {limit}"
    height = reader.height
    time = reader.header(height).time if height else 0
    content_ids, following = list_page(reader, held_list(holder), start, limit)
    found = []
    for content_id in content_ids:
        asset = read_asset(reader.get, content_id)
        if asset is None:
            raise LedgerCorruptError(f"assets: a locker lists {content_id.hex()}, which is missing")
        found.append((asset, effective_status(asset, time)))
    return LockerView(holder, height, time, tuple(found), following)
