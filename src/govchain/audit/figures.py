"""The report's figures from rows: pure functions, no I/O (docs/spec/audit.md "Compliance reports").

:class:`ReportInput` holds the rows read for a range (blocks, txs and events
of the heights whose BFT time falls in it, usage rows, overdue steps, the
access logs' checked lines, the monitor's alerts); :func:`build_report`
turns them into a :class:`Report`: totals, anomalies, the access trail and
the series the charts draw. Lists are cut at ``LIST_LIMIT`` rows (the
totals always count every row).
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from govchain.audit.period import DAY_MS, HOUR_MS, ReportRange, utc_text

__all__ = [
    "EVENT_TYPES",
    "LIST_LIMIT",
    "AccessLogInput",
    "Report",
    "ReportInput",
    "build_report",
    "tx_volume",
]

LIST_LIMIT = 1_000
"""Rows shown of each list in a report (failed txs, usage records, ...)."""

EVENT_TYPES = (
    "assets.issued", "assets.status_changed", "registry.account_added",
    "registry.subject_applied", "grants.granted", "grants.revoked", "grants.code_issued",
    "grants.delegated", "grants.requested", "grants.used", "workflow.case_opened",
    "workflow.case_closed", "workflow.overdue", "workflow.intervention",
)  # fmt: skip
"""The event types the figures count (the only events read)."""

_GRANT_EVENTS = {
    "grants.granted": "granted", "grants.code_issued": "codes_issued",
    "grants.delegated": "delegations", "grants.requested": "requests",
    "grants.revoked": "revoked",
}  # fmt: skip

Row = tuple[Any, ...]


@dataclass(frozen=True, slots=True)
class AccessLogInput:
    """One node's access log: where it is, its check (or why it failed), its lines in range."""

    home: str
    verified: bool
    check: str
    """``N lines, last hash H, S security events`` or the reason it does not verify."""
    entries: tuple[Mapping[str, Any], ...]


@dataclass(frozen=True, slots=True)
class ReportInput:
    """The rows a report is made of (tuples in the indexer's column order, docs/spec/indexer.md).

    ``blocks``: (height, time, tx_count); ``txs``: (hash, height, tx_index, type, sender,
    status, error_code); ``events``: (height, tx_hash, event_index, type, attributes JSON);
    ``usage``: (tx_hash, asset, version, reader, by_account, holder, action, purpose, via,
    via_id, reader_org, time, height); ``steps``: overdue steps (case_id, step, department,
    state, deadline, done_at); ``asset_types``: content id → type of the assets whose status
    changed; ``accounts_by_kind``: (kind, count) of the whole index; ``alerts``: (rule,
    subject, severity, started_at, ended_at, detail), None when no alert store was given.
    """

    chain_id: str
    indexed_height: int
    period: ReportRange
    made_at_ms: int
    blocks: Sequence[Row]
    txs: Sequence[Row]
    events: Sequence[Row]
    usage: Sequence[Row]
    steps: Sequence[Row]
    asset_types: Mapping[str, str]
    accounts_by_kind: Sequence[Row]
    access_logs: Sequence[AccessLogInput] = ()
    alerts: Sequence[Row] | None = None


@dataclass(frozen=True, slots=True)
class Report:
    """What a report shows: its header, totals (JSON-ready), lists and chart series."""

    header: dict[str, Any]
    totals: dict[str, Any]
    failed_txs: list[dict[str, Any]] = field(default_factory=list)
    security_events: list[dict[str, Any]] = field(default_factory=list)
    overdue_steps: list[dict[str, Any]] = field(default_factory=list)
    alerts: list[dict[str, Any]] | None = None
    usage_trail: list[dict[str, Any]] = field(default_factory=list)
    signed_reads: list[dict[str, Any]] = field(default_factory=list)
    volume: list[tuple[str, int]] = field(default_factory=list)
    volume_unit: str = "day"

    def machine_readable(self) -> dict[str, Any]:
        """The header and totals, as ``--json`` prints them and the HTML embeds them."""
        return {"header": self.header, "totals": self.totals}


