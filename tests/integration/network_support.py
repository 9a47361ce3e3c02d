"""Real node processes on loopback for integration tests: lay out, start, kill, wait.

Tests wait for what they need to see (a height, a peer gone, a tx pending), polling
with a deadline; the deadline only bounds a failure, it never paces a passing run.
"""

from __future__ import annotations

import json
import os
import signal
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from govchain.client.sdk import NodeClient, NodeUnreachableError
from govchain.node import launcher
from govchain.node.netinit import NetworkLayout, NodeLayout, init_network
from govchain.node.ports import free_base_port
from tests.govchain_cli import govchain

WAIT_S = 60.0
LOG_TAIL_LINES = 15


@contextmanager
def running_network(
    directory: Path,
    validators: int,
    full_nodes: int = 0,
    suite: str = "gm",
    api_tls: bool = False,
    storage_nodes: int = 0,
    before_up: Callable[[NetworkLayout], None] | None = None,
) -> Iterator[NetworkLayout]:
    """A laid-out, started network; every node is stopped afterwards, whatever happens.

    With ``api_tls`` the APIs are HTTPS (``net init --api-tls``); readiness is
    checked against the network's CA bundle. ``storage_nodes`` storage nodes are
    laid out and started too. ``before_up`` may change the laid-out homes first.
    """
    base = free_base_port(2 * (validators + full_nodes) + storage_nodes)
    layout = init_network(
        directory,
        validators=validators,
        full_nodes=full_nodes,
        suite_name=suite,
        base_port=base,
        api_tls=api_tls,
        storage_nodes=storage_nodes,
    )
    if before_up is not None:
        before_up(layout)
    try:
        launcher.up(layout)
        assert_ready(layout)
        yield layout
    finally:
        launcher.down(layout, grace_s=10)


def assert_ready(layout: NetworkLayout, timeout_s: float = launcher.READY_TIMEOUT_S) -> None:
    """Wait for every node's API; on a late one, fail with its state and the tail of its logs.

    A node that does not answer in time has either died (its output says why) or
    is still starting (its log says where it is): the failure shows both.
    """
    late = launcher.wait_ready(layout, timeout_s)
    if not late:
        return
    homes = {n.name: n.home for n in launcher.every_process(layout)}
    report = [f"not answering after {timeout_s:g} s: {late}"]
    for name in late:
        home = homes[name]
        pid = launcher.running_pid(home)
        report.append(f"--- {name}: {'pid ' + str(pid) if pid else 'not running'}")
        for log in ("node.out", "node.log"):
            path = home / log
            if path.exists():
                lines = path.read_text(errors="replace").splitlines()[-LOG_TAIL_LINES:]
                report += [f"{name}/{log}: {line}" for line in lines]
    raise AssertionError("\n".join(report))


def status_of(url: str, ca_bundle: Path | None = None) -> dict[str, Any] | None:
    """A node's ``/v1/status`` answer, or None if it does not answer."""
    try:
        with NodeClient(url, timeout_s=2, ca_bundle=ca_bundle) as client:
            return client.status()
    except NodeUnreachableError:
        return None


def height_of(url: str) -> int | None:
    """A node's height, or None if it does not answer."""
    status = status_of(url)
    return None if status is None else int(status["height"])


def wait_for(
    condition: Callable[[], object], timeout_s: float = WAIT_S, what: str = "condition"
) -> None:
    """Poll ``condition()`` until true; AssertionError naming ``what`` after ``timeout_s``."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.2)
    raise AssertionError(f"timed out after {timeout_s:g} s waiting for {what}")


def holds_throughout(condition: Callable[[], object], for_s: float, what: str) -> None:
    """Check ``condition()`` again and again for ``for_s`` seconds; fail the moment it is false.

    Only for what must NOT happen (a halted chain commits nothing): absence can only
    be watched over a span. Start it after an event that makes the condition true.
    """
    deadline = time.monotonic() + for_s
    while True:
        assert condition(), f"no longer true: {what}"
        if time.monotonic() >= deadline:
            return
        time.sleep(0.2)


def settled_height(nodes: list[NodeLayout], gone: set[str], timeout_s: float = WAIT_S) -> int:
    """The one height ``nodes`` agree on once none of them has a link to a node in ``gone``.

    A node drops its link when the peer process dies, after reading all that peer
    sent; so once the links are gone, no vote of the dead is still on its way.
    """
    heights: set[int] = set()

    def settled() -> bool:
        statuses = [status_of(n.api_url) for n in nodes]
        if any(s is None for s in statuses):
            return False
        linked = {p["address"] for s in statuses if s is not None for p in s["peers"]}
        heights.clear()
        heights.update(int(s["height"]) for s in statuses if s is not None)
        return not linked & gone and len(heights) == 1

    wait_for(settled, timeout_s, f"{[n.name for n in nodes]} to drop {sorted(gone)} and agree")
    return heights.pop()


def decide_by_vote(urls: list[str], layout: NetworkLayout, action: str, args: Any) -> int:
    """Propose ``action`` as the first member through the nodes at ``urls``; the first three
    members vote yes and the third vote executes it. Returns the height that executed it."""
    nodes = ["--node", ",".join(urls)]
    admins = [admin for _, _, admin in layout.members]
    sets = [f"--set={key}={value}" for key, value in args.items()]
    proposed = govchain(
        "gov", "propose", action, *nodes, "--key", admins[0], *sets,
        "--reason", f"test {action}", "--json",
    )  # fmt: skip
    proposal = str(json.loads(proposed.stdout)["proposal"])
    outcomes = []
    for admin in admins[:3]:
        voted = govchain("gov", "vote", proposal, *nodes, "--key", admin, "--yes", "--json")
        outcomes.append(json.loads(voted.stdout)["decided"])
    assert outcomes == [None, None, "executed"], outcomes
    with NodeClient(urls, timeout_s=10) as client:
        height = client.get_json(f"/v1/gov/proposals/{proposal}")["proposal"]["decided_height"]
    assert isinstance(height, int)
    return height


def kill_node(home: Path) -> None:
    """SIGKILL a node process (no chance to clean up)."""
    pid = launcher.running_pid(home)
    assert pid is not None, f"{home} is not running"
    os.kill(pid, signal.SIGKILL)
    wait_for(lambda: launcher.running_pid(home) is None, 10, f"{home} to die")
