"""``govchain ledger receipt|genesis`` and ``govchain verify``, as a user runs them (F-A4, F-C5)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from govchain.cli.console import human_time_ms
from govchain.ledger import records
from govchain.ledger.home import create_chain

from ..chain_support import ChainMaker
from ..govchain_cli import govchain, one_line_error


@pytest.fixture(scope="module", params=["gm", "intl"])
def home(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Path:
    home = tmp_path_factory.mktemp(f"node-{request.param}")
    maker = ChainMaker.make(request.param)
    chain = create_chain(home, maker.genesis, {})
    try:
        maker.grow(chain, 3, txs_per_block=2)
        with chain.view() as view:
            tx = view.block(2).txs[1]
        (home / "tx.hex").write_text(records.tx_hash(maker.suite, tx).hex())
    finally:
        chain.store.close()
    return home


def test_exported_receipt_verifies_offline(home: Path, tmp_path: Path) -> None:
    tx_hash = (home / "tx.hex").read_text()
    genesis, receipt = tmp_path / "genesis.json", tmp_path / "receipt.json"
    govchain("ledger", "genesis", "--home", home, "--out", genesis)
    govchain("ledger", "receipt", "--home", home, "--tx", tx_hash, "--out", receipt)
    result = json.loads(govchain("verify", receipt, "--genesis", genesis, "--json").stdout)
    assert result["ok"] is True
    assert (result["tx_hash"], result["height"], result["index"]) == (tx_hash, 2, 1)
    assert result["signed_power"] == result["total_power"] == 40
    assert result["transitions"] == 0  # the set never changed
    assert json.loads(receipt.read_text())["transitions"] == []
    table = govchain("verify", receipt, "--genesis", genesis).stdout
    assert "receipt verified" in table
    assert tx_hash in table
    assert "0 walked from the genesis set" in table
    shown = [line.split() for line in table.splitlines() if line.startswith("block time ")]
    assert shown == [["block", "time", human_time_ms(result["block_time"])]]  # --json keeps ms


def test_tampered_receipt_file_fails_with_the_check_named(home: Path, tmp_path: Path) -> None:
    tx_hash = (home / "tx.hex").read_text()
    genesis, receipt = tmp_path / "genesis.json", tmp_path / "receipt.json"
    govchain("ledger", "genesis", "--home", home, "--out", genesis)
    obj = json.loads(govchain("ledger", "receipt", "--home", home, "--tx", tx_hash).stdout)
    header = obj["header"]
    obj["header"] = header[:-1] + ("0" if header[-1] != "0" else "1")
    receipt.write_text(json.dumps(obj))
    failed = govchain("verify", receipt, "--genesis", genesis, "--json", check=False)
    assert failed.returncode == 1
    # canonical key order puts next_validators_hash last: the set it announces is not checked
    # against the genesis any more (sets change), but the header is not what the commit signed
    assert json.loads(failed.stdout)["check"] == "commit"
    line = one_line_error(govchain("verify", receipt, "--genesis", genesis, check=False))
    assert "receipt does not verify" in line


def test_bad_arguments_are_one_line_errors(home: Path, tmp_path: Path) -> None:
    assert "not a hex tx hash" in one_line_error(
        govchain("ledger", "receipt", "--home", home, "--tx", "xyz", check=False)
    )
    assert "no committed tx" in one_line_error(
        govchain("ledger", "receipt", "--home", home, "--tx", "00" * 32, check=False)
    )
    (tmp_path / "junk.json").write_text("{not json")
    assert "not JSON" in one_line_error(
        govchain("verify", tmp_path / "junk.json", "--genesis", tmp_path / "junk.json", check=False)
    )
    assert "missing.json" in one_line_error(
        govchain(
            "verify", tmp_path / "junk.json", "--genesis", tmp_path / "missing.json", check=False
        )
    )