def _attributes(row: Row) -> dict[str, Any]:
    found = json.loads(row[4])
    return found if isinstance(found, dict) else {}


def _sorted(counter: Counter[str]) -> dict[str, int]:
    return {key: counter[key] for key in sorted(counter)}


def tx_volume(period: ReportRange, blocks: Sequence[Row]) -> tuple[str, list[tuple[str, int]]]:
    """Txs per hour (a range of at most 3 days) or per day, every bucket of the range listed."""
    unit, size = ("hour", HOUR_MS) if period.end_ms - period.start_ms <= 3 * DAY_MS else (
        "day", DAY_MS)  # fmt: skip
    first = period.start_ms - period.start_ms % size
    counts: Counter[int] = Counter()
    for _, time, tx_count in blocks:
        counts[(int(time) - first) // size] += int(tx_count)
    buckets = (period.end_ms - 1 - first) // size + 1
    width = 13 if unit == "hour" else 10
    return unit, [(utc_text(first + i * size)[:width], counts[i]) for i in range(buckets)]


def _event_totals(report_input: ReportInput) -> dict[str, Any]:
    counts: Counter[str] = Counter()
    issued: Counter[str] = Counter()
    changed: dict[str, Counter[str]] = {}
    added: Counter[str] = Counter()
    applied: Counter[str] = Counter()
    closed: Counter[str] = Counter()
    grants: Counter[str] = Counter()
    for row in report_input.events:
        kind = str(row[3])
        counts[kind] += 1
        attributes = _attributes(row)
        if kind == "assets.issued":
            issued[str(attributes.get("type", ""))] += 1
        elif kind == "assets.status_changed":
            asset_type = report_input.asset_types.get(str(attributes.get("content_id")), "")
            changed.setdefault(str(attributes.get("status", "")), Counter())[asset_type] += 1
        elif kind == "registry.account_added":
            added[str(attributes.get("kind", ""))] += 1
        elif kind == "registry.subject_applied":
            applied[str(attributes.get("kind", ""))] += 1
        elif kind == "workflow.case_closed":
            closed[str(attributes.get("state", ""))] += 1
        elif kind in _GRANT_EVENTS:
            grants[_GRANT_EVENTS[kind]] += 1
    return {
        "accounts": {"added_by_kind": _sorted(added), "subjects_applied_by_kind": _sorted(applied),
                     "indexed_by_kind": {str(k): int(n) for k, n in
                                         sorted(report_input.accounts_by_kind)}},
        "assets": {"issued": sum(issued.values()), "issued_by_type": _sorted(issued),
                   "status_changed_by_type": {s: _sorted(changed[s]) for s in sorted(changed)}},
        "grants": {name: grants[name] for name in sorted(_GRANT_EVENTS.values())},
        "usage_records": counts["grants.used"],
        "cases": {"opened": counts["workflow.case_opened"], "completed": closed["completed"],
                  "rejected": closed["rejected"]},
        "steps_overdue": counts["workflow.overdue"],
        "interventions": counts["workflow.intervention"],
    }  # fmt: skip


def _header(report_input: ReportInput) -> dict[str, Any]:
    heights = [int(row[0]) for row in report_input.blocks]
    period = report_input.period
    return {
        "chain_id": report_input.chain_id,
        "from": utc_text(period.start_ms),
        "to": utc_text(period.end_ms),
        "heights": [min(heights), max(heights)] if heights else None,
        "indexed_height": report_input.indexed_height,
        "made_at": utc_text(report_input.made_at_ms),
        "access_logs": [{"home": log.home, "verified": log.verified, "check": log.check}
                        for log in report_input.access_logs],
    }  # fmt: skip


def _tx_totals(txs: Sequence[Row]) -> dict[str, Any]:
    by_type = Counter(str(row[3]) for row in txs)
    failed = Counter(str(row[6]) for row in txs if row[5] == "failed")
    return {
        "total": len(txs),
        "committed": len(txs) - sum(failed.values()),
        "failed": sum(failed.values()),
        "by_type": _sorted(by_type),
        "failed_by_code": _sorted(failed),
    }


def _security(report_input: ReportInput) -> list[dict[str, Any]]:
    found = []
    for log in report_input.access_logs:
        for entry in log.entries:
            if entry.get("kind") == "security":
                found.append(_log_line(log.home, entry))
    return found


def _log_line(home: str, entry: Mapping[str, Any]) -> dict[str, Any]:
    return {"node": home, "seq": entry.get("seq"), "time": utc_text(int(entry.get("time", 0))),
            "event": entry.get("event", ""), "method": entry.get("method", ""),
            "path": entry.get("path", ""), "status": entry.get("status"),
            "signer": entry.get("signer", ""), "client": entry.get("client", "")}  # fmt: skip


def _overdue(report_input: ReportInput) -> list[dict[str, Any]]:
    flagged = []
    for row in report_input.events:
        if row[3] == "workflow.overdue":
            attributes = _attributes(row)
            flagged.append((str(attributes.get("case", "")), str(attributes.get("step", "")),
                            int(row[0])))  # fmt: skip
    steps = {(str(r[0]), str(r[1])): r for r in report_input.steps}
    found = []
    for case_id, step, height in flagged:
        known = steps.get((case_id, step))
        found.append({"case": case_id, "step": step, "flagged_height": height,
                      "department": known[2] if known else "", "state": known[3] if known else "",
                      "deadline": utc_text(int(known[4])) if known else ""})  # fmt: skip
    return found


def _usage(rows: Sequence[Row]) -> list[dict[str, Any]]:
    names = ("tx", "asset", "version", "reader", "by_account", "holder", "action", "purpose",
             "via", "via_id", "reader_org")  # fmt: skip
    return [{**dict(zip(names, row[:11], strict=True)), "time": utc_text(int(row[11])),
             "height": int(row[12])} for row in rows]  # fmt: skip


def build_report(report_input: ReportInput) -> Report:
    """The report of ``report_input``: every figure counted over every row given."""
    events = _event_totals(report_input)
    security = _security(report_input)
    alerts = None
    if report_input.alerts is not None:
        alerts = [dict(zip(("rule", "subject", "severity", "started_at", "ended_at", "detail"),
                           row, strict=True)) for row in report_input.alerts]  # fmt: skip
    totals = {
        "blocks": len(report_input.blocks),
        "txs": _tx_totals(report_input.txs),
        **events,
        "security_events": len(security),
        "security_by_event": _sorted(Counter(str(e["event"]) for e in security)),
        "signed_reads": sum(1 for log in report_input.access_logs for e in log.entries
                            if e.get("signer")),
        "alerts": None if alerts is None else len(alerts),
    }  # fmt: skip
    failed = [{"height": int(r[1]), "tx": r[0], "type": r[3], "sender": r[4], "code": r[6]}
              for r in report_input.txs if r[5] == "failed"]  # fmt: skip
    signed = [_log_line(log.home, e) for log in report_input.access_logs for e in log.entries
              if e.get("signer")]  # fmt: skip
    unit, volume = tx_volume(report_input.period, report_input.blocks)
    return Report(
        header=_header(report_input),
        totals=totals,
        failed_txs=failed[:LIST_LIMIT],
        security_events=security[:LIST_LIMIT],
        overdue_steps=_overdue(report_input)[:LIST_LIMIT],
        alerts=None if alerts is None else alerts[:LIST_LIMIT],
        usage_trail=_usage(report_input.usage)[:LIST_LIMIT],
        signed_reads=signed[:LIST_LIMIT],
        volume=volume,
        volume_unit=unit,
    )
