"""Figures the supervision pages count from the indexer's tables: the access trail, accounts and
subjects by kind, assets by type and status, and assets issued over time.

Every figure is one ``SELECT`` (or a few) through :class:`IndexReader`, so it holds on SQLite
and on PostgreSQL alike. Assets issued are the ``assets.issued`` events, as the audit report
counts them (docs/spec/audit.md), bucketed by :func:`govchain.audit.figures.tx_volume`.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from dataclasses import dataclass

from govchain.audit.figures import tx_volume
from govchain.audit.period import DAY_MS, ReportRange
from govchain.audit.sources import USAGE_OBJECT_SQL
from govchain.console.index_reader import PAGE_ROWS, IndexReader
from govchain.contracts.assets import ASSET_STATUSES
from govchain.types.errors import ValidationError

__all__ = [
    "GROWTH_DAYS",
    "MAX_GROWTH_DAYS",
    "MAX_TRAIL_PAGE",
    "SUBJECT_KINDS",
    "AssetTypeCounts",
    "Growth",
    "KindCounts",
    "TrailFilter",
    "TrailPage",
    "UsageRow",
    "accounts_by_kind",
    "assets_by_type",
    "assets_growth",
    "subjects_by_kind",
    "usage_trail",
]

MAX_TRAIL_PAGE = 10_000
"""The last page of the access trail a request may ask for."""
GROWTH_DAYS = 30
"""The days the growth chart covers unless asked otherwise."""
MAX_GROWTH_DAYS = 366
"""The most days a growth chart covers."""
SUBJECT_KINDS = ("enterprise", "person")
"""The kinds a subject applies as (docs/spec/registry.md)."""
_ADDRESS = re.compile(r"[0-9a-f]{40}")
_FIRST_DAY = dt.date(1970, 1, 1)
_USAGE = (
    f"SELECT tx_hash, {USAGE_OBJECT_SQL}, version, reader, by_account, holder, action, purpose, "
    "via, via_id, reader_org, time, height FROM usage"
)
"""A regulator's read of a case or a tx shows as ``case:<id>`` / ``tx:<hash>`` in ``asset``."""


@dataclass(frozen=True, slots=True)
class UsageRow:
    """A usage record of the index: who read which asset, for whom, why, when, through what."""

    tx_hash: str
    asset: str
    """The asset's content id, or ``case:<id>`` / ``tx:<hash>`` for a regulator's read of one."""
    version: int
    reader: str
    by_account: str
    holder: str
    action: str
    purpose: str
    via: str
    via_id: str
    reader_org: str
    time: int
    height: int


@dataclass(frozen=True, slots=True)
class TrailFilter:
    """Which usage records the trail shows: an account (reader, on whose behalf, or holder;
    "" for any), BFT times ``start_ms <= time < end_ms``, and the page (0: the newest)."""

    account: str = ""
    start_ms: int = 0
    end_ms: int = 2**63 - 1
    page: int = 0

    def validate(self) -> None:
        """ValidationError naming the parameter that is wrong."""
        if self.account and not _ADDRESS.fullmatch(self.account):
            raise ValidationError("account: an address is 40 lowercase hex digits")
        if self.start_ms >= self.end_ms:
            raise ValidationError("to: must not be before from")
        if not 0 <= self.page <= MAX_TRAIL_PAGE:
            raise ValidationError(f"page: 0..{MAX_TRAIL_PAGE}")

    @classmethod
    def of(cls, account: str, day_from: str, day_to: str, page: int) -> TrailFilter:
        """The filter of a request's ``account``, ``from`` and ``to`` (UTC days ``YYYY-MM-DD``,
        both counted whole, either may be empty) and ``page``; ValidationError if malformed."""
        start = _day_ms("from", day_from) if day_from else 0
        end = _day_ms("to", day_to) + DAY_MS if day_to else 2**63 - 1
        found = cls(account.strip().lower(), start, end, page)
        found.validate()
        return found


def _day_ms(name: str, text: str) -> int:
    try:
        day = dt.date.fromisoformat(text.strip())
    except ValueError:
        raise ValidationError(f"{name}: expected a UTC day YYYY-MM-DD") from None
    if day < _FIRST_DAY:
        raise ValidationError(f"{name}: before 1970")
    return (day - _FIRST_DAY).days * DAY_MS


@dataclass(frozen=True, slots=True)
class TrailPage:
    """One page of the trail and how many records match the filter in all."""

    rows: tuple[UsageRow, ...]
    total: int


def _usage_row(r: tuple[object, ...]) -> UsageRow:
    t = [str(v) for v in r]
    return UsageRow(t[0], t[1], int(t[2]), t[3], t[4], t[5], t[6], t[7], t[8], t[9], t[10],
                    int(t[11]), int(t[12]))  # fmt: skip


def usage_trail(index: IndexReader, wanted: TrailFilter) -> TrailPage:
    """The usage records ``wanted`` asks for, the latest first, PAGE_ROWS a page."""
    where = "WHERE time >= ? AND time < ?"
    params: tuple[object, ...] = (wanted.start_ms, wanted.end_ms)
    if wanted.account:
        where += " AND (reader = ? OR by_account = ? OR holder = ?)"
        params += (wanted.account,) * 3
    total = index.select(f"SELECT COUNT(*) FROM usage {where}", params)[0][0]
    found = index.select(
        f"{_USAGE} {where} ORDER BY time DESC, height DESC, tx_hash LIMIT {PAGE_ROWS} "
        f"OFFSET {wanted.page * PAGE_ROWS}",
        params,
    )
    return TrailPage(tuple(_usage_row(r) for r in found), int(total))


