"""``govchain ledger verify`` finds a flipped byte in any stored record (issue 3, F-A4)."""

from __future__ import annotations

import json
import random
import shutil
from pathlib import Path

import pytest

from govchain.ledger.chainstore import TABLES
from govchain.ledger.home import DATA_DIR, create_chain
from govchain.storage import LmdbStore

from ..chain_support import ChainMaker
from ..govchain_cli import govchain, one_line_error


@pytest.fixture(scope="module")
def pristine(tmp_path_factory: pytest.TempPathFactory) -> Path:
    home = tmp_path_factory.mktemp("node")
    maker = ChainMaker.make("gm")
    chain = create_chain(home, maker.genesis, {}, state_window=4)
    maker.grow(chain, 7, txs_per_block=4)
    chain.store.close()
    return home


def test_untouched_ledger_verifies(pristine: Path) -> None:
    report = json.loads(govchain("ledger", "verify", "--home", pristine, "--json").stdout)
    assert report["ok"] is True
    assert report["blocks_checked"] == 7
    assert report["state_nodes_checked"] > 0
    assert "ledger OK: 7 blocks" in govchain("ledger", "verify", "--home", pristine).stdout


@pytest.mark.parametrize(
    "table",
    [
        "blocks",
        "receipts",
        "commits",
        "hashes",
        "state_nodes",
        "state_roots",
        "state_stale",
        "history",
        "txindex",
    ],
)
@pytest.mark.parametrize("seed", [1, 2])
def test_a_flipped_byte_is_found(pristine: Path, tmp_path: Path, table: str, seed: int) -> None:
    home = tmp_path / "node"
    shutil.copytree(pristine, home)
    rng = random.Random(f"{table}-{seed}")
    store = LmdbStore(home / DATA_DIR, TABLES)
    with store.write() as txn:
        rows = list(txn.scan(table))
        key, value = rows[rng.randrange(len(rows))]
        position = rng.randrange(len(value))
        txn.put(
            table,
            key,
            value[:position]
            + bytes([value[position] ^ (1 << rng.randrange(8))])
            + value[position + 1 :],
        )
    store.close()
    reason = one_line_error(govchain("ledger", "verify", "--home", home, check=False))
    assert "inconsistent at height" in reason
    report = json.loads(govchain("ledger", "verify", "--home", home, "--json", check=False).stdout)
    assert report["ok"] is False
    assert report["error_height"] is not None


def test_missing_home_is_a_one_line_error(tmp_path: Path) -> None:
    reason = one_line_error(govchain("ledger", "verify", "--home", tmp_path / "none", check=False))
    assert "no ledger" in reason
