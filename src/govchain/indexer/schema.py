"""The indexer's SQL tables: their columns, keys and the statements that create them.

One column list serves both databases: integers are ``BIGINT`` (heights, times
in ms, counts), everything else ``TEXT`` (bytes as lowercase hex, lists and
maps as canonical JSON text). Every table has a ``height`` column: the block
a row came from (docs/spec/indexer.md).
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = [
    "PROGRESS_TABLE",
    "SCHEMA_VERSION",
    "TABLES",
    "Table",
    "create_statements",
    "table",
]

SCHEMA_VERSION = 2
"""Written in the progress row; a database of another version is refused."""

PROGRESS_TABLE = "indexer_progress"


@dataclass(frozen=True, slots=True)
class Table:
    """One table: its name, ``(column, SQL type)`` pairs in order and its primary key."""

    name: str
    columns: tuple[tuple[str, str], ...]
    key: tuple[str, ...]

    @property
    def column_names(self) -> tuple[str, ...]:
        """The column names, in order."""
        return tuple(name for name, _ in self.columns)

    def create_sql(self) -> str:
        """``CREATE TABLE IF NOT EXISTS`` with every column and the primary key."""
        columns = ", ".join(f"{name} {kind}" for name, kind in self.columns)
        key = ", ".join(self.key)
        return f"CREATE TABLE IF NOT EXISTS {self.name} ({columns}, PRIMARY KEY ({key}))"


_INT = "BIGINT NOT NULL"
_TEXT = "TEXT NOT NULL"

TABLES: tuple[Table, ...] = (
    Table(
        "blocks",
        (
            ("height", _INT),
            ("hash", _TEXT),
            ("prev_hash", _TEXT),
            ("time", _INT),
            ("proposer", _TEXT),
            ("tx_count", _INT),
        ),
        ("height",),
    ),
    Table(
        "txs",
        (
            ("hash", _TEXT),
            ("height", _INT),
            ("tx_index", _INT),
            ("type", _TEXT),
            ("sender_kind", _TEXT),
            ("sender", _TEXT),
            ("status", _TEXT),
            ("status_code", _INT),
            ("error_code", _TEXT),
        ),
        ("hash",),
    ),
    Table(
        "events",
        (
            ("height", _INT),
            ("tx_hash", _TEXT),
            ("event_index", _INT),
            ("type", _TEXT),
            ("attributes", _TEXT),
        ),
        ("tx_hash", "event_index"),
    ),
    Table(
        "accounts",
        (
            ("address", _TEXT),
            ("kind", _TEXT),
            ("org", _TEXT),
            ("roles", _TEXT),
            ("status", _TEXT),
            ("height", _INT),
        ),
        ("address",),
    ),
    Table(
        "assets",
        (
            ("content_id", _TEXT),
            ("identifier", _TEXT),
            ("type", _TEXT),
            ("holder", _TEXT),
            ("issuer", _TEXT),
            ("mode", _TEXT),
            ("status", _TEXT),
            ("version", _INT),
            ("valid_until", _INT),
            ("height", _INT),
        ),
        ("content_id",),
    ),
    Table(
        "grants",
        (
            ("id", _TEXT),
            ("kind", _TEXT),
            ("asset", _TEXT),
            ("holder", _TEXT),
            ("grantee", _TEXT),
            ("purpose", _TEXT),
            ("status", _TEXT),
            ("expires", _INT),
            ("uses", _INT),
            ("used", _INT),
            ("height", _INT),
        ),
        ("id",),
    ),
    Table(
        "usage",
        (
            ("tx_hash", _TEXT),
            ("asset", _TEXT),
            ("version", _INT),
            ("reader", _TEXT),
            ("by_account", _TEXT),
            ("holder", _TEXT),
            ("action", _TEXT),
            ("purpose", _TEXT),
            ("via", _TEXT),
            ("via_id", _TEXT),
            ("reader_org", _TEXT),
            ("issuer", _TEXT),
            ("target", _TEXT),
            ("target_id", _TEXT),
            ("time", _INT),
            ("height", _INT),
        ),
        ("tx_hash",),
    ),
    Table(
        "cases",
        (
            ("id", _TEXT),
            ("process", _TEXT),
            ("version", _INT),
            ("applicant", _TEXT),
            ("window_account", _TEXT),
            ("state", _TEXT),
            ("opened", _INT),
            ("closed", _INT),
            ("height", _INT),
        ),
        ("id",),
    ),
    Table(
        "steps",
        (
            ("case_id", _TEXT),
            ("step", _TEXT),
            ("department", _TEXT),
            ("state", _TEXT),
            ("ready_at", _INT),
            ("deadline", _INT),
            ("done_at", _INT),
            ("overdue", _INT),
            ("interventions", _INT),
            ("attempts", _INT),
            ("height", _INT),
        ),
        ("case_id", "step"),
    ),
    Table(
        "alerts",
        (
            ("rule", _TEXT),
            ("subject", _TEXT),
            ("started_height", _INT),
            ("ended_height", "BIGINT"),
            ("detail", _TEXT),
            ("height", _INT),
        ),
        ("rule", "subject", "started_height"),
    ),
)
"""The tables, in the order ``indexer status`` lists them."""

_PROGRESS = Table(
    PROGRESS_TABLE,
    (("id", _INT), ("chain_id", _TEXT), ("height", _INT), ("block_hash", _TEXT),
     ("schema_version", _INT)),
    ("id",),
)  # fmt: skip

_INDEXES = (
    "CREATE INDEX IF NOT EXISTS txs_by_height ON txs (height)",
    "CREATE INDEX IF NOT EXISTS txs_by_sender ON txs (sender)",
    "CREATE INDEX IF NOT EXISTS events_by_type ON events (type, height)",
    "CREATE INDEX IF NOT EXISTS assets_by_holder ON assets (holder)",
    "CREATE INDEX IF NOT EXISTS assets_by_type ON assets (type)",
    "CREATE INDEX IF NOT EXISTS usage_by_asset ON usage (asset, height)",
    "CREATE INDEX IF NOT EXISTS grants_by_holder ON grants (holder)",
    "CREATE INDEX IF NOT EXISTS cases_by_applicant ON cases (applicant)",
    "CREATE INDEX IF NOT EXISTS steps_by_department ON steps (department, state)",
)


def table(name: str) -> Table:
    """The table called ``name`` (KeyError naming it if there is none)."""
    for found in (*TABLES, _PROGRESS):
        if found.name == name:
            return found
    raise KeyError(name)


def create_statements() -> tuple[str, ...]:
    """Every ``CREATE`` statement, idempotent, in order: the tables, progress, the indexes."""
    return (*(t.create_sql() for t in (*TABLES, _PROGRESS)), *_INDEXES)
