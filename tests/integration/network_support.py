"""Real node processes on loopback for integration tests: lay out, start, kill, wait."""

from __future__ import annotations

import os
import signal
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from govchain.client.sdk import NodeClient, NodeUnreachableError
from govchain.node import launcher
from govchain.node.netinit import NetworkLayout, init_network
from govchain.node.ports import free_base_port

WAIT_S = 60.0


@contextmanager
def running_network(
    directory: Path, validators: int, full_nodes: int = 0, suite: str = "gm"
) -> Iterator[NetworkLayout]:
    """A laid-out, started network; every node is stopped afterwards, whatever happens."""
    base = free_base_port(2 * (validators + full_nodes))
    layout = init_network(
        directory,
        validators=validators,
        full_nodes=full_nodes,
        suite_name=suite,
        base_port=base,
    )
    try:
        launcher.up(layout)
        assert launcher.wait_ready(layout) == []
        yield layout
    finally:
        launcher.down(layout, grace_s=10)


def height_of(url: str) -> int | None:
    """A node's height, or None if it does not answer."""
    try:
        with NodeClient(url, timeout_s=2) as client:
            return int(client.status()["height"])
    except NodeUnreachableError:
        return None


def wait_for(condition: object, timeout_s: float = WAIT_S, what: str = "condition") -> None:
    """Poll ``condition()`` until true; AssertionError naming ``what`` after ``timeout_s``."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if condition():  # type: ignore[operator]
            return
        time.sleep(0.2)
    raise AssertionError(f"timed out after {timeout_s:g} s waiting for {what}")


def kill_node(home: Path) -> None:
    """SIGKILL a node process (no chance to clean up)."""
    pid = launcher.running_pid(home)
    assert pid is not None, f"{home} is not running"
    os.kill(pid, signal.SIGKILL)
    wait_for(lambda: launcher.running_pid(home) is None, 10, f"{home} to die")
