"""The console's reads of the indexer's database (docs/spec/indexer.md): lists and series.

Read only: each call opens a connection, runs its SELECTs and closes it, so
the console never holds a lock the indexer waits on, and a page served
from a worker thread has a connection of its own. SQLite connections are
``query_only``; the same SQL runs on PostgreSQL (placeholders differ).
"""

from __future__ import annotations

import contextlib
import json
import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import psycopg

from govchain.types.errors import GovChainError

__all__ = [
    "MAX_CASE_PAGE",
    "MAX_SERIES",
    "PAGE_ROWS",
    "BlockRow",
    "CaseRow",
    "GrantRow",
    "IndexReader",
    "IndexUnavailableError",
    "TxRow",
    "VoteRow",
]

PAGE_ROWS = 50
"""Rows of a list page."""
MAX_CASE_PAGE = 10_000
"""The last page of the case list a request may ask for."""
MAX_SERIES = 500
"""The most blocks a throughput series covers."""
_CONNECT_TIMEOUT_S = 5


class IndexUnavailableError(GovChainError):
    """The index database cannot be opened or read now: one line, no SQL."""

    code = "index_unavailable"


@dataclass(frozen=True, slots=True)
class BlockRow:
    """A row of ``blocks``."""

    height: int
    hash: str
    prev_hash: str
    time: int
    proposer: str
    tx_count: int


@dataclass(frozen=True, slots=True)
class TxRow:
    """A row of ``txs`` (no arguments: the indexer keeps none)."""

    hash: str
    height: int
    tx_index: int
    type: str
    sender_kind: str
    sender: str
    status: str
    error_code: str


@dataclass(frozen=True, slots=True)
class CaseRow:
    """A row of ``cases`` with its steps' overdue flags and interventions summed."""

    id: str
    process: str
    version: int
    applicant: str
    state: str
    opened: int
    closed: int
    overdue_steps: int
    interventions: int


@dataclass(frozen=True, slots=True)
class GrantRow:
    """A row of ``grants``: a grant, code or request of one holder (never its envelope)."""

    id: str
    kind: str
    asset: str
    grantee: str
    purpose: str
    status: str
    expires: int
    uses: int
    used: int
    height: int


_BLOCK = "SELECT height, hash, prev_hash, time, proposer, tx_count FROM blocks"
_TX = "SELECT hash, height, tx_index, type, sender_kind, sender, status, error_code FROM txs"
_CASES = (
    "SELECT c.id, c.process, c.version, c.applicant, c.state, c.opened, c.closed, "
    "COALESCE(SUM(s.overdue), 0), COALESCE(SUM(s.interventions), 0) "
    "FROM cases c LEFT JOIN steps s ON s.case_id = c.id"
)
_CASES_GROUP = (
    "GROUP BY c.id, c.process, c.version, c.applicant, c.state, c.opened, c.closed, c.height"
)


