"""``govchain ledger receipt|genesis`` and ``govchain verify``, as a user runs them (F-A4, F-C5)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from govchain.cli.console import human_time_ms
from govchain.contracts import ServiceContext
from govchain.execution import apply_block
from govchain.ledger import records
from govchain.ledger.home import create_chain
from govchain.node.services import build_registry, genesis_state
from tests.unit.client.changing_chain import TOTAL_POWER_AFTER, build_changing_chain

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


def test_f_a4_receipts_across_set_changes_export_and_verify(tmp_path: Path) -> None:
    """A node home whose set changed three times by vote, its old state versions pruned."""
    changing = build_changing_chain("gm")
    gc, home = changing.gc, tmp_path / "node"
    chain = create_chain(home, gc.genesis, genesis_state(gc.genesis), state_window=2)
    try:
        registry = build_registry(ServiceContext(gc.maker.suite, chain.validators, gc.genesis))
        with gc.chain.view() as source:
            for height in range(1, source.height + 1):
                block = source.block(height)
                with chain.view() as view:
                    result = apply_block(view, block, registry)
                chain.commit_block(block, source.commit(height), result)
    finally:
        chain.store.close()
    genesis = tmp_path / "genesis.json"
    govchain("ledger", "genesis", "--home", home, "--out", genesis)
    for changes_before in range(len(changing.starts) + 1):
        tx_hash = changing.tx_at(changes_before).hex()
        receipt = tmp_path / f"receipt-{changes_before}.json"
        govchain("ledger", "receipt", "--home", home, "--tx", tx_hash, "--out", receipt)
        result = json.loads(govchain("verify", receipt, "--genesis", genesis, "--json").stdout)
        assert (result["ok"], result["tx_hash"]) == (True, tx_hash)
        assert result["transitions"] == changes_before
        assert result["total_power"] == TOTAL_POWER_AFTER[changes_before]
        table = govchain("verify", receipt, "--genesis", genesis).stdout
        assert f"{changes_before} walked from the genesis set" in table
    # the last transition dropped: the check and the missing transition are named
    obj = json.loads(receipt.read_text())
    obj["transitions"] = obj["transitions"][:-1]
    receipt.write_text(json.dumps(obj))
    failed = govchain("verify", receipt, "--genesis", genesis, "--json", check=False)
    assert failed.returncode == 1
    answer = json.loads(failed.stdout)
    assert answer["check"] == "header"
    assert "a transition is missing" in answer["error"]
    # the first one dropped: the next transition names itself and the step
    obj["transitions"] = obj["transitions"][1:]
    receipt.write_text(json.dumps(obj))
    line = one_line_error(govchain("verify", receipt, "--genesis", genesis, check=False))
    assert "(transition)" in line
    assert "transition 1 " in line
