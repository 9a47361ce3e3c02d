"""Starting and stopping: a taken API port is named; `net up` stops its nodes on SIGTERM."""

from __future__ import annotations

import signal
import socket
import subprocess
import sys
from pathlib import Path

from govchain.node import launcher
from govchain.node.netinit import init_network
from govchain.node.ports import free_base_port


def test_a_taken_api_port_is_named_and_the_node_exits(tmp_path: Path) -> None:
    layout = init_network(tmp_path / "net", validators=1, base_port=free_base_port(2))
    node = layout.nodes[0]
    host, port = node.api_url.removeprefix("http://").rsplit(":", 1)
    with socket.socket() as squatter:
        squatter.bind((host, int(port)))
        squatter.listen()
        done = subprocess.run(
            [sys.executable, "-m", "govchain", "node", "start", "--home", str(node.home)],
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
    assert done.returncode == 1
    assert f"api.listen {host}:{port}" in done.stderr
    assert "in use" in done.stderr
    assert not (node.home / "node.pid").exists()


def test_net_up_in_the_foreground_stops_its_nodes_on_sigterm(tmp_path: Path) -> None:
    layout = init_network(tmp_path / "net", validators=1, base_port=free_base_port(2))
    up = subprocess.Popen(
        [sys.executable, "-m", "govchain", "net", "up", "--dir", str(layout.directory)],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        assert up.stdout is not None
        for line in up.stdout:  # wait until it says it is in the foreground
            if "Ctrl-C stops every node" in line:
                break
        assert launcher.running_pid(layout.nodes[0].home) is not None
        up.send_signal(signal.SIGTERM)
        rest, _ = up.communicate(timeout=60)
    finally:
        if up.poll() is None:
            up.kill()
            up.wait()
        launcher.down(layout, grace_s=5)
    assert "stopping" in rest
    assert "node0: stopped" in rest
    assert launcher.running_pid(layout.nodes[0].home) is None
