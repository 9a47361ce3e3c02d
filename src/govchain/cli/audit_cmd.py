"""``govchain audit log|report``: a node's API access log, its chain checked, and compliance
reports over the index (docs/spec/audit.md, F-E2, N-3)."""

from __future__ import annotations

import json
import shutil
import time
from dataclasses import replace
from pathlib import Path

import typer
from rich.markup import escape
from rich.table import Table

from govchain.audit import (
    build_report,
    parse_range,
    read_access_log_input,
    read_alerts,
    read_index,
    render_html,
    render_pdf,
)
from govchain.cli.asset_options import json_option
from govchain.cli.console import console, fail, human_time_ms, print_json, reports_errors
from govchain.crypto import suite_for
from govchain.crypto.keyfiles import write_file_atomic
from govchain.indexer import open_database
from govchain.ledger.genesis_file import load_genesis
from govchain.storage.access_log import ACCESS_LOG_FILE, read_access_log, verify_access_log
from govchain.types.errors import ValidationError

__all__ = ["app"]

app = typer.Typer(
    no_args_is_help=True,
    help="Audit: a node's API access log (who read what) and compliance reports.",
)

_MAX_ACCESS_LOGS = 64


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


@app.command("report")
@reports_errors
def report_command(
    db: str = typer.Option(
        "sqlite:///govchain-index.db",
        "--db",
        help="The index (govchain indexer run): sqlite:///PATH or postgresql://...",
    ),
    from_: str = typer.Option(..., "--from", help="First UTC day YYYY-MM-DD (or ...THH:MM:SSZ)."),
    to: str = typer.Option(
        ..., "--to", help="Last UTC day YYYY-MM-DD, included (or an instant ...Z, excluded)."
    ),
    out: Path = typer.Option(..., "--out", help="The report: a .html or a .pdf file."),
    access_logs: list[Path] = typer.Option(
        [], "--access-log", help="A node's home whose audit/access.log is read (repeatable)."
    ),
    alerts: Path | None = typer.Option(
        None, "--alerts", help="The monitor's STATE_DIR/alerts.sqlite."
    ),
    json_out: bool = typer.Option(
        False, "--json", help="Also print the header and totals as one JSON object."
    ),
) -> None:
    """Write a compliance report of the blocks whose BFT time falls in a range.

    Totals (blocks, txs by type, failed txs by code, accounts, assets issued
    and revoked by type, grants, usage records, cases, overdue steps,
    interventions), anomalies (failed txs, security events of the access
    logs given, overdue steps, monitor alerts), the access trail (usage
    records, signed API reads) and charts, from the indexer's tables. The
    HTML is one self-contained file; the PDF holds the same. No personal
    data: the index holds none.
    """
    suffix = out.suffix.lower()
    if suffix not in (".html", ".pdf"):
        fail("--out: expected a file name ending in .html or .pdf")
    if len(access_logs) > _MAX_ACCESS_LOGS:
        fail(f"--access-log: at most {_MAX_ACCESS_LOGS}")
    if not out.parent.is_dir():
        fail(f"--out: directory {out.parent} does not exist")
    period = parse_range(from_, to)
    logs = [read_access_log_input(home, period) for home in access_logs]
    found_alerts = None if alerts is None else read_alerts(alerts, period)
    with open_database(db, create=False) as database:
        report_input = read_index(database, period, int(time.time() * 1000))
    report = build_report(replace(report_input, access_logs=tuple(logs), alerts=found_alerts))
    data = render_pdf(report) if suffix == ".pdf" else render_html(report).encode("utf-8")
    write_file_atomic(out, data)
    if json_out:
        print_json(report.machine_readable())
        return
    heights = report.header["heights"]
    console.print(
        f"wrote {out}: {report.totals['blocks']} blocks"
        + (f" (heights {heights[0]}..{heights[1]})" if heights else "")
        + f", {report.totals['txs']['total']} txs, {report.totals['txs']['failed']} failed",
        highlight=False,
    )
