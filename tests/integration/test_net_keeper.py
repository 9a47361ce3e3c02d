"""``net up --detach`` keeps the network up from the background; ``net down`` ends it (issue 13)."""

from __future__ import annotations

import os
import signal
from pathlib import Path

import pytest

from govchain.node import launcher
from govchain.node.netinit import init_network
from govchain.node.ports import free_base_port

from ..govchain_cli import govchain, one_line_error
from .network_support import wait_for


@pytest.mark.timeout(240)
def test_a_detached_net_up_restarts_a_killed_node_and_net_down_stops_it_all(
    tmp_path: Path,
) -> None:
    layout = init_network(tmp_path / "net", validators=1, base_port=free_base_port(2))
    home = layout.nodes[0].home
    try:
        started = govchain("net", "up", "--dir", layout.directory, "--detach")
        assert "kept up by net up in the background" in started.stdout
        keeper = launcher.keeper_pid(layout.directory)
        assert keeper is not None
        first = launcher.running_pid(home)
        assert first is not None

        again = govchain("net", "up", "--dir", layout.directory, check=False)
        assert f"already kept up by net up (pid {keeper})" in one_line_error(again)

        os.kill(first, signal.SIGKILL)  # a crash: the keeper starts it again
        wait_for(lambda: launcher.running_pid(home) not in (None, first), 60, "the restart")
        said = (layout.directory / "net.out").read_text()
        assert "node0 was killed by SIGKILL" in said
        assert "restarting it in 1 s" in said

        stopped = govchain("net", "down", "--dir", layout.directory)
        assert "node0: stopped" in stopped.stdout
        assert launcher.keeper_pid(layout.directory) is None
        assert launcher.running_pid(home) is None
    finally:
        launcher.down(layout, grace_s=5)
