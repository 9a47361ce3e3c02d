"""``govchain net add-node`` (issue 14 item 8): the proposal to make, as a command line and JSON."""

from __future__ import annotations

import json
import os
from pathlib import Path

from govchain.node.netinit import read_layout

from ..govchain_cli import govchain, one_line_error

WIDE = {**os.environ, "COLUMNS": "400"}


def test_add_node_prints_the_proposal_and_refuses_a_taken_name(tmp_path: Path) -> None:
    directory = tmp_path / "net"
    govchain("net", "init", "--dir", directory, "--validators", "1", "--base-port", "27300")
    code, _, admin = read_layout(directory).members[0]
    shown = govchain(
        "net", "add-node", "--dir", directory, "--name", "extra", "--org", code, "--role", "full",
        env=WIDE,
    ).stdout  # fmt: skip
    assert read_layout(directory).nodes[-1].name == "extra"
    proposal = [line.strip() for line in shown.splitlines() if "gov propose node.add" in line]
    assert len(proposal) == 1
    assert f"--set name=extra --set org={code} --set role=full --set transport_key=" in proposal[0]
    assert f"--key {admin}" in proposal[0]
    assert "--node http://127.0.0.1:27301" in proposal[0]
    assert f"govchain net up --dir {directory}" in shown

    again = govchain(
        "net", "add-node", "--dir", directory, "--name", "more", "--org", code,
        "--role", "storage", "--json",
    )  # fmt: skip
    assert json.loads(again.stdout)["args"]["role"] == "storage"
    taken = govchain(
        "net", "add-node", "--dir", directory, "--name", "extra", "--org", code, "--role", "full",
        check=False,
    )  # fmt: skip
    assert "already has a node of that name" in one_line_error(taken)
