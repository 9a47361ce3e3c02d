"""A second ``node start`` on a running home exits 1 and the first node is untouched (issue 13)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from govchain.node import launcher

from ..govchain_cli import govchain, one_line_error
from .network_support import height_of, running_network


@pytest.mark.timeout(180)
def test_a_second_start_on_a_running_home_is_refused_naming_the_running_pid(
    tmp_path: Path,
) -> None:
    with running_network(tmp_path / "net", validators=1) as layout:
        node = layout.nodes[0]
        pid = launcher.running_pid(node.home)
        assert pid is not None
        pid_file = (node.home / launcher.PID_FILE).read_bytes()
        second = govchain("node", "start", "--home", node.home, check=False)
        line = one_line_error(second)
        assert f"node home {node.home} is in use by process {pid}" in line
        assert "Traceback" not in second.stderr + second.stdout
        assert (node.home / launcher.PID_FILE).read_bytes() == pid_file
        assert launcher.running_pid(node.home) == pid
        assert height_of(node.api_url) is not None  # the first still serves
        states = launcher.status(layout)
        assert [state.pid for state in states] == [pid]
        assert isinstance(states[0].block_time, int)  # the latest block's (or genesis) time
        genesis = json.loads((layout.directory / "genesis.json").read_text(encoding="utf-8"))
        assert states[0].block_time >= genesis["time"]
