"""The console's read of the monitor's alerts (docs/spec/monitoring.md, ``alerts.sqlite``).

Read only, a connection per read: the monitor writes the file while the
console shows what is open in it.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from pathlib import Path

from govchain.console.index_reader import IndexUnavailableError

__all__ = ["AlertReader", "OpenAlert"]

MAX_SHOWN = 200
"""The most open alerts a page lists (the oldest first)."""
_TIMEOUT_S = 5


@dataclass(frozen=True, slots=True)
class OpenAlert:
    """An alert that has started and not ended."""

    rule: str
    subject: str
    severity: str
    started_at: str
    started_height: int
    detail: str


class AlertReader:
    """Reads of one ``alerts.sqlite`` the monitor writes."""

    def __init__(self, path: Path) -> None:
        """IndexUnavailableError when ``path`` is not a file."""
        if not path.is_file():
            raise IndexUnavailableError(
                f"--alerts: no file {path} (the monitor writes STATE_DIR/alerts.sqlite)"
            )
        self.path = path

    def open_alerts(self) -> list[OpenAlert]:
        """The alerts still open, oldest first (at most MAX_SHOWN)."""
        try:
            connection = sqlite3.connect(self.path, timeout=_TIMEOUT_S)
            try:
                connection.execute("PRAGMA query_only = ON")
                found = connection.execute(
                    "SELECT rule, subject, severity, started_at, started_height, detail "
                    f"FROM alerts WHERE ended_at IS NULL ORDER BY id LIMIT {MAX_SHOWN}"
                ).fetchall()
            finally:
                connection.close()
        except sqlite3.Error as exc:
            lines = str(exc).strip().splitlines()
            reason = lines[0] if lines else type(exc).__name__
            raise IndexUnavailableError(f"alerts {self.path}: {reason}") from exc
        return [
            OpenAlert(str(r[0]), str(r[1]), str(r[2]), str(r[3]), int(r[4]), str(r[5]))
            for r in found
        ]
