"""``govchain net up`` keeps a network's nodes running: a node that fails is started again.

Storage nodes are kept the same way as chain nodes, and so are the off-chain
apps of ``net up --with-console`` (indexer, monitor, console), once added.

Issue 13 item 1. A node stops itself, exiting non-zero, when one of its
parts fails (``node.supervision``); started again, it recovers from disk.
The keeper notices the exit, logs one line with the node's own reason
(its last ``error:`` line in ``node.out``) and restarts it after a back-off delay:
1, 2, 4, 8, 16, then 30 s. After ``RESTARTS_MAX`` failures in a row it
gives up on that node (the others keep running); a node that ran for
``STABLE_RUN_S`` before it failed starts a fresh count. A node that exits
0 was stopped on purpose (SIGTERM) and is not restarted.

The restart policy (:class:`RestartBudget`) is pure: it takes how long the
node ran and returns the delay, so it is tested without waiting.
"""

from __future__ import annotations

import os
import signal
import subprocess
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from govchain.node import launcher
from govchain.node.netinit import NetworkLayout

__all__ = [
    "CHECK_INTERVAL_S",
    "RESTARTS_MAX",
    "RESTART_DELAYS_S",
    "STABLE_RUN_S",
    "NetworkKeeper",
    "RestartBudget",
    "last_words",
]

RESTART_DELAYS_S = (1.0, 2.0, 4.0, 8.0, 16.0, 30.0)
"""The wait before the first, second, ... restart of a node; the last one repeats."""
RESTARTS_MAX = 8
"""Failures in a row after which a node is left stopped."""
STABLE_RUN_S = 60.0
"""A node that ran this long before it failed gets a fresh count of restarts."""
CHECK_INTERVAL_S = 0.5
"""How often the keeper looks at its nodes."""
LAST_WORDS_BYTES = 4096
"""How much of the end of ``node.out`` is read for a node's last line."""


@dataclass
class RestartBudget:
    """How often, and after how long, one node is restarted."""

    failures: int = 0
    """Failures in a row (reset by a stable run)."""

    def next_delay_s(self, ran_s: float) -> float | None:
        """The wait before restarting a node that failed after running ``ran_s``; None: give up."""
        if ran_s >= STABLE_RUN_S:
            self.failures = 0
        if self.failures >= RESTARTS_MAX:
            return None
        delay = RESTART_DELAYS_S[min(self.failures, len(RESTART_DELAYS_S) - 1)]
        self.failures += 1
        return delay


@dataclass
class _Watched:
    """One node as the keeper follows it."""

    node: launcher.AnyNode
    process: subprocess.Popen[bytes] | None
    """The process when the keeper started it (its exit status is known)."""
    pid: int | None
    started_at: float
    budget: RestartBudget = field(default_factory=RestartBudget)
    out_offset: int = 0
    """The size of ``node.out`` when the process was started: what it printed follows."""
    restart_at: float | None = None
    done: bool = False
    """Stopped for good: exited 0, or out of restarts."""


class NetworkKeeper:
    """Starts a network's missing nodes and restarts those that fail."""

    def __init__(
        self,
        layout: NetworkLayout,
        say: Callable[[str], None],
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.layout = layout
        self._say = say
        self._clock = clock
        self._watched: list[_Watched] = []

    def start(self, stop_requested: Callable[[], bool] = lambda: False) -> int:
        """Start every node that is not running, follow those that are; return how many started.

        Stops starting nodes as soon as ``stop_requested()`` is true.
        """
        started = 0
        for node in launcher.every_process(self.layout):
            if stop_requested():
                break
            pid = launcher.pid_of(node)
            watched = _Watched(node, None, pid, self._clock())
            if pid is None:
                self._start(watched)
                started += 1
            self._watched.append(watched)
        return started

    def add(self, process: launcher.AnyNode) -> bool:
        """Follow one more process (an app of ``net up --with-console``) like a node, starting
        it when it does not run; whether it was started."""
        pid = launcher.pid_of(process)
        watched = _Watched(process, None, pid, self._clock())
        if pid is None:
            self._start(watched)
        self._watched.append(watched)
        return pid is None

    def check(self) -> None:
        """Restart the nodes whose delay is over; notice those that exited."""
        now = self._clock()
        for watched in self._watched:
            if watched.done:
                continue
            if watched.restart_at is not None:
                if now >= watched.restart_at:
                    self._start(watched)
                continue
            status = self._exit_status(watched)
            if status is not None:
                self._exited(watched, status, now - watched.started_at)

    def _start(self, watched: _Watched) -> None:
        watched.out_offset = _size(watched.node.home / launcher.OUT_FILE)
        process = launcher.start_node(watched.node)
        watched.process, watched.pid = process, process.pid
        watched.started_at, watched.restart_at = self._clock(), None
        self._say(f"started {watched.node.name} (pid {process.pid})")

    def _exit_status(self, watched: _Watched) -> str | None:
        """None while the node runs; else how it ended, in words."""
        if watched.process is not None:
            code = watched.process.poll()
            if code is None:
                return None
            if code < 0:
                return f"was killed by {signal.Signals(-code).name}"
            return f"exited with status {code}"
        if launcher.pid_of(watched.node) is not None:
            return None
        return "ended (status unknown: not started by this net up)"

    def _exited(self, watched: _Watched, status: str, ran_s: float) -> None:
        name = watched.node.name
        if status == "exited with status 0":
            self._say(f"{name} stopped (status 0); not restarting it")
            watched.done = True
            return
        words = last_words(watched.node, watched.out_offset)
        why = f": {words}" if words else ""
        delay_s = watched.budget.next_delay_s(ran_s)
        if delay_s is None:
            self._say(
                f"{name} {status}{why}; it failed {RESTARTS_MAX} times in a row, "
                f"not restarting it (see {watched.node.home / 'node.log'})"
            )
            watched.done = True
            return
        self._say(
            f"{name} {status}{why}; restarting it in {delay_s:g} s "
            f"(restart {watched.budget.failures} of at most {RESTARTS_MAX} in a row)"
        )
        watched.restart_at = self._clock() + delay_s


def last_words(node: launcher.AnyNode, offset: int = 0) -> str:
    """The last ``error:`` line the node's process printed after ``offset`` of ``node.out``."""
    path = node.home / launcher.OUT_FILE
    try:
        with path.open("rb") as out:
            end = out.seek(0, os.SEEK_END)
            out.seek(max(offset, end - LAST_WORDS_BYTES))
            tail = out.read().decode("utf-8", "replace")
    except OSError:
        return ""
    errors = [line.strip() for line in tail.splitlines() if line.startswith("error: ")]
    return errors[-1] if errors else ""


def _size(path: Path) -> int:
    try:
        return path.stat().st_size
    except OSError:
        return 0
