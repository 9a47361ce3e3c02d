"""``net up`` in the foreground stops every node, also when its output pipe is gone (issue 13).

``make run | tee log`` then Ctrl-C sends SIGINT to the whole process group:
``tee`` dies at once, and ``net up``'s next line meets a closed pipe (EPIPE).
Before, that ended ``net up`` before it stopped its nodes, which kept running.
"""

from __future__ import annotations

import os
import shlex
import signal
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from govchain.node import launcher
from govchain.node.netinit import NetworkLayout, init_network
from govchain.node.ports import free_base_port

from .network_support import wait_for

READY_LINE = "Ctrl-C stops every node."


def _gone(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    try:
        return Path(f"/proc/{pid}/stat").read_text().split(") ")[-1].startswith("Z")
    except OSError:
        return True


@contextmanager
def _pipeline(layout: NetworkLayout, tail: str, out: Path) -> Iterator[subprocess.Popen[bytes]]:
    """``net up --dir D | TAIL`` in a session of its own (its own process group)."""
    up = shlex.join([sys.executable, "-m", "govchain", "net", "up", "--dir", str(layout.directory)])
    with out.open("wb") as sink:
        shell = subprocess.Popen(
            ["bash", "-c", f"{up} | {tail}"],
            stdout=sink,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
        )
    try:
        yield shell
    finally:
        if shell.poll() is None:
            os.killpg(shell.pid, signal.SIGKILL)
            shell.wait()
        launcher.down(layout, grace_s=5)


def _text(path: Path) -> str:
    """What was written to ``path`` so far ("" before the writer created it)."""
    try:
        return path.read_text()
    except FileNotFoundError:
        return ""


def _node_pids(layout: NetworkLayout) -> list[int]:
    wait_for(lambda: launcher.wait_ready(layout, 1.0) == [], 90, "every node's API")
    pids = [launcher.running_pid(node.home) for node in layout.nodes]
    assert None not in pids
    return [pid for pid in pids if pid is not None]


def _layout(tmp_path: Path) -> NetworkLayout:
    return init_network(tmp_path / "net", validators=1, full_nodes=1, base_port=free_base_port(4))


@pytest.mark.timeout(180)
def test_with_its_pipe_gone_net_up_still_stops_every_node_on_sigint(tmp_path: Path) -> None:
    layout = _layout(tmp_path)
    with _pipeline(layout, "head -n 1", tmp_path / "out") as shell:
        pids = _node_pids(layout)  # by now head has exited: every later line meets EPIPE
        os.killpg(shell.pid, signal.SIGINT)
        shell.wait(60)
        assert all(_gone(pid) for pid in pids)
    assert (tmp_path / "out").read_text().startswith("started node0")


@pytest.mark.timeout(180)
def test_make_run_piped_into_tee_then_ctrl_c_stops_every_node(tmp_path: Path) -> None:
    layout = _layout(tmp_path)
    log = tmp_path / "run.log"
    with _pipeline(layout, f"tee {shlex.quote(str(log))}", tmp_path / "out") as shell:
        wait_for(lambda: READY_LINE in _text(log), 90, "net up to be ready")
        pids = _node_pids(layout)
        os.killpg(shell.pid, signal.SIGINT)  # what Ctrl-C does to the terminal's group
        shell.wait(60)
        assert all(_gone(pid) for pid in pids)
    assert "Traceback" not in (tmp_path / "out").read_text()


@pytest.mark.timeout(180)
def test_a_closed_terminal_sighup_stops_every_node(tmp_path: Path) -> None:
    layout = _layout(tmp_path)
    out = tmp_path / "out"
    with _pipeline(layout, "cat", out) as shell:
        pids = _node_pids(layout)
        wait_for(lambda: READY_LINE in _text(out), 30, "the ready line")
        up = launcher.keeper_pid(layout.directory)
        assert up is not None
        os.kill(up, signal.SIGHUP)  # to net up alone: cat stays to pass on what it says
        shell.wait(60)
        assert all(_gone(pid) for pid in pids)
    said = out.read_text()
    assert "stopping ..." in said
    assert "node0: stopped" in said
    assert "node1: stopped" in said
