"""The indexer's database conformance suite: the same checks on SQLite and on a real
PostgreSQL on loopback (issue 19 item 2; F-E3, N-3).

Heights are written in order, each in one transaction with the progress row;
a failure mid-height leaves no row of it; a gap, a second write of a height
and another chain's database are refused; upserts replace a derived row.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from govchain.indexer.database import Database, DatabaseError, DerivedRows, open_database
from govchain.indexer.rows import BlockRows
from govchain.indexer.schema import TABLES
from tests.postgres_server import fresh_database, postgres_server  # noqa: F401

pytestmark = pytest.mark.timeout(120)


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'index.db'}"
    else:
        yield fresh_database(request.getfixturevalue("postgres_server"))


def _block(height: int, txs: int = 1) -> BlockRows:
    block_hash, prev = f"{height:064x}", f"{height - 1:064x}" if height > 1 else ""
    tx_rows = tuple(
        (f"{height:032x}{i:032x}", height, i, "assets.issue", "key", "ab" * 20, "committed", 0, "")
        for i in range(txs)
    )
    events = tuple((height, row[0], 0, "assets.issued", '{"content_id":"00"}') for row in tx_rows)
    return BlockRows(
        height, block_hash, prev, (height, block_hash, prev, 1000 + height, "cd" * 20, txs),
        tx_rows, events, (),
    )  # fmt: skip


def _asset(height: int, status: str) -> DerivedRows:
    row = ("11" * 16, "1.2.156.3005.2.x", "T001", "ab" * 20, "ORG", "authority", status, 1, 0,
           height)  # fmt: skip
    return DerivedRows((("assets", row),))


def test_heights_in_order_with_upserted_records(db_url: str) -> None:
    with open_database(db_url) as db:
        assert db.progress() is None
        assert db.start("chain-a").height == 0
        db.write_height(_block(1), _asset(1, "valid"))
        db.write_height(_block(2, txs=2), _asset(2, "revoked"))
        progress = db.progress()
        assert progress is not None
        assert (progress.chain_id, progress.height, progress.block_hash) == (
            "chain-a",
            2,
            f"{2:064x}",
        )
        assert db.counts() == {
            "blocks": 2, "txs": 3, "events": 3, "accounts": 0, "assets": 1, "grants": 0,
            "usage": 0, "cases": 0, "steps": 0, "alerts": 0,
        }  # fmt: skip
        assert db.rows("assets")[0][6:] == ("revoked", 1, 0, 2)
        assert [r[0] for r in db.rows("blocks")] == [1, 2]
        assert db.rows("txs")[0][1:] == (1, 0, "assets.issue", "key", "ab" * 20, "committed", 0, "")


def test_a_failure_mid_height_leaves_nothing_of_it(db_url: str) -> None:
    with open_database(db_url) as db:
        db.start("chain-a")
        db.write_height(_block(1), _asset(1, "valid"))
        broken = DerivedRows((("assets", ("22" * 16,)),))  # a row that does not fit its table
        with pytest.raises(DatabaseError):
            db.write_height(_block(2, txs=3), broken)
        progress = db.progress()
        assert progress is not None
        assert progress.height == 1
        assert (db.counts()["blocks"], db.counts()["txs"]) == (1, 1)
        db.write_height(_block(2, txs=3), _asset(2, "valid"))  # the same height, whole
        assert db.counts()["txs"] == 4


def test_gaps_repeats_and_another_chain_are_refused(db_url: str) -> None:
    with open_database(db_url) as db:
        db.start("chain-a")
        with pytest.raises(DatabaseError, match="height 1 is not the last one written"):
            db.write_height(_block(2), DerivedRows(()))
        db.write_height(_block(1), DerivedRows(()))
        with pytest.raises(DatabaseError, match="height 0 is not the last one written"):
            db.write_height(_block(1), DerivedRows(()))
        assert [r[0] for r in db.rows("blocks")] == [1]
    with open_database(db_url) as db:  # reopened: the schema is there, the progress kept
        assert db.start("chain-a").height == 1
        with pytest.raises(DatabaseError, match="indexes chain 'chain-a', not 'chain-b'"):
            db.start("chain-b")


def test_every_table_has_a_height_column(db_url: str) -> None:
    with open_database(db_url) as db:
        assert isinstance(db, Database)
        for table in TABLES:
            names = table.column_names
            assert "height" in names or "started_height" in names, table.name
            assert db.rows(table.name) == []
