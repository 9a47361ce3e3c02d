"""``govchain net up --with-console``: the indexer, the monitor and the console beside the
nodes, and the demo seeded once (issue 19 item 7; ``govchain.node.app_processes``).

The apps start once every node answers, in order: the indexer and the
monitor, then (once their files are there) the console. Then, unless
``D/demo/seed.json`` says the network is seeded, ``govchain demo seed --dir
D`` runs as a child process (its output in ``D/demo/seed.out``); ``net up``
says when it is done. The keeper restarts an app that fails, as it does a
node; stopping ``net up`` stops them all.
"""

from __future__ import annotations

import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from rich.console import Console
from rich.table import Table

from govchain.enterprise_demo.seed import SEED_DIR, read_seeded
from govchain.node import launcher
from govchain.node.app_processes import AppProcess, lay_out_apps
from govchain.node.keeper import NetworkKeeper
from govchain.node.launcher import app_ready
from govchain.node.netinit import NetworkLayout

__all__ = ["RunningApps", "apps_json", "print_apps", "start_apps"]

SEED_OUT = "seed.out"
APP_READY_TIMEOUT_S = 60.0
SEED_STOP_S = 30.0
"""How long a stopping net up lets the seed finish its stage (it stops between stages)."""


@dataclass
class RunningApps:
    """The apps ``net up`` keeps, and the seed while it runs."""

    layout: NetworkLayout
    apps: tuple[AppProcess, ...]
    say: Callable[[str], None]
    seed: subprocess.Popen[bytes] | None = None
    said: set[str] = field(default_factory=set)

    @property
    def console_url(self) -> str:
        """The console's URL."""
        return next(app.url for app in self.apps if app.url)

    def ready_lines(self) -> list[str]:
        """What ``net up`` prints beside the API URLs: the console, the index, the alerts."""
        lines = []
        for app in self.apps:
            lines.append(f"  {app.name:<8} {app.where()}" + ("/" if app.url else ""))
        return lines

    def check_seed(self) -> None:
        """Say how the seed ended, once it has."""
        if self.seed is None or self.seed.poll() is None:
            return
        code, self.seed = self.seed.returncode, None
        out = self.layout.directory / SEED_DIR / SEED_OUT
        seeded = read_seeded(self.layout.directory)
        if code == 0 and seeded is not None:
            self.say(f"demo seeded: case {seeded.case}, see {self.console_url}/cases/{seeded.case}")
        else:
            self.say(f"the demo seed failed (status {code}): {_last_line(out)} (see {out})")

    def stop_seed(self) -> None:
        """Stop the seed if it still runs: it ends its stage (the next run goes on from there)."""
        if self.seed is None or self.seed.poll() is not None:
            return
        self.seed.terminate()
        try:
            self.seed.wait(SEED_STOP_S)
        except subprocess.TimeoutExpired:
            self.seed.kill()
            self.seed.wait()


def start_apps(
    keeper: NetworkKeeper,
    layout: NetworkLayout,
    say: Callable[[str], None],
    stop_requested: Callable[[], bool],
) -> RunningApps:
    """Start the apps that do not run (waiting for each one's file or page), then the seed."""
    apps = lay_out_apps(layout)
    running = RunningApps(layout, apps, say)
    for app in apps:
        if stop_requested():
            return running
        keeper.add(app)
        if not _wait(app, stop_requested):
            say(f"{app.name} is not ready yet (see {app.home / launcher.OUT_FILE})")
    seeded = read_seeded(layout.directory)
    if seeded is not None:
        say(f"demo already seeded: case {seeded.case} (nothing seeded again)")
    elif not stop_requested():
        directory = layout.directory / SEED_DIR
        directory.mkdir(exist_ok=True)
        say(f"seeding the demo (its output: {directory / SEED_OUT}) ...")
        with (directory / SEED_OUT).open("ab") as out:
            running.seed = subprocess.Popen(
                [sys.executable, "-m", "govchain", "demo", "seed", "--dir", str(layout.directory)],
                stdin=subprocess.DEVNULL,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
    return running


def print_apps(console: Console, apps: tuple[AppProcess, ...]) -> None:
    """The apps' table of ``net status``: name, pid, URL or file, ready."""
    table = Table(title="apps (net up --with-console)")
    for column in ("name", "pid", "URL or file", "ready"):
        table.add_column(column)
    for app in apps:
        pid = launcher.pid_of(app)
        ready = "yes" if app_ready(app) else "no"
        table.add_row(app.name, "-" if pid is None else str(pid), app.where(), ready)
    console.print(table)


def apps_json(apps: tuple[AppProcess, ...]) -> list[dict[str, object]]:
    """The apps as ``net status --json`` gives them: name, pid, url (or file), ready."""
    return [
        {"name": a.name, "pid": launcher.pid_of(a), "url": a.where(), "ready": app_ready(a)}
        for a in apps
    ]


def _wait(app: AppProcess, stop_requested: Callable[[], bool]) -> bool:
    deadline = time.monotonic() + APP_READY_TIMEOUT_S
    while not app_ready(app):
        if stop_requested() or time.monotonic() >= deadline:
            return False
        time.sleep(0.2)
    return True


def _last_line(path: Path) -> str:
    try:
        lines = path.read_text(encoding="utf-8", errors="replace").strip().splitlines()
    except OSError:
        return ""
    return lines[-1] if lines else ""
