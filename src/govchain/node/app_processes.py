"""The off-chain processes ``govchain net up --with-console`` runs beside a network's nodes.

Three processes, each reading the nodes only through their public API
(issue 19 item 7): the indexer (``govchain indexer run``, SQLite file
``D/apps/indexer/index.db``), the monitor (``govchain monitor run``, state
and ``alerts.sqlite`` in ``D/apps/monitor``, thresholds in
``D/apps/monitor.toml``) and the console (``govchain console`` on
``127.0.0.1:PORT``). ``D/apps/apps.json`` records the console's port, chosen
once (8700 when it is free), so a later run serves the same URL.

Each process runs in its own session with its output in
``D/apps/NAME/node.out`` and its pid in ``D/apps/NAME/node.pid`` (written by
``net up`` when it starts it). A pid counts as that process only if its
command line is the app's command with the app's own path option for this
network (see :func:`govchain.node.launcher.is_process_of`).
"""

from __future__ import annotations

import json
import socket
import sys
from dataclasses import dataclass
from pathlib import Path

from govchain.node.netinit import GENESIS_FILE, NetworkLayout
from govchain.types.errors import ValidationError

__all__ = [
    "APPS_DIR",
    "CONSOLE_PORT",
    "AppProcess",
    "app_processes",
    "apps_laid_out",
    "lay_out_apps",
]

APPS_DIR = "apps"
APPS_FILE = "apps.json"
MONITOR_CONFIG = "monitor.toml"
CONSOLE_PORT = 8700
"""The console's port when it is free on the first run; else any free port."""
CONSOLE_HOST = "127.0.0.1"
INDEXER_POLL_S = "0.5"
MONITOR_POLL_S = "2"

_MONITOR_DEFAULTS = """\
# Thresholds of the monitor that `govchain net up --with-console` runs
# (docs/spec/monitoring.md; `govchain monitor rules --config THIS` lists them).
# Edit, then restart net up.
[thresholds]
height_stall_s = 30
missing_blocks = 5
"""


@dataclass(frozen=True, slots=True)
class AppProcess:
    """One off-chain process of the network: its name, home, command line and how it is known."""

    name: str
    home: Path
    command: tuple[str, ...]
    """The ``govchain`` words that name the command (``indexer run``)."""
    options: tuple[str, ...]
    """The rest of the command line."""
    owner_option: str
    """The option whose path ties a running process to this network (see the module doc)."""
    owner_path: Path
    url: str = ""
    """Where it answers over HTTP (the console), else empty."""
    ready_file: Path | None = None
    """A file it writes once it runs (the indexer's database, the monitor's alerts)."""

    def argv(self) -> list[str]:
        """The full command line: this Python, ``-m govchain``, the command and its options."""
        return [sys.executable, "-m", "govchain", *self.command, *self.options]

    def where(self) -> str:
        """What ``net status`` shows for it: its URL or its file."""
        return self.url or str(self.ready_file or self.home)


def apps_laid_out(directory: Path) -> bool:
    """Whether ``net up --with-console`` has run on the network in ``directory``."""
    return (directory / APPS_DIR / APPS_FILE).is_file()


def lay_out_apps(layout: NetworkLayout) -> tuple[AppProcess, ...]:
    """Write ``D/apps`` (its homes, the console's port, the monitor's config) when missing,
    and return the processes, in the order they start."""
    apps = layout.directory / APPS_DIR
    for name in ("indexer", "monitor", "console"):
        (apps / name).mkdir(parents=True, exist_ok=True)
    config = apps / MONITOR_CONFIG
    if not config.exists():
        config.write_text(_MONITOR_DEFAULTS, encoding="utf-8")
    if not (apps / APPS_FILE).exists():
        port = CONSOLE_PORT if _port_free(CONSOLE_PORT) else _free_port()
        (apps / APPS_FILE).write_text(json.dumps({"console_port": port}) + "\n")
    return app_processes(layout)


def app_processes(layout: NetworkLayout) -> tuple[AppProcess, ...]:
    """The network's off-chain processes (none before ``net up --with-console`` ran);
    ValidationError when ``D/apps/apps.json`` is not what it writes."""
    directory = layout.directory
    if not apps_laid_out(directory):
        return ()
    apps = directory / APPS_DIR
    port = _console_port(apps / APPS_FILE)
    genesis = directory / GENESIS_FILE
    nodes = ",".join(node.api_url for node in layout.nodes)  # the console shows each one
    access: tuple[str, ...] = ("--node", nodes)
    if layout.ca_bundle is not None:
        access = (*access, "--ca-bundle", str(layout.ca_bundle))
    index_db = apps / "indexer" / "index.db"
    db_url = f"sqlite:///{index_db.resolve()}"
    state = apps / "monitor"
    watched: list[str] = []
    for node in layout.nodes:  # the monitor watches each node on its own
        watched += ["--node", node.api_url]
    if layout.ca_bundle is not None:
        watched += ["--ca-bundle", str(layout.ca_bundle)]
    return (
        AppProcess(
            "indexer", apps / "indexer", ("indexer", "run"),
            (*access, "--db", db_url, "--genesis", str(genesis), "--poll-s", INDEXER_POLL_S),
            "--genesis", genesis, ready_file=index_db,
        ),
        AppProcess(
            "monitor", state, ("monitor", "run"),
            (*watched, "--state-dir", str(state), "--config", str(apps / MONITOR_CONFIG),
             "--poll-s", MONITOR_POLL_S),
            "--state-dir", state, ready_file=state / "alerts.sqlite",
        ),
        AppProcess(
            "console", apps / "console", ("console",),
            (*access, "--db", db_url, "--alerts", str(state / "alerts.sqlite"),
             "--genesis", str(genesis), "--host", CONSOLE_HOST, "--port", str(port)),
            "--genesis", genesis, url=f"http://{CONSOLE_HOST}:{port}",
        ),
    )  # fmt: skip


def _console_port(path: Path) -> int:
    try:
        port = json.loads(path.read_text(encoding="utf-8"))["console_port"]
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise ValidationError(f"{path}: not as net up writes it ({exc}); remove it") from None
    if type(port) is not int or not 1 <= port <= 65535:
        raise ValidationError(f"{path}: console_port: expected 1..65535; remove the file")
    return port


def _port_free(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        try:
            probe.bind((CONSOLE_HOST, port))
        except OSError:
            return False
    return True


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind((CONSOLE_HOST, 0))
        return int(probe.getsockname()[1])
