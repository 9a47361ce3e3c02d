"""Alerts (docs/spec/monitoring.md "Alerts"): the record, the book that dedups, the SQLite store.

:class:`AlertBook` keeps the open alerts, at most one per ``(rule,
subject)``. :meth:`AlertBook.apply` takes a poll's findings and gives the
alerts that started and those that ended. :class:`AlertStore` keeps every
alert in the ``alerts`` table of a SQLite file, and gives the open ones
back at start so a restart neither repeats nor loses them.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from govchain.monitor.rules import Finding
from govchain.types.errors import GovChainError

__all__ = ["ALERTS_FILE", "Alert", "AlertBook", "AlertStore", "AlertStoreError", "utc_text"]

ALERTS_FILE = "alerts.sqlite"
_COLUMNS = (
    "id", "rule", "subject", "severity", "started_at", "started_height", "ended_at",
    "ended_height", "detail",
)  # fmt: skip
_SCHEMA = """CREATE TABLE IF NOT EXISTS alerts (
    id INTEGER PRIMARY KEY,
    rule TEXT NOT NULL,
    subject TEXT NOT NULL,
    severity TEXT NOT NULL,
    started_at TEXT NOT NULL,
    started_height INTEGER NOT NULL,
    ended_at TEXT,
    ended_height INTEGER,
    detail TEXT NOT NULL
)"""
_OPEN_INDEX = "CREATE INDEX IF NOT EXISTS alerts_open ON alerts (ended_at, rule, subject)"


def utc_text(ms: int) -> str:
    """``ms`` since the Unix epoch as UTC ISO 8601 with ``Z`` (milliseconds)."""
    moment = datetime.fromtimestamp(ms / 1000, tz=UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{ms % 1000:03d}Z"


@dataclass(frozen=True, slots=True)
class Alert:
    """One alert: a rule firing for a subject from a start to an end (None while open)."""

    id: int
    rule: str
    subject: str
    severity: str
    started_at: str
    started_height: int
    ended_at: str | None
    ended_height: int | None
    detail: str

    @property
    def key(self) -> tuple[str, str]:
        """The pair that has at most one open alert."""
        return self.rule, self.subject

    def to_json(self) -> dict[str, Any]:
        """The record as JSON (the webhook's ``alert``, ``--json`` output)."""
        return {name: getattr(self, name) for name in _COLUMNS}


class AlertBook:
    """The open alerts; ``covered(rule, subject)`` says whether this poll could judge a pair."""

    def __init__(self, open_alerts: list[Alert], next_id: int) -> None:
        self.open: dict[tuple[str, str], Alert] = {a.key: a for a in open_alerts}
        self.next_id = next_id

    def apply(
        self,
        findings: Mapping[tuple[str, str], Finding],
        now_ms: int,
        height: int,
        covered: Callable[[str, str], bool],
    ) -> tuple[list[Alert], list[Alert]]:
        """Start an alert for each new firing pair and end each open one no longer firing
        (if this poll had a reading for it). Returns (started, ended), each sorted by pair."""
        at = utc_text(now_ms)
        started: list[Alert] = []
        for key in sorted(findings.keys() - self.open.keys()):
            finding = findings[key]
            alert = Alert(self.next_id, finding.rule, finding.subject, finding.severity, at,
                          height, None, None, finding.detail)  # fmt: skip
            self.next_id += 1
            self.open[key] = alert
            started.append(alert)
        ended: list[Alert] = []
        for key in sorted(self.open.keys() - findings.keys()):
            if covered(*key):
                ended.append(replace(self.open.pop(key), ended_at=at, ended_height=height))
        return started, ended

    def open_by_rule(self) -> dict[str, int]:
        """How many alerts are open per rule."""
        counts: dict[str, int] = {}
        for rule, _ in self.open:
            counts[rule] = counts.get(rule, 0) + 1
        return counts


class AlertStoreError(GovChainError):
    """The alerts file cannot be opened or written: the message names it and says why."""

    code = "monitor_state"


class AlertStore:
    """Every alert in table ``alerts`` of a SQLite file (``None``: an in-memory database)."""

    def __init__(self, path: Path | None) -> None:
        self.where = str(path) if path is not None else ":memory:"
        try:
            # polls run one at a time in worker threads: one connection, never used at once
            self.db = sqlite3.connect(self.where, isolation_level=None, check_same_thread=False)
            self.db.execute(_SCHEMA)
            self.db.execute(_OPEN_INDEX)
        except sqlite3.Error as exc:
            raise AlertStoreError(f"{self.where}: {exc}") from exc

    def close(self) -> None:
        """Close the database."""
        self.db.close()

    def book(self) -> AlertBook:
        """An alert book holding the open alerts of the table, numbering on from its last id."""
        try:
            rows = self.db.execute(
                f"SELECT {', '.join(_COLUMNS)} FROM alerts WHERE ended_at IS NULL ORDER BY id"
            ).fetchall()
            (last,) = self.db.execute("SELECT COALESCE(MAX(id), 0) FROM alerts").fetchone()
        except sqlite3.Error as exc:
            raise AlertStoreError(f"{self.where}: {exc}") from exc
        return AlertBook([Alert(*row) for row in rows], int(last) + 1)

    def record(self, started: list[Alert], ended: list[Alert]) -> None:
        """Insert the started alerts and close the ended ones, in one transaction."""
        marks = ", ".join("?" for _ in _COLUMNS)
        try:
            with self.db:
                self.db.execute("BEGIN")
                for alert in started:
                    self.db.execute(
                        f"INSERT INTO alerts ({', '.join(_COLUMNS)}) VALUES ({marks})",
                        tuple(getattr(alert, name) for name in _COLUMNS),
                    )
                for alert in ended:
                    self.db.execute(
                        "UPDATE alerts SET ended_at = ?, ended_height = ? WHERE id = ?",
                        (alert.ended_at, alert.ended_height, alert.id),
                    )
        except sqlite3.Error as exc:
            raise AlertStoreError(f"{self.where}: {exc}") from exc

    def all(self) -> list[Alert]:
        """Every alert, oldest first."""
        rows = self.db.execute(f"SELECT {', '.join(_COLUMNS)} FROM alerts ORDER BY id").fetchall()
        return [Alert(*row) for row in rows]
