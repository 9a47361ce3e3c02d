"""The indexer's database: SQLite (``sqlite:///path``) or PostgreSQL (``postgresql://...``).

Plain DB-API, two dialects: Python's ``sqlite3`` and psycopg 3. The SQL is
the same for both (``INSERT ... ON CONFLICT ... DO UPDATE``, ``BIGINT``,
``TEXT``); only the placeholder differs (``?`` against ``%s``). A height is
written in one transaction that also moves the progress row, and the
progress row moves only from the height before: a crash leaves the old
height or the new one, and two writers cannot both write one height.
"""

from __future__ import annotations

import contextlib
import sqlite3
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import psycopg

from govchain.indexer.rows import BlockRows
from govchain.indexer.schema import PROGRESS_TABLE, SCHEMA_VERSION, TABLES, create_statements, table
from govchain.types.errors import GovChainError

__all__ = [
    "Database",
    "DatabaseError",
    "DerivedRows",
    "Progress",
    "open_database",
]

_CONNECT_TIMEOUT_S = 10


class DatabaseError(GovChainError):
    """The database cannot be opened, is of another chain, or refused a write: one line."""

    code = "indexer_database"


@dataclass(frozen=True, slots=True)
class Progress:
    """The last height written (0: none), its block hash, and the chain it belongs to."""

    chain_id: str
    height: int
    block_hash: str


@dataclass(frozen=True, slots=True)
class DerivedRows:
    """Rows of the derived tables to upsert with a height: ``(table, row)`` pairs in order."""

    rows: tuple[tuple[str, tuple[object, ...]], ...]


def _upsert_sql(name: str, marker: str) -> str:
    found = table(name)
    columns = found.column_names
    updates = ", ".join(f"{c} = excluded.{c}" for c in columns if c not in found.key)
    return (
        f"INSERT INTO {name} ({', '.join(columns)}) VALUES ({', '.join([marker] * len(columns))}) "
        f"ON CONFLICT ({', '.join(found.key)}) DO UPDATE SET {updates}"
    )


def _insert_sql(name: str, marker: str) -> str:
    columns = table(name).column_names
    return (
        f"INSERT INTO {name} ({', '.join(columns)}) VALUES ({', '.join([marker] * len(columns))})"
    )


class Database:
    """An open index database: its schema made, its progress read and written per height."""

    def __init__(self, connection: Any, dialect: str, where: str) -> None:
        self._db = connection
        self.dialect = dialect
        self.where = where
        """The database named without a password (for messages)."""
        self._marker = "?" if dialect == "sqlite" else "%s"

    def close(self) -> None:
        """Close the connection."""
        with contextlib.suppress(Exception):
            self._db.close()

    def __enter__(self) -> Database:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    @contextlib.contextmanager
    def _transaction(self) -> Iterator[Any]:
        """A cursor inside one transaction: committed at the end, rolled back on any error."""
        try:
            cursor = self._db.cursor()
            if self.dialect == "sqlite":
                cursor.execute("BEGIN IMMEDIATE")
            try:
                yield cursor
            except BaseException:
                self._db.rollback()
                raise
            self._db.commit()
        except (sqlite3.Error, psycopg.Error) as exc:
            raise DatabaseError(f"{self.where}: {_reason(exc)}") from exc

    def create_schema(self) -> None:
        """Create every table and index that is missing (idempotent)."""
        with self._transaction() as cursor:
            for statement in create_statements():
                cursor.execute(statement)

    def progress(self) -> Progress | None:
        """The progress row, or None before the first height is written."""
        with self._transaction() as cursor:
            cursor.execute(
                f"SELECT chain_id, height, block_hash, schema_version FROM {PROGRESS_TABLE} "
                f"WHERE id = 1"
            )
            found = cursor.fetchone()
        if found is None:
            return None
        chain_id, height, block_hash, version = found
        if version != SCHEMA_VERSION:
            raise DatabaseError(
                f"{self.where}: written by indexer schema {version}, this is {SCHEMA_VERSION}; "
                "index into a new database"
            )
        return Progress(str(chain_id), int(height), str(block_hash))

    def start(self, chain_id: str) -> Progress:
        """The progress of chain ``chain_id``: a fresh row at height 0, or the one kept
        (DatabaseError if it belongs to another chain)."""
        kept = self.progress()
        if kept is None:
            with self._transaction() as cursor:
                cursor.execute(
                    f"INSERT INTO {PROGRESS_TABLE} (id, chain_id, height, block_hash, "
                    f"schema_version) VALUES (1, {self._marker}, 0, '', {self._marker})",
                    (chain_id, SCHEMA_VERSION),
                )
            return Progress(chain_id, 0, "")
        if kept.chain_id != chain_id:
            raise DatabaseError(
                f"{self.where} indexes chain {kept.chain_id!r}, not {chain_id!r}; give another --db"
            )
        return kept

    def write_height(self, block: BlockRows, derived: DerivedRows) -> None:
        """Write one height in one transaction: the block, its txs and events, the derived
        rows, and the progress row moved from ``height - 1``."""
        m = self._marker
        with self._transaction() as cursor:
            cursor.execute(
                f"UPDATE {PROGRESS_TABLE} SET height = {m}, block_hash = {m} "
                f"WHERE id = 1 AND height = {m}",
                (block.height, block.block_hash, block.height - 1),
            )
            if cursor.rowcount != 1:
                raise DatabaseError(
                    f"{self.where}: height {block.height - 1} is not the last one written "
                    "(another indexer writes here?)"
                )
            cursor.execute(_insert_sql("blocks", m), block.block)
            _many(cursor, _insert_sql("txs", m), block.txs)
            _many(cursor, _insert_sql("events", m), block.events)
            for name, row in derived.rows:
                cursor.execute(_upsert_sql(name, m), row)

    def counts(self) -> dict[str, int]:
        """The number of rows of each table, in the order of ``TABLES``."""
        found: dict[str, int] = {}
        with self._transaction() as cursor:
            for each in TABLES:
                cursor.execute(f"SELECT COUNT(*) FROM {each.name}")
                found[each.name] = int(cursor.fetchone()[0])
        return found

    def select(self, sql: str, params: Sequence[object] = ()) -> list[tuple[object, ...]]:
        """The rows of one read-only ``SELECT`` written with ``?`` placeholders (either
        dialect), read without taking the writer's lock (a running indexer goes on)."""
        if self.dialect != "sqlite":
            sql = sql.replace("?", "%s")
        try:
            cursor = self._db.cursor()
            cursor.execute(sql, tuple(params))
            found = [tuple(r) for r in cursor.fetchall()]
            if self.dialect != "sqlite":
                self._db.rollback()  # end the read transaction psycopg opened
            return found
        except (sqlite3.Error, psycopg.Error) as exc:
            with contextlib.suppress(Exception):
                self._db.rollback()
            raise DatabaseError(f"{self.where}: {_reason(exc)}") from exc

    def rows(self, name: str) -> list[tuple[object, ...]]:
        """Every row of table ``name``, ordered by its key (tests and exports)."""
        found = table(name)
        with self._transaction() as cursor:
            cursor.execute(
                f"SELECT {', '.join(found.column_names)} FROM {name} "
                f"ORDER BY {', '.join(found.key)}"
            )
            return [tuple(r) for r in cursor.fetchall()]


