"""``net add-node --role validator``, ``net remove-node`` and the sets ``net status`` shows.

Issue 15 item 7 (F-A2, F-B2): the commands as a user runs them, their JSON
and their one-line refusals (which write nothing); ``net status`` over
node answers with a current and a next validator set.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from typer.testing import CliRunner

from govchain.cli import net_cmd
from govchain.crypto.keyfiles import read_signing_key
from govchain.node import launcher
from govchain.node.netinit import VALIDATOR_POWER, init_network, read_layout
from govchain.node.validator_status import ShownValidator, ValidatorSets

from ..govchain_cli import govchain, one_line_error

WIDE = {**os.environ, "COLUMNS": "400"}


def _files(directory: Path) -> dict[Path, bytes]:
    return {p: p.read_bytes() for p in sorted(directory.rglob("*")) if p.is_file()}


def test_f_a2_add_node_lays_out_a_validator_and_prints_its_proposal(tmp_path: Path) -> None:
    directory = tmp_path / "net"
    govchain("net", "init", "--dir", directory, "--validators", "2", "--base-port", "27500")
    code, _, admin = read_layout(directory).members[1]
    before = _files(directory)
    refused = govchain(
        "net", "add-node", "--dir", directory, "--name", "v2", "--org", code,
        "--role", "validator", "--power", "1000001", check=False,
    )  # fmt: skip
    assert "--power 1000001: expected 1 to 1,000,000" in one_line_error(refused)
    assert _files(directory) == before

    shown = govchain(
        "net", "add-node", "--dir", directory, "--name", "v2", "--org", code,
        "--role", "validator", "--json",
    )  # fmt: skip
    key = read_signing_key(directory / "v2" / "validator.pem")
    assert json.loads(shown.stdout) == {
        "action": "node.add",
        "args": {
            "name": "v2",
            "org": code,
            "role": "validator",
            "transport_key": json.loads(shown.stdout)["args"]["transport_key"],
            "validator_key": key.public_key.hex(),
            "power": VALIDATOR_POWER,
        },
    }
    table = govchain(
        "net", "add-node", "--dir", directory, "--name", "v3", "--org", code,
        "--role", "validator", "--power", "3", env=WIDE,
    ).stdout  # fmt: skip
    [line] = [line.strip() for line in table.splitlines() if "gov propose node.add" in line]
    v3_key = read_signing_key(directory / "v3" / "validator.pem").public_key.hex()
    assert "--set role=validator --set transport_key=" in line
    assert f"--set validator_key={v3_key} --set power=3 " in line
    assert f"--key {admin}" in line
    assert "votes from two heights after" in table


def test_remove_node_prints_the_proposal_and_refuses_an_unknown_node(tmp_path: Path) -> None:
    directory = tmp_path / "net"
    govchain("net", "init", "--dir", directory, "--validators", "2", "--base-port", "27520")
    code, _, admin = read_layout(directory).members[1]
    before = _files(directory)
    shown = govchain(
        "net", "remove-node", "--dir", directory, "--name", "node1", "--reason", "dept leaves",
        env=WIDE,
    ).stdout  # fmt: skip
    [line] = [line.strip() for line in shown.splitlines() if "gov propose node.remove" in line]
    assert "--set name=node1 --set 'reason=dept leaves' " in line
    assert f"--key {admin}" in line
    assert "stop the node" in shown
    as_json = govchain("net", "remove-node", "--dir", directory, "--name", "node1", "--json")
    assert json.loads(as_json.stdout) == {
        "action": "node.remove",
        "args": {"name": "node1", "reason": "remove node node1"},
    }
    unknown = govchain("net", "remove-node", "--dir", directory, "--name", "node7", check=False)
    assert "lists no such node" in one_line_error(unknown)
    assert _files(directory) == before  # it writes and deletes nothing
    assert code in shown


def _state(name: str, height: int | None, sets: ValidatorSets | None) -> launcher.NodeState:
    return launcher.NodeState(name, "validator", 1, "http://x", height, "", 0, 0, sets)


def test_f_a2_net_status_shows_the_set_and_what_the_next_changes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    directory = tmp_path / "net"
    init_network(directory, validators=1, base_port=27540)
    old = (ShownValidator("aa" * 20, "node0", 10, 1), ShownValidator("bb" * 20, "node1", 10, 1))
    new = (old[0], ShownValidator("cc" * 20, "dept-5", 7, 43))
    states = [
        _state("node0", 40, (old, old)),  # behind
        _state("node1", 41, (old, new)),
        _state("node2", None, None),  # not answering
    ]
    monkeypatch.setattr(launcher, "status", lambda _layout: states)
    runner = CliRunner()
    table = runner.invoke(net_cmd.app, ["status", "--dir", str(directory)], env=WIDE)
    assert table.exit_code == 0, table.output
    assert "validators of height 42 (as node1 at 41 sees them)" in table.output
    assert "from height 43: node1 leaves; dept-5 joins with power 7" in table.output

    as_json = runner.invoke(net_cmd.app, ["status", "--dir", str(directory), "--json"])
    body = json.loads(as_json.output)
    assert [n["name"] for n in body["nodes"]] == ["node0", "node1", "node2"]
    assert body["validators"]["node"] == "node1"
    assert body["validators"]["height"] == 41
    assert [v["name"] for v in body["validators"]["next_validators"]] == ["node0", "dept-5"]
    assert body["validators"]["next_validators"][1]["votes_from"] == 43

    monkeypatch.setattr(launcher, "status", lambda _layout: [states[2]])
    quiet = runner.invoke(net_cmd.app, ["status", "--dir", str(directory), "--json"])
    assert json.loads(quiet.output)["validators"] is None
