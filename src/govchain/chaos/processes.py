"""What a chaos run does to node processes and their files: kill, hang, resume, restart, tear.

Nothing here decides *when*; :mod:`govchain.chaos.run` does.
"""

from __future__ import annotations

import contextlib
import os
import signal
import time

from govchain.consensus.wal import last_record_start
from govchain.node import launcher
from govchain.node.netinit import NodeLayout
from govchain.node.runtime import WAL_FILE

__all__ = [
    "cut_wal_tail",
    "heights",
    "kill",
    "restart",
    "resume",
    "stop",
]

DEATH_WAIT_S = 10.0
STATUS_TIMEOUT_S = 1.0


def kill(node: NodeLayout) -> bool:
    """SIGKILL the node's process and wait until it is gone; False if it was not running."""
    pid = launcher.running_pid(node.home)
    if pid is None:
        return False
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, signal.SIGCONT)  # a stopped process dies just the same; be sure of it
        os.kill(pid, signal.SIGKILL)
    deadline = time.monotonic() + DEATH_WAIT_S
    while launcher.running_pid(node.home) is not None and time.monotonic() < deadline:
        time.sleep(0.05)
    return True


def stop(node: NodeLayout) -> int | None:
    """SIGSTOP the node (it hangs, sockets open); its pid, or None if not running."""
    pid = launcher.running_pid(node.home)
    if pid is not None:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGSTOP)
    return pid


def resume(pid: int) -> None:
    """SIGCONT a stopped process (nothing if it is gone)."""
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, signal.SIGCONT)


def restart(node: NodeLayout) -> int:
    """Start the node's process again from its home; its new pid."""
    return launcher.start_node(node).pid


def cut_wal_tail(node: NodeLayout, cut_bytes: int) -> int:
    """Cut up to ``cut_bytes`` off the end of the node's WAL, as a torn last write would.

    The cut never reaches past the start of the last record, so what is lost
    is a record whose write had not finished (and so was never acted on), not
    one the node already signed and sent. Returns the bytes cut (0 if the WAL
    has no record yet). Only call this while the node is down.
    """
    path = node.home / WAL_FILE
    try:
        size = path.stat().st_size
    except FileNotFoundError:
        return 0
    last = last_record_start(path)
    if last is None:
        return 0
    cut = min(cut_bytes, size - last - 1)
    if cut <= 0:
        return 0
    os.truncate(path, size - cut)
    return cut


def heights(nodes: list[NodeLayout]) -> dict[str, int | None]:
    """Each node's height from its API; None where it does not answer quickly."""
    found: dict[str, int | None] = {}
    for node in nodes:
        answer = launcher.api_status(node.api_url, STATUS_TIMEOUT_S)
        found[node.name] = None if answer is None else int(answer["height"])
    return found
