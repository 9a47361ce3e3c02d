"""A report laid out as sections of tables, the one layout the HTML and the PDF both render.

Pure: :func:`report_sections` turns a :class:`~govchain.audit.figures.Report`
into titled sections, each a list of tables (a caption, column names, rows
of text) and notes. Section titles are bilingual (English, 中文).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from govchain.audit.figures import LIST_LIMIT, Report

__all__ = ["DocTable", "Section", "header_rows", "report_sections"]


@dataclass(frozen=True, slots=True)
class DocTable:
    """A table: its caption, its columns, its rows (text)."""

    caption: str
    columns: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]
    note: str = ""


@dataclass(frozen=True, slots=True)
class Section:
    """A titled part of the report."""

    title: str
    tables: tuple[DocTable, ...] = ()
    notes: tuple[str, ...] = field(default_factory=tuple)


def header_rows(report: Report) -> list[tuple[str, str]]:
    """The header as (label, value) pairs."""
    header = report.header
    heights = header["heights"]
    rows = [
        ("Chain", header["chain_id"]),
        ("Range (block BFT time, UTC)", f"{header['from']} to {header['to']} (end excluded)"),
        ("Heights", f"{heights[0]} to {heights[1]}" if heights else "no block in the range"),
        ("Indexed up to height", str(header["indexed_height"])),
        ("Made at (UTC)", header["made_at"]),
    ]
    for log in header["access_logs"]:
        rows.append((f"Access log {log['home']}", ("verified: " if log["verified"] else
                                                   "NOT VERIFIED: ") + log["check"]))  # fmt: skip
    if not header["access_logs"]:
        rows.append(("Access logs", "none given"))
    return rows


def _counts(caption: str, column: str, counts: Mapping[str, int]) -> DocTable:
    rows = tuple((key or "-", str(value)) for key, value in counts.items())
    return DocTable(caption, (column, "count"), rows, "" if rows else "none")


def _list(caption: str, columns: Sequence[str], items: Sequence[Mapping[str, Any]],
          total: int) -> DocTable:  # fmt: skip
    rows = tuple(tuple(str(item.get(c, "")) for c in columns) for item in items)
    note = "none" if not rows else ""
    if total > len(rows):
        note = f"the first {len(rows)} of {total} (at most {LIST_LIMIT} are listed)"
    return DocTable(caption, tuple(columns), rows, note)


def _totals(totals: Mapping[str, Any]) -> DocTable:
    txs, assets, grants, cases = totals["txs"], totals["assets"], totals["grants"], totals["cases"]
    pairs = [
        ("blocks", totals["blocks"]), ("txs", txs["total"]), ("txs committed", txs["committed"]),
        ("txs failed", txs["failed"]), ("assets issued", assets["issued"]),
        ("grants granted", grants["granted"]), ("authorization codes issued",
                                                grants["codes_issued"]),
        ("delegations", grants["delegations"]), ("access requests", grants["requests"]),
        ("grants revoked", grants["revoked"]), ("usage records", totals["usage_records"]),
        ("cases opened", cases["opened"]), ("cases completed", cases["completed"]),
        ("cases rejected", cases["rejected"]), ("steps overdue", totals["steps_overdue"]),
        ("interventions", totals["interventions"]),
        ("security events (access logs)", totals["security_events"]),
        ("signed API reads (access logs)", totals["signed_reads"]),
        ("monitor alerts", "not given" if totals["alerts"] is None else totals["alerts"]),
    ]  # fmt: skip
    return DocTable("Totals in the range", ("figure", "count"),
                    tuple((k, str(v)) for k, v in pairs))  # fmt: skip


def _accounts(accounts: Mapping[str, Mapping[str, int]]) -> DocTable:
    kinds = sorted({*accounts["added_by_kind"], *accounts["subjects_applied_by_kind"],
                    *accounts["indexed_by_kind"]})  # fmt: skip
    rows = tuple((kind, str(accounts["added_by_kind"].get(kind, 0)),
                  str(accounts["subjects_applied_by_kind"].get(kind, 0)),
                  str(accounts["indexed_by_kind"].get(kind, 0))) for kind in kinds)  # fmt: skip
    return DocTable("Accounts by kind", ("kind", "added in range", "subjects applied in range",
                                         "in the index (all heights)"), rows)  # fmt: skip


def _status_changes(changed: Mapping[str, Mapping[str, int]]) -> DocTable:
    rows = tuple((status, kind or "-", str(n)) for status, by_type in changed.items()
                 for kind, n in by_type.items())  # fmt: skip
    return DocTable("Asset status changes (revoked, abolished, ...) by type",
                    ("status", "type", "count"), rows, "" if rows else "none")  # fmt: skip


def report_sections(report: Report) -> list[Section]:
    """The report's sections, in order: totals, anomalies, access trail."""
    totals = report.totals
    alerts = report.alerts
    alert_table = (
        _list("Monitor alerts open in the range", ("rule", "subject", "severity", "started_at",
                                                   "ended_at", "detail"), alerts, totals["alerts"])
        if alerts is not None else None
    )  # fmt: skip
    anomalies = (
        _list("Failed txs", ("height", "tx", "type", "sender", "code"), report.failed_txs,
              totals["txs"]["failed"]),
        _list("Security events (access logs)", ("node", "seq", "time", "event", "method", "path",
                                                "status", "signer", "client"),
              report.security_events, totals["security_events"]),
        _list("Steps flagged overdue", ("case", "step", "department", "state", "deadline",
                                        "flagged_height"), report.overdue_steps,
              totals["steps_overdue"]),
        *((alert_table,) if alert_table is not None else ()),
    )  # fmt: skip
    trail = (
        _list("Usage records: who read which asset, why, when, via what",
              ("time", "height", "reader", "by_account", "reader_org", "asset", "version",
               "holder", "action", "purpose", "via", "via_id", "tx"), report.usage_trail,
              totals["usage_records"]),
        _list("Signed API reads (access logs)", ("node", "seq", "time", "signer", "method",
                                                 "path", "status"), report.signed_reads,
              totals["signed_reads"]),
    )  # fmt: skip
    return [
        Section("Totals 合计", (
            _totals(totals), _counts("Txs by type", "type", totals["txs"]["by_type"]),
            _counts("Failed txs by error code", "code", totals["txs"]["failed_by_code"]),
            _accounts(totals["accounts"]),
            _counts("Assets issued by type", "type", totals["assets"]["issued_by_type"]),
            _status_changes(totals["assets"]["status_changed_by_type"]),
            _counts("Security events by kind", "event", totals["security_by_event"]),
        )),
        Section("Anomalies 异常", anomalies,
                () if alerts is not None else ("No monitor alert store was given (--alerts).",)),
        Section("Access trail 访问记录", trail),
    ]  # fmt: skip
