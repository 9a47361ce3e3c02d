"""Issue 13 item 1 acceptance: a node whose store fails on write stops loudly, and comes back.

Fault injection: the full node's process gets a file-size limit (RLIMIT_FSIZE,
set from outside with ``prlimit``) at the current size of its LMDB data file.
The node ignores SIGXFSZ, so the next block write that grows the file fails
with EFBIG, the error a real size limit gives. The limit belongs to that
process only: the node that ``net up`` starts again inherits none, runs
without the fault and catches up from disk and its peer.
"""

from __future__ import annotations

import os
import resource
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from govchain.client.sdk import NodeClient
from govchain.contracts.notary import anchor_tx
from govchain.crypto import suite_for
from govchain.crypto.keyfiles import read_signing_key
from govchain.ledger.genesis_file import load_genesis
from govchain.node import launcher
from govchain.node.netinit import NetworkLayout, init_network
from govchain.node.ports import free_base_port

from .network_support import height_of, wait_for

READY_LINE = "Ctrl-C stops every node."


class _Notary:
    """Anchors random digests through the validator, one committed tx at a time."""

    def __init__(self, layout: NetworkLayout) -> None:
        genesis = load_genesis(layout.directory / "genesis.json")
        self.chain_id = genesis.chain_id
        self.suite = suite_for(genesis.suite)
        self.key = read_signing_key(layout.client_key)
        self.client = NodeClient(layout.nodes[0].api_url, timeout_s=10)

    def commit_one(self) -> int:
        """Anchor one digest, wait for its commit; return the validator's height."""
        height = int(self.client.status()["height"])
        digest = self.suite.hash(os.urandom(32))
        tx = anchor_tx(self.key, self.chain_id, digest, os.urandom(16), height + 100)
        self.client.wait(self.client.submit(tx), 30)
        return int(self.client.status()["height"])


def _keeper_output(path: Path) -> str:
    return path.read_text(encoding="utf-8", errors="replace")


@pytest.mark.timeout(300)
def test_a_full_node_whose_store_fails_exits_non_zero_and_net_up_restarts_it(
    tmp_path: Path,
) -> None:
    layout = init_network(tmp_path / "net", validators=1, full_nodes=1, base_port=free_base_port(4))
    full = layout.nodes[1]
    up_out = tmp_path / "up.out"
    with up_out.open("wb") as out:
        keeper = subprocess.Popen(
            [sys.executable, "-m", "govchain", "net", "up", "--dir", str(layout.directory)],
            stdout=out,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
        )
    notary = _Notary(layout)
    try:
        wait_for(lambda: READY_LINE in _keeper_output(up_out), 90, "net up to be ready")
        for _ in range(3):
            height = notary.commit_one()
        wait_for(lambda: height_of(full.api_url) == height, 30, "the full node to follow")
        pid = launcher.running_pid(full.home)
        assert pid is not None
        size = (full.home / "data" / "data.mdb").stat().st_size
        resource.prlimit(pid, resource.RLIMIT_FSIZE, (size, size))  # the fault, this process only

        for _ in range(200):  # each block grows the ledger; a few are enough to outgrow the limit
            if launcher.running_pid(full.home) != pid:
                break
            height = notary.commit_one()
        wait_for(lambda: "node1 exited with status 1" in _keeper_output(up_out), 30, "the exit")

        # the node said why, in one line, where an operator looks: node.out and node.log
        errors = [
            line
            for line in (full.home / "node.out").read_text().splitlines()
            if line.startswith("error: ")
        ]
        assert len(errors) == 1, errors
        assert errors[0].startswith("error: node node1 failed: ")
        assert "File too large" in errors[0]
        log = (full.home / "node.log").read_text().splitlines()
        critical = [line for line in log if '"level": "critical"' in line]
        assert len(critical) == 1, critical
        assert "node node1 stops: " in critical[0]
        assert "File too large" in critical[0]
        assert "Traceback" not in (full.home / "node.out").read_text()

        # net up said so and started it again, without the limit; it catches up
        said = _keeper_output(up_out)
        assert f"node1 exited with status 1: {errors[0]}; restarting it in 1 s" in said
        wait_for(lambda: launcher.running_pid(full.home) not in (None, pid), 30, "node1 restarted")
        height = notary.commit_one()
        wait_for(lambda: (height_of(full.api_url) or 0) >= height, 60, "node1 to catch up")
    finally:
        notary.client.close()
        keeper.send_signal(signal.SIGTERM)
        try:
            keeper.wait(60)
        finally:
            launcher.down(layout, grace_s=5)
    assert keeper.returncode == 0
    said = _keeper_output(up_out)
    assert "node0: stopped" in said
    assert "node1: stopped" in said
    assert all(launcher.running_pid(n.home) is None for n in layout.nodes)
