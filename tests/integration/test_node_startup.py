"""A node whose API port is taken says so and exits 1, instead of half-starting (F-A8)."""

from __future__ import annotations

import socket
import subprocess
import sys
from pathlib import Path

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
