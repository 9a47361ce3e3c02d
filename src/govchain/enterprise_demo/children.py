"""The demo's own child processes: the seven department systems and their adapters.

Each child runs ``python -m govchain ...`` in its own process group with its
output in a log file under ``D/logs``; :class:`Children` stops every child it
started (SIGTERM, then SIGKILL after a grace), whatever happened before.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

__all__ = ["ChildFailedError", "Children", "adapter_command", "department_command"]

START_TIMEOUT_S = 30.0
STOP_GRACE_S = 5.0
_POLL_S = 0.1


class ChildFailedError(RuntimeError):
    """A child process ended or did not start; the message names it and its log file."""


def department_command(kind: str, options: tuple[str, ...]) -> list[str]:
    """The command line of a demo department system on a free port."""
    return ["demo", "department", "--kind", kind, "--port", "0", *options]


def adapter_command(
    nodes: tuple[str, ...],
    key: Path,
    locker_password_file: Path,
    department: str,
    endpoint: str,
    state_dir: Path,
    genesis: Path,
) -> list[str]:
    """The command line of ``govchain adapter run`` for one department (docs/spec/workflow.md)."""
    return [
        "adapter", "run", "--node", ",".join(nodes), "--key", str(key),
        "--locker-password-file", str(locker_password_file), "--department", department,
        "--endpoint", endpoint, "--state-dir", str(state_dir), "--genesis", str(genesis),
        "--poll-s", "0.3",
    ]  # fmt: skip


class Children:
    """The child processes one demo run started, by name; stopped together by :meth:`stop_all`."""

    def __init__(self, log_dir: Path) -> None:
        self.log_dir = log_dir
        self._running: dict[str, subprocess.Popen[bytes]] = {}

    def start(self, name: str, arguments: list[str]) -> Path:
        """Start ``govchain <arguments>`` as child ``name``; its log file."""
        self.log_dir.mkdir(parents=True, exist_ok=True)
        log = self.log_dir / f"{name}.log"
        with log.open("wb") as out:
            self._running[name] = subprocess.Popen(
                [sys.executable, "-m", "govchain", *arguments],
                stdin=subprocess.DEVNULL,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        return log

    def first_line(self, name: str, prefix: str, timeout_s: float = START_TIMEOUT_S) -> str:
        """Wait for the first line of child ``name``'s log starting with ``prefix``; that line.

        ChildFailedError when the child ends first or ``timeout_s`` passes.
        """
        log = self.log_dir / f"{name}.log"
        deadline = time.monotonic() + timeout_s
        while True:
            for line in log.read_text(encoding="utf-8", errors="replace").splitlines():
                if line.startswith(prefix):
                    return line
            if self._running[name].poll() is not None:
                raise ChildFailedError(f"{name} ended at start (see {log})")
            if time.monotonic() >= deadline:
                raise ChildFailedError(f"{name} did not start in {timeout_s:g} s (see {log})")
            time.sleep(_POLL_S)

    def ended(self) -> list[str]:
        """The names of the children that are no longer running."""
        return sorted(name for name, child in self._running.items() if child.poll() is not None)

    def stop_all(self, grace_s: float = STOP_GRACE_S) -> None:
        """SIGTERM every child still running, SIGKILL those left after ``grace_s``."""
        for child in self._running.values():
            _signal_group(child, signal.SIGTERM)
        deadline = time.monotonic() + grace_s
        for child in self._running.values():
            try:
                child.wait(max(0.0, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                _signal_group(child, signal.SIGKILL)
                child.wait()
        self._running.clear()


def _signal_group(child: subprocess.Popen[bytes], signum: int) -> None:
    if child.poll() is not None:
        return
    with contextlib.suppress(ProcessLookupError):
        os.killpg(child.pid, signum)