def _many(cursor: Any, sql: str, rows: Sequence[tuple[object, ...]]) -> None:
    if rows:
        cursor.executemany(sql, rows)


def _reason(exc: BaseException) -> str:
    """The first line of a driver's error (no SQL, no parameters)."""
    text = str(exc).strip().splitlines()
    return text[0] if text else type(exc).__name__


def open_database(url: str, create: bool = True) -> Database:
    """Open (and create the schema of) the database at ``url``; DatabaseError in one line.
    With ``create`` False a missing SQLite file is refused rather than made."""
    if url.startswith("sqlite:///"):
        return _open_sqlite(url.removeprefix("sqlite:///"), create)
    scheme = url.split("://", 1)[0] if "://" in url else ""
    if scheme in ("postgresql", "postgres"):
        return _open_postgres(url)
    raise DatabaseError("--db: expected sqlite:///PATH or postgresql://USER@HOST[:PORT]/DATABASE")


def _open_sqlite(path_text: str, create: bool) -> Database:
    if not path_text:
        raise DatabaseError("--db: sqlite:/// names no file")
    path = Path(path_text)
    if not create and not path.is_file():
        raise DatabaseError(f"--db: no index at {path}")
    if not path.parent.is_dir():
        raise DatabaseError(f"--db: directory {path.parent} does not exist")
    # autocommit: each write is one explicit BEGIN IMMEDIATE ... COMMIT; the polls use the
    # connection from a worker thread, one poll at a time
    try:
        connection = sqlite3.connect(
            path, isolation_level=None, timeout=_CONNECT_TIMEOUT_S, check_same_thread=False
        )
        connection.execute("PRAGMA journal_mode=WAL")
        connection.execute("PRAGMA synchronous=FULL")
    except sqlite3.Error as exc:
        raise DatabaseError(f"sqlite {path}: {_reason(exc)}") from exc
    database = Database(connection, "sqlite", f"sqlite {path}")
    database.create_schema()
    return database


def _open_postgres(url: str) -> Database:
    parts = urlsplit(url)
    where = f"postgresql {parts.hostname or 'localhost'}:{parts.port or 5432}{parts.path}"
    try:
        connection = psycopg.connect(url, connect_timeout=_CONNECT_TIMEOUT_S)
    except (psycopg.Error, ValueError) as exc:
        raise DatabaseError(f"{where}: {_reason(exc)}") from exc
    database = Database(connection, "postgresql", where)
    database.create_schema()
    return database
