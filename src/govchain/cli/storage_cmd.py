"""``govchain storage``: run a storage node, and re-check its blobs (F-A1, docs/spec/assets.md)."""

from __future__ import annotations

import asyncio
import logging
import os
from pathlib import Path

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn
from rich.table import Table

from govchain.cli.console import console, fail, print_json, reports_errors
from govchain.cli.until_signalled import until_signalled
from govchain.node.home_lock import HomeLock
from govchain.node.launcher import LOCK_FILE, PID_FILE
from govchain.node.logs import configure_logging
from govchain.storage.blobs.scrub import BlobHealth, ScrubReport, scrub
from govchain.storage_node.config import StorageConfig, StorageConfigError, read_storage_config
from govchain.storage_node.server import StorageNode, open_home_store

app = typer.Typer(help="Storage nodes: encrypted asset content by hash.", no_args_is_help=True)

HOME_HELP = "The storage node's home (net init --storage-nodes K lays out DIR/storageK)."


@app.command("serve")
@reports_errors
def serve(
    home: Path = typer.Option(..., "--home", help=HOME_HELP),
    log_format: str | None = typer.Option(
        None, "--log-format", help="json (JSON lines) or text; default: \\[log] in storage.toml."
    ),
) -> None:
    """Serve the blob API of HOME (PUT /v1/blobs, GET /v1/blobs/HASH) until SIGTERM or Ctrl-C.

    Every request is signed by an account; the storage node reads that
    account, its member and the asset or locker that names a blob from the
    chain nodes of storage.toml, each with its state fact verified against
    the genesis. One process per home (HOME/node.lock); logs in
    HOME/node.log. A problem with the home (a bad setting, the genesis, the
    blob store, a port in use) stops it at once with one line and status 1.
    """
    home = home.resolve()
    if not home.is_dir():
        fail(f"--home {home}: no such directory")
    lock = HomeLock.take(home / LOCK_FILE, f"storage home {home}")
    try:
        config = _config_or_exit(home)
        if log_format not in (None, "json", "text"):
            fail(f"--log-format {log_format!r}: expected json or text")
        log_file = configure_logging(home, log_format or config.log_format, config.log_level)
        logging.getLogger("httpx").setLevel(logging.WARNING)  # not a line per chain read
        pid_file = home / PID_FILE
        pid_file.write_text(f"{os.getpid()}\n")  # ours to write: we hold the home's lock
        try:
            node = StorageNode(home)
            started = (
                f"{config.name} (storage, {config.backend}): API {config.url}, logs in {log_file}"
            )
            asyncio.run(
                until_signalled(
                    node.run, lambda: console.print(started, highlight=False, soft_wrap=True)
                )
            )
        finally:
            pid_file.unlink(missing_ok=True)
    finally:
        lock.release()


def _config_or_exit(home: Path) -> StorageConfig:
    """The home's storage.toml, or exit 1 naming every problem, one line each."""
    try:
        return read_storage_config(home)
    except StorageConfigError as exc:  # every problem at once, one line each
        for problem in exc.problems:
            typer.echo(f"error: {problem}", err=True)
        raise typer.Exit(1) from None


@app.command("scrub")
@reports_errors
def scrub_command(
    home: Path = typer.Option(..., "--home", help=HOME_HELP),
    json_out: bool = typer.Option(False, "--json", help="Print one JSON object, no progress."),
) -> None:
    """Read every blob of HOME's store back and check its hash; exit 1 if any fails.

    Nothing is changed: a corrupt blob (its bytes no longer match its hash)
    is listed, and readers get it from another storage node meanwhile (the
    node never returns it). Unreadable: gone since the listing, or the store
    failed to read it. It may run while the node serves.
    --json: {checked, ok, corrupt: [hash], unreadable: [hash]}.
    """
    home = home.resolve()
    _config_or_exit(home)
    config, _genesis, _suite, store = open_home_store(home, owner=False)
    if json_out:
        report = scrub(store)
        print_json(report.to_json())
    else:
        total = sum(1 for _ in store.digests())
        columns = (TextColumn("scrub"), BarColumn(), MofNCompleteColumn())
        with Progress(*columns, console=console, transient=True) as progress:
            task = progress.add_task("blobs", total=total)

            def advance(_digest: bytes, _health: BlobHealth) -> None:
                progress.advance(task)

            report = scrub(store, advance)
        _print_report(config.name, report)
    if not report.clean:
        raise typer.Exit(1)


def _print_report(name: str, report: ScrubReport) -> None:
    table = Table(title=f"scrub of {name}")
    for column in ("blobs", "intact", "corrupt", "unreadable"):
        table.add_column(column, justify="right")
    table.add_row(
        str(report.checked), str(report.ok), str(len(report.corrupt)), str(len(report.unreadable))
    )
    console.print(table)
    for what, digests in (("corrupt", report.corrupt), ("unreadable", report.unreadable)):
        for digest in digests:
            console.print(f"[red]{what}[/]: {digest.hex()}", highlight=False)
    if report.clean:
        console.print("every blob is intact")
