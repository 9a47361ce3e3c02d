"""``govchain net init --profile test`` and the lifecycle commands' own checks, in process
(issue 20 items 5, 7; F-F1). The commands' work against a chain is the lifecycle's (tested in
tests/unit/contracts/lifecycle) and the SDK's; here: what they refuse before sending."""

from __future__ import annotations

import json
from pathlib import Path

import typer
from typer.testing import CliRunner

from govchain.cli.contract_life_cmd import LIFECYCLE_COMMANDS
from govchain.cli.net_cmd import app as net_app
from govchain.crypto import suite_for

RUNNER = CliRunner()


def _contract_app() -> typer.Typer:
    app = typer.Typer()
    for name, command in LIFECYCLE_COMMANDS.items():
        app.command(name)(command)
    return app


def test_f_f1_a_test_network_says_so_in_its_chain_id(tmp_path: Path) -> None:
    made = RUNNER.invoke(
        net_app, ["init", "--dir", str(tmp_path / "t"), "--validators", "1", "--profile", "test"]
    )
    assert made.exit_code == 0, made.output
    genesis = (tmp_path / "t" / "genesis.json").read_bytes()
    assert json.loads(genesis)["chain_id"] == "govchain-local-test"
    digest = suite_for("gm").hash(genesis).hex()
    assert f"test_genesis={digest}" in made.output.replace("\n", "")
    wrong = RUNNER.invoke(
        net_app, ["init", "--dir", str(tmp_path / "u"), "--profile", "test", "--chain-id", "x"]
    )
    assert wrong.exit_code == 1
    assert "ends in -test" in wrong.output
    prod = RUNNER.invoke(net_app, ["init", "--dir", str(tmp_path / "v"), "--chain-id", "y-test"])
    assert prod.exit_code == 1
    assert "--profile test" in prod.output
    assert not (tmp_path / "u").exists()
    assert not (tmp_path / "v").exists()


def test_the_commands_refuse_bad_input_before_sending(tmp_path: Path) -> None:
    key = tmp_path / "k.pem"
    key.write_bytes(suite_for("intl").generate_key().to_pem())
    text = tmp_path / "x.wasm"
    text.write_text("not a module")
    app = _contract_app()
    node = ["--node", "http://127.0.0.1:9", "--key", str(key)]
    submitted = RUNNER.invoke(app, ["submit", str(text), *node, "--name", "n"])
    assert submitted.exit_code == 1
    assert "not a WebAssembly module" in submitted.output
    bad_id = RUNNER.invoke(app, ["deploy", "zz", *node])
    assert bad_id.exit_code == 1
    assert "expected 32 hex digits" in bad_id.output
    no_side = RUNNER.invoke(app, ["review", "00" * 16, *node, "--comment", "c"])
    assert no_side.exit_code == 1
    assert "--approve or --reject" in no_side.output
    args = tmp_path / "args.json"
    args.write_text("{oops")
    bad_args = RUNNER.invoke(app, ["call", "00" * 16, "fee", *node, "--args", str(args)])
    assert bad_args.exit_code == 1
    assert "not JSON" in bad_args.output
    helps = RUNNER.invoke(app, ["freeze", "--help"])
    assert "contracts.freeze" in helps.output
