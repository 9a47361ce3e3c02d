"""``govchain audit log``: a node's API access log, its chain checked (docs/spec/audit.md, F-E2)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import typer
from rich.markup import escape
from rich.table import Table

from govchain.cli.asset_options import json_option
from govchain.cli.console import console, fail, human_time_ms, print_json, reports_errors
from govchain.crypto import suite_for
from govchain.ledger.genesis_file import load_genesis
from govchain.storage.access_log import ACCESS_LOG_FILE, read_access_log, verify_access_log
from govchain.types.errors import ValidationError

__all__ = ["app"]

app = typer.Typer(no_args_is_help=True, help="Audit: a node's API access log (who read what).")


@app.command("log")
@reports_errors
def log_command(
    home: Path = typer.Option(..., "--home", help="The node's home directory."),
    tail: int = typer.Option(20, "--tail", min=0, max=10_000, help="Lines shown (the last)."),
    security: bool = typer.Option(False, "--security", help="Show only security events."),
    out: Path | None = typer.Option(
        None, "--out", help="Export the checked log here (JSON lines) with OUT.check.json."
    ),
    json_out: bool = json_option(),
) -> None:
    """Check the access log's hash chain and show its last lines.

    Every API answer of the node is a line: time, method, route, status, the
    account that signed the request, the client, and whether it is a security
    event (a refused signature, a permission denied, a rate limit hit). A
    line deleted, reordered or changed breaks the chain: the command exits 1
    naming the first such line. --out exports the log with its check.
    """
    path = home / ACCESS_LOG_FILE
    if not path.exists():
        fail(f"{path}: no access log (has the node served its API?)")
    suite = suite_for(load_genesis(home / "genesis.json").suite)
    try:
        check = verify_access_log(path, suite.hash)
    except ValidationError as exc:
        fail(f"the access log does not verify: {exc}")
    lines = [e for e in read_access_log(path) if not security or e.get("kind") == "security"]
    shown = lines[-tail:] if tail else []
    summary = {"lines": check.lines, "last_hash": check.last_hash, "security": check.security}
    if out is not None:
        shutil.copyfile(path, out)
        Path(f"{out}.check.json").write_text(json.dumps(summary, indent=2) + "\n", "utf-8")
    if json_out:
        print_json({**summary, "verified": True, "entries": shown})
        return
    table = Table(
        title=f"access log: {check.lines} lines, chain verified, {check.security} security events"
    )
    for column in ("seq", "time", "method", "path", "status", "signer", "client", "event"):
        table.add_column(column, overflow="fold")
    for e in shown:
        table.add_row(
            str(e["seq"]), human_time_ms(e["time"]), e["method"], escape(e["path"]),
            str(e["status"]), e["signer"][:12] or "-", e["client"], e["event"] or "",
        )  # fmt: skip
    console.print(table)