@dataclass(frozen=True, slots=True)
class KindCounts:
    """Counts of one kind (an account kind or a subject kind) by status, and their sum."""

    kind: str
    by_status: dict[str, int]

    @property
    def total(self) -> int:
        """Every status summed."""
        return sum(self.by_status.values())


def accounts_by_kind(index: IndexReader, org: str | None = None) -> list[KindCounts]:
    """The indexed accounts by kind and status (of member ``org`` only when given)."""
    where, params = ("WHERE org = ? ", (org,)) if org is not None else ("", ())
    found = index.select(
        f"SELECT kind, status, COUNT(*) FROM accounts {where}GROUP BY kind, status "
        "ORDER BY kind, status",
        params,
    )
    kinds: dict[str, dict[str, int]] = {}
    for kind, status, count in found:
        kinds.setdefault(str(kind), {})[str(status)] = int(count)
    return [KindCounts(kind, counts) for kind, counts in kinds.items()]


def subjects_by_kind(index: IndexReader, member: str | None = None) -> dict[str, int]:
    """Subjects applied, by kind (``registry.subject_applied`` events; to member ``member``
    only when given). The attributes are canonical JSON (keys sorted, no spaces), so a kind
    and a member are exact substrings of it."""
    counts: dict[str, int] = {}
    for kind in SUBJECT_KINDS:
        pattern = f'%"kind":"{kind}"%' + (f'"member":"{member}"%' if member else "")
        found = index.select(
            "SELECT COUNT(*) FROM events WHERE type = 'registry.subject_applied' "
            "AND attributes LIKE ?",
            (pattern,),
        )
        counts[kind] = int(found[0][0])
    return counts


@dataclass(frozen=True, slots=True)
class AssetTypeCounts:
    """One asset type: its assets by stored status, and the valid ones past their validity (at
    the last indexed block's time)."""

    type: str
    by_status: dict[str, int]
    expired: int

    @property
    def total(self) -> int:
        """Every status summed."""
        return sum(self.by_status.values())


def _last_block_time(index: IndexReader) -> int:
    found = index.select("SELECT time FROM blocks ORDER BY height DESC LIMIT 1")
    return int(found[0][0]) if found else 0


def _issued_types(index: IndexReader, start_ms: int, end_ms: int) -> list[tuple[str, int]]:
    """``(type, block time)`` of each ``assets.issued`` event in ``[start_ms, end_ms)``."""
    found = index.select(
        "SELECT e.attributes, b.time FROM events e JOIN blocks b ON b.height = e.height "
        "WHERE e.type = 'assets.issued' AND b.time >= ? AND b.time < ? ORDER BY e.height",
        (start_ms, end_ms),
    )
    typed = []
    for attributes, time in found:
        parsed = json.loads(str(attributes))
        typed.append((str(parsed.get("type", "")) if isinstance(parsed, dict) else "", int(time)))
    return typed


def assets_by_type(index: IndexReader) -> list[AssetTypeCounts]:
    """Every asset type in the index, by type code."""
    found = index.select("SELECT type, status, COUNT(*) FROM assets GROUP BY type, status")
    now = _last_block_time(index)
    expired = dict(
        index.select(
            "SELECT type, COUNT(*) FROM assets WHERE status = 'valid' AND valid_until > 0 "
            "AND valid_until <= ? GROUP BY type",
            (now,),
        )
    )
    types: dict[str, dict[str, int]] = {}
    for kind, status, count in found:
        types.setdefault(str(kind), {})[str(status)] = int(count)
    order = {status: i for i, status in enumerate(ASSET_STATUSES)}
    return [
        AssetTypeCounts(
            kind,
            dict(sorted(types.get(kind, {}).items(), key=lambda s: order.get(s[0], len(order)))),
            int(expired.get(kind, 0)),
        )
        for kind in sorted(types)
    ]


@dataclass(frozen=True, slots=True)
class Growth:
    """Assets issued per bucket (``unit`` hour or day) by type, over the range of the chart."""

    unit: str
    labels: tuple[str, ...]
    by_type: dict[str, tuple[int, ...]]


def assets_growth(index: IndexReader, days: int) -> Growth:
    """Assets issued by type over the ``days`` UTC days (1..MAX_GROWTH_DAYS) up to the last
    indexed block's; per hour for up to 3 days, per day beyond (as the audit report buckets)."""
    days = max(1, min(days, MAX_GROWTH_DAYS))
    last = _last_block_time(index)
    end = last - last % DAY_MS + DAY_MS
    period = ReportRange(end - days * DAY_MS, end)
    issued = _issued_types(index, period.start_ms, period.end_ms)
    unit, labels = "day", tuple[str, ...]()
    by_type: dict[str, tuple[int, ...]] = {}
    for kind in sorted({kind for kind, _ in issued}):
        unit, buckets = tx_volume(period, [(0, time, 1) for k, time in issued if k == kind])
        labels = tuple(label for label, _ in buckets)
        by_type[kind] = tuple(count for _, count in buckets)
    if not by_type:
        unit, buckets = tx_volume(period, [])
        labels = tuple(label for label, _ in buckets)
    return Growth(unit, labels, by_type)
