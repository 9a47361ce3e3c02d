"""Reading a report's rows: the index database, nodes' access logs, the monitor's alert store.

The shell of the report (docs/spec/audit.md "Compliance reports"): each
function reads one source for a :class:`~govchain.audit.period.ReportRange`
and gives rows for :func:`govchain.audit.figures.build_report`. The index is
read with plain ``SELECT``s (no writer lock: a running indexer goes on); an
access log's chain is checked with :func:`verify_access_log` before its
lines are used; the alert store is opened read-only.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from govchain.audit.figures import EVENT_TYPES, AccessLogInput, ReportInput
from govchain.audit.period import ReportRange, utc_text
from govchain.crypto import suite_for
from govchain.indexer.database import Database, DatabaseError
from govchain.ledger.genesis_file import load_genesis
from govchain.storage.access_log import ACCESS_LOG_FILE, read_access_log, verify_access_log
from govchain.types.errors import GovChainError, ValidationError

__all__ = ["USAGE_OBJECT_SQL", "read_access_log_input", "read_alerts", "read_index"]

_BATCH = 500
"""Keys per ``IN (...)`` query."""

USAGE_OBJECT_SQL = "CASE WHEN target = '' THEN asset ELSE target || ':' || target_id END"
"""What a usage row read, as one column (SQLite and PostgreSQL alike): the asset's content id,
or ``case:<id>`` / ``tx:<hash>`` for a regulator's read of a case or a tx."""


def _in_batches(
    db: Database, sql: str, keys: Sequence[str], before: Sequence[object] = ()
) -> list[tuple[object, ...]]:
    """``sql`` (ending in ``IN ({marks})``) run over ``keys`` in batches."""
    found: list[tuple[object, ...]] = []
    unique = sorted(set(keys))
    for start in range(0, len(unique), _BATCH):
        batch = unique[start : start + _BATCH]
        found.extend(db.select(sql.format(marks=", ".join("?" * len(batch))), [*before, *batch]))
    return found


def read_index(db: Database, period: ReportRange, made_at_ms: int) -> ReportInput:
    """The index's rows of the blocks whose BFT time falls in ``period`` (DatabaseError when
    the index is empty or cannot be read)."""
    progress = db.progress()
    if progress is None or progress.height == 0:
        raise DatabaseError(f"{db.where}: nothing indexed yet (run govchain indexer run first)")
    blocks = db.select(
        "SELECT height, time, tx_count FROM blocks WHERE time >= ? AND time < ? ORDER BY height",
        (period.start_ms, period.end_ms),
    )
    txs: list[tuple[object, ...]] = []
    events: list[tuple[object, ...]] = []
    usage: list[tuple[object, ...]] = []
    if blocks:
        heights = (int(str(blocks[0][0])), int(str(blocks[-1][0])))
        txs = db.select(
            "SELECT hash, height, tx_index, type, sender, status, error_code FROM txs "
            "WHERE height >= ? AND height <= ? ORDER BY height, tx_index",
            heights,
        )
        events = _in_batches(  # one batch: fewer event types than _BATCH, so in block order
            db,
            "SELECT e.height, e.tx_hash, e.event_index, e.type, e.attributes FROM events e "
            "JOIN txs t ON t.hash = e.tx_hash WHERE e.height >= ? AND e.height <= ? "
            "AND e.type IN ({marks}) ORDER BY e.height, t.tx_index, e.event_index",
            EVENT_TYPES,
            heights,
        )
        usage = db.select(
            f"SELECT tx_hash, {USAGE_OBJECT_SQL}, version, reader, by_account, holder, "
            "action, purpose, via, via_id, reader_org, time, height FROM usage "
            "WHERE height >= ? AND height <= ? "
            "ORDER BY height, tx_hash",
            heights,
        )
    return ReportInput(
        chain_id=progress.chain_id,
        indexed_height=progress.height,
        period=period,
        made_at_ms=made_at_ms,
        blocks=blocks,
        txs=txs,
        events=events,
        usage=usage,
        steps=_overdue_steps(db, events),
        asset_types=_asset_types(db, events),
        accounts_by_kind=db.select(
            "SELECT kind, COUNT(*) FROM accounts GROUP BY kind ORDER BY kind"
        ),
    )


def _attribute(row: tuple[object, ...], name: str) -> str:
    found = json.loads(str(row[4]))
    return str(found.get(name, "")) if isinstance(found, dict) else ""


def _overdue_steps(db: Database, events: list[tuple[object, ...]]) -> list[tuple[object, ...]]:
    cases = [_attribute(r, "case") for r in events if r[3] == "workflow.overdue"]
    return _in_batches(
        db,
        "SELECT case_id, step, department, state, deadline, done_at FROM steps "
        "WHERE overdue = 1 AND case_id IN ({marks}) ORDER BY case_id, step",
        cases,
    )


def _asset_types(db: Database, events: list[tuple[object, ...]]) -> dict[str, str]:
    ids = [_attribute(r, "content_id") for r in events if r[3] == "assets.status_changed"]
    rows = _in_batches(db, "SELECT content_id, type FROM assets WHERE content_id IN ({marks})", ids)
    return {str(content_id): str(kind) for content_id, kind in rows}


def read_access_log_input(home: Path, period: ReportRange) -> AccessLogInput:
    """A node's access log (``HOME/audit/access.log``): its chain checked against the suite of
    ``HOME/genesis.json``, and its security events and signed reads whose time is in range."""
    path = home / ACCESS_LOG_FILE
    if not path.is_file():
        raise ValidationError(f"--access-log {home}: no {ACCESS_LOG_FILE} there")
    suite = suite_for(load_genesis(home / "genesis.json").suite)
    try:
        check = verify_access_log(path, suite.hash)
        verified = True
        said = f"{check.lines} lines, chain verified, last hash {check.last_hash}, " \
               f"{check.security} security events"  # fmt: skip
    except ValidationError as exc:
        verified, said = False, f"does not verify: {exc}"
    entries: list[dict[str, Any]] = []
    try:
        for entry in read_access_log(path):
            time = entry.get("time")
            wanted = entry.get("kind") == "security" or entry.get("signer")
            if wanted and isinstance(time, int) and period.holds(time):
                entries.append(entry)
    except GovChainError as exc:
        verified, said = False, f"cannot be read: {exc}"
    return AccessLogInput(str(home), verified, said, tuple(entries))


def _ms_text(ms: int) -> str:
    """The monitor's time format: ``YYYY-MM-DDTHH:MM:SS.mmmZ``."""
    return f"{utc_text(ms)[:-1]}.{ms % 1000:03d}Z"


def read_alerts(path: Path, period: ReportRange) -> list[tuple[object, ...]]:
    """The monitor's alerts (``STATE_DIR/alerts.sqlite``, opened read-only) open at some time
    in ``period``, in start order; ValidationError when the file is not such a store."""
    if not path.is_file():
        raise ValidationError(f"--alerts {path}: no such file")
    try:
        connection = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        try:
            return [tuple(r) for r in connection.execute(
                "SELECT rule, subject, severity, started_at, ended_at, detail FROM alerts "
                "WHERE started_at < ? AND (ended_at IS NULL OR ended_at >= ?) ORDER BY id",
                (_ms_text(period.end_ms), _ms_text(period.start_ms)),
            )]  # fmt: skip
        finally:
            connection.close()
    except sqlite3.Error as exc:
        raise ValidationError(f"--alerts {path}: not a monitor alert store ({exc})") from None