class IndexReader:
    """Reads of one index database, ``sqlite:///PATH`` or ``postgresql://...``."""

    def __init__(self, url: str) -> None:
        """Check the URL's form (and that a SQLite file exists); IndexUnavailableError if not."""
        self._sqlite_path: Path | None = None
        self._url = url
        if url.startswith("sqlite:///"):
            path = Path(url.removeprefix("sqlite:///"))
            if not path.is_file():
                raise IndexUnavailableError(f"--db: no index at {path} (run govchain indexer run)")
            self._sqlite_path = path
            self.where = f"sqlite {path}"
        elif url.split("://", 1)[0] in ("postgresql", "postgres"):
            parts = urlsplit(url)
            self.where = f"postgresql {parts.hostname or 'localhost'}:{parts.port or 5432}"
            self.where += parts.path
        else:
            raise IndexUnavailableError(
                "--db: expected sqlite:///PATH or postgresql://USER@HOST[:PORT]/DATABASE"
            )
        self._marker = "?" if self._sqlite_path is not None else "%s"

    @contextlib.contextmanager
    def _cursor(self) -> Iterator[Any]:
        try:
            if self._sqlite_path is not None:
                connection: Any = sqlite3.connect(self._sqlite_path, timeout=_CONNECT_TIMEOUT_S)
                connection.execute("PRAGMA query_only = ON")
            else:
                connection = psycopg.connect(self._url, connect_timeout=_CONNECT_TIMEOUT_S)
            try:
                yield connection.cursor()
            finally:
                connection.close()
        except (sqlite3.Error, psycopg.Error) as exc:
            lines = str(exc).strip().splitlines()
            reason = lines[0] if lines else type(exc).__name__
            raise IndexUnavailableError(f"{self.where}: {reason}") from exc

    def _all(self, sql: str, params: tuple[object, ...] = ()) -> list[tuple[Any, ...]]:
        with self._cursor() as cursor:
            cursor.execute(sql.replace("?", self._marker), params)
            return [tuple(row) for row in cursor.fetchall()]

    def select(self, sql: str, params: tuple[object, ...] = ()) -> list[tuple[Any, ...]]:
        """The rows of one ``SELECT`` written with ``?`` placeholders (either database)."""
        return self._all(sql, params)

    def check(self) -> str:
        """The chain the index is of ("" before an indexer started on it);
        IndexUnavailableError if it cannot be read or is not an index."""
        rows = self._all("SELECT chain_id FROM indexer_progress WHERE id = 1")
        return str(rows[0][0]) if rows else ""

    def indexed_height(self) -> int:
        """The last height written (0 before the first)."""
        rows = self._all("SELECT height FROM indexer_progress WHERE id = 1")
        return int(rows[0][0]) if rows else 0

    def blocks(self, below: int | None = None) -> list[BlockRow]:
        """Up to PAGE_ROWS blocks, newest first, all below height ``below`` when given."""
        if below is None:
            found = self._all(f"{_BLOCK} ORDER BY height DESC LIMIT {PAGE_ROWS}")
        else:
            found = self._all(
                f"{_BLOCK} WHERE height < ? ORDER BY height DESC LIMIT {PAGE_ROWS}", (below,)
            )
        return [BlockRow(*row) for row in found]

    def block(self, height: int) -> BlockRow | None:
        """The block at ``height``, if indexed."""
        found = self._all(f"{_BLOCK} WHERE height = ?", (height,))
        return BlockRow(*found[0]) if found else None

    def block_txs(self, height: int) -> list[TxRow]:
        """The txs of block ``height`` in block order."""
        return [
            TxRow(*row) for row in self._all(f"{_TX} WHERE height = ? ORDER BY tx_index", (height,))
        ]

    def throughput(self, blocks: int) -> list[tuple[int, int]]:
        """``(height, tx count)`` of the last ``blocks`` indexed blocks (1..MAX_SERIES),
        oldest first."""
        count = max(1, min(blocks, MAX_SERIES))
        found = self._all(f"SELECT height, tx_count FROM blocks ORDER BY height DESC LIMIT {count}")
        return [(int(h), int(n)) for h, n in reversed(found)]

    def cases(self, page: int = 0) -> list[CaseRow]:
        """Page ``page`` (0: the first) of the cases, PAGE_ROWS a page, the latest opened
        first, each with its overdue steps and interventions."""
        offset = max(0, min(page, MAX_CASE_PAGE)) * PAGE_ROWS
        found = self._all(
            f"{_CASES} {_CASES_GROUP} ORDER BY c.opened DESC, c.id LIMIT {PAGE_ROWS} "
            f"OFFSET {offset}"
        )
        return [
            CaseRow(
                str(r[0]),
                str(r[1]),
                int(r[2]),
                str(r[3]),
                str(r[4]),
                int(r[5]),
                int(r[6]),
                int(r[7]),
                int(r[8]),
            )
            for r in found
        ]

    def holder_grants(self, holder: str) -> list[GrantRow]:
        """The grants and codes a holder gave (``holder`` in hex), newest first, at most
        PAGE_ROWS * 4."""
        found = self._all(
            "SELECT id, kind, asset, grantee, purpose, status, expires, uses, used, height "
            "FROM grants WHERE holder = ? AND kind IN ('grant', 'code') "
            f"ORDER BY height DESC, id LIMIT {PAGE_ROWS * 4}",
            (holder,),
        )
        return [_grant_row(r) for r in found]

    def votes(self, proposal_id: int) -> list[VoteRow]:
        """The votes on proposal ``proposal_id`` in the order the chain took them (its
        ``gov.voted`` events, whose canonical JSON attributes start with the id)."""
        rows = self._all(
            "SELECT e.height, e.tx_hash, t.sender, e.attributes FROM events e "
            "LEFT JOIN txs t ON t.hash = e.tx_hash WHERE e.type = 'gov.voted' "
            f"AND e.attributes LIKE ? ORDER BY e.height, e.tx_hash LIMIT {MAX_VOTES}",
            (f'{{"id":{int(proposal_id)},%',),
        )
        return [vote for vote in (_vote_of(row, proposal_id) for row in rows) if vote is not None]


@dataclass(frozen=True, slots=True)
class VoteRow:
    """A governance vote as indexed: its height, tx, voter address, member and yes/no."""

    height: int
    tx_hash: str
    voter: str
    member: str
    yes: bool


MAX_VOTES = 1000


def _vote_of(row: tuple[Any, ...], proposal_id: int) -> VoteRow | None:
    attributes = json.loads(str(row[3]))
    if attributes.get("id") != proposal_id:
        return None
    return VoteRow(int(row[0]), str(row[1]), str(row[2] or ""), str(attributes.get("member")),
                   attributes.get("yes") is True)  # fmt: skip


def _grant_row(r: tuple[Any, ...]) -> GrantRow:
    texts = [str(v) for v in r[:6]]
    numbers = [int(v) for v in r[6:10]]
    return GrantRow(texts[0], texts[1], texts[2], texts[3], texts[4], texts[5], *numbers)
