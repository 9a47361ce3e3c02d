"""``govchain node start``: run one node in the foreground until SIGTERM or Ctrl-C."""

from __future__ import annotations

import asyncio
import os
import signal
from pathlib import Path

import typer

from govchain.cli.console import console, fail, reports_errors
from govchain.cli.until_signalled import until_signalled
from govchain.node.config import ConfigError, read_config
from govchain.node.gc_tuning import tune_gc
from govchain.node.home_lock import HomeLock
from govchain.node.launcher import LOCK_FILE, PID_FILE
from govchain.node.logs import configure_logging
from govchain.node.runtime import Node

app = typer.Typer(help="Run a node.", no_args_is_help=True)


@app.command("start")
@reports_errors
def start(
    home: Path = typer.Option(..., "--home", help="The node's home directory (from net init)."),
    log_format: str | None = typer.Option(
        None,
        "--log-format",
        help="json (JSON lines) or text; default: the \\[log] section of config.toml.",
    ),
) -> None:
    """Start the node of HOME: peer network, consensus (validators), block sync and API.

    One node per home: a second start on a running home exits 1 naming the
    running pid (HOME/node.lock). Logs go to HOME/node.log. SIGTERM or Ctrl-C
    stops it cleanly. When a part of the node fails (a store or WAL that
    cannot be written, a bug) it stops with one line saying why and exits 1;
    `net up` starts it again.
    """
    # A file-size limit (ulimit -f) must end in an error we can name (EFBIG), not
    # in a kill by SIGXFSZ that leaves no reason behind.
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
    home = home.resolve()
    if not home.is_dir():
        fail(f"--home {home}: no such directory")
    lock = HomeLock.take(home / LOCK_FILE, f"node home {home}")  # before anything else
    try:
        config = read_config(home)
    except ConfigError as exc:  # every problem at once, one line each
        for problem in exc.problems:
            typer.echo(f"error: {problem}", err=True)
        raise typer.Exit(1) from None
    if log_format not in (None, "json", "text"):
        fail(f"--log-format {log_format!r}: expected json or text")
    log_file = configure_logging(home, log_format or config.log_format, config.log_level)
    pid_file = home / PID_FILE
    pid_file.write_text(f"{os.getpid()}\n")  # ours to write: we hold the home's lock
    try:
        node = Node(home)
        tune_gc()  # after the node is built: what it holds now is never walked again
        started = (
            f"{config.name} ({config.role}): API {config.api_url}, "
            f"peers on {config.p2p_listen}, logs in {log_file}"
        )
        asyncio.run(
            until_signalled(
                node.run, lambda: console.print(started, highlight=False, soft_wrap=True)
            )
        )
    finally:
        pid_file.unlink(missing_ok=True)
        lock.release()
