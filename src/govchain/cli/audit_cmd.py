"""``govchain audit log|verify|report``: a node's API access log and security log, their chains
checked, a signed export checked offline, and compliance reports over the index
(docs/spec/audit.md, F-E2, N-3)."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

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
from govchain.audit.export import MAX_EXPORT_BYTES, build_export, check_export
from govchain.cli.asset_options import json_option
from govchain.cli.console import console, fail, human_time_ms, print_json, reports_errors
from govchain.crypto import suite_for
from govchain.crypto.keyfiles import write_file_atomic
from govchain.indexer import open_database
from govchain.ledger.genesis_file import load_genesis
from govchain.storage.access_log import (
    ACCESS_LOG_FILE,
    LogCheck,
    read_access_log,
    verify_access_log,
)
from govchain.storage.security_log import SECURITY_LOG_FILE, verify_security_log
from govchain.types.errors import ValidationError

Hash = Callable[[bytes], bytes]

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
    security: bool = typer.Option(
        False, "--security", help="Show the security log (API, peer network, tx admission)."
    ),
    out: Path | None = typer.Option(
        None, "--out", help="Export the checked log here (JSON lines) with OUT.check.json."
    ),
    export: Path | None = typer.Option(
        None, "--export", help="Write both logs and the node's signature over their heads here."
    ),
    json_out: bool = json_option(),
) -> None:
    """Check a log's hash chain and show its last lines.

    The access log has a line per API answer: time, method, route, status,
    the account that signed the request, the client, and whether it is a
    security event. The security log (--security) has the node's security
    events: refused signatures, permissions and peers, rate-limit hits, txs
    refused for a bad signature or a permission. A line deleted, reordered or
    changed breaks the chain: the command exits 1 naming the first such
    line. --out copies the log with its check; --export writes both logs
    with a signature by the node's transport key (govchain audit verify).
    """
    genesis = load_genesis(home / "genesis.json")
    suite = suite_for(genesis.suite)
    if export is not None:
        try:
            document = build_export(home, genesis.chain_id, suite.hash)
        except ValidationError as exc:
            fail(f"cannot export: {exc}")
        write_file_atomic(export, json.dumps(document, ensure_ascii=False).encode("utf-8"))
        heads = document["statement"]
        console.print(
            f"wrote {export}: {heads['access']['lines']} access lines, "
            f"{heads['security']['lines']} security lines, signed by {heads['node']}",
            highlight=False,
        )
        return
    files, check = _checked_log(home, suite.hash, security)
    lines = [e for path in files for e in read_access_log(path)]
    shown = lines[-tail:] if tail else []
    summary = {"lines": check.lines, "last_hash": check.last_hash, "security": check.security}
    if security:
        summary["first_seq"] = check.first_seq
    if out is not None:
        write_file_atomic(out, b"".join(path.read_bytes() for path in files), 0o644)
        Path(f"{out}.check.json").write_text(json.dumps(summary, indent=2) + "\n", "utf-8")
    if json_out:
        print_json({**summary, "verified": True, "entries": shown})
        return
    name = "security log" if security else "access log"
    table = Table(
        title=f"{name}: {check.lines} lines, chain verified, {check.security} security events"
    )
    if security:
        _security_rows(table, shown)
    else:
        _access_rows(table, shown)
    console.print(table)


def _checked_log(home: Path, hash_: Hash, security: bool) -> tuple[list[Path], LogCheck]:
    """The files of the log asked for, its chain checked (exit 1 when it does not verify)."""
    path = home / (SECURITY_LOG_FILE if security else ACCESS_LOG_FILE)
    if not path.exists():
        what = "security events yet" if security else "access log (has the node served its API?)"
        fail(f"{path}: no {what}")
    try:
        if security:
            return verify_security_log(home, hash_)
        return [path], verify_access_log(path, hash_)
    except ValidationError as exc:
        fail(f"the {'security' if security else 'access'} log does not verify: {exc}")


def _access_rows(table: Table, shown: list[dict[str, Any]]) -> None:
    for column in ("seq", "time", "method", "path", "status", "signer", "client", "event"):
        table.add_column(column, overflow="fold")
    for e in shown:
        table.add_row(
            str(e["seq"]), human_time_ms(e["time"]), e["method"], escape(e["path"]),
            str(e["status"]), e["signer"][:12] or "-", e["client"], e["event"] or "",
        )  # fmt: skip


def _security_rows(table: Table, shown: list[dict[str, Any]]) -> None:
    for column in ("seq", "time", "source", "event", "detail"):
        table.add_column(column, overflow="fold")
    common = {"seq", "time", "kind", "source", "event", "prev", "hash"}
    for e in shown:
        detail = " ".join(f"{k}={e[k]}" for k in sorted(e) if k not in common and e[k] != "")
        table.add_row(
            str(e["seq"]), human_time_ms(e["time"]), e["source"], e["event"], escape(detail)
        )


@app.command("verify")
@reports_errors
def verify_command(
    export: Path = typer.Argument(..., help="An export written by govchain audit log --export."),
    genesis_file: Path = typer.Option(..., "--genesis", help="The chain's genesis.json."),
    transport_keys: list[str] = typer.Option(
        [],
        "--transport-key",
        help="NAME=HEX: the transport key (SPKI SHA-256) the registry lists for a node added "
        "after genesis (GET /v1/registry/nodes; repeatable).",
    ),
    json_out: bool = json_option(),
) -> None:
    """Check a signed log export offline.

    Both logs' chains are recomputed from their lines and compared with the
    signed heads; the certificate must be the node's registered transport key
    (from the genesis, or --transport-key) and the signature must verify. A
    line changed, dropped or added is found: exit 1 with what does not hold.
    """
    genesis = load_genesis(genesis_file)
    keys = {node.name: node.transport_key for node in genesis.network.nodes}
    for given in transport_keys:
        name, _, key = given.partition("=")
        try:
            keys[name] = bytes.fromhex(key)
        except ValueError:
            fail(f"--transport-key {given!r}: expected NAME=HEX")
    if export.stat().st_size > MAX_EXPORT_BYTES:
        fail(f"{export}: larger than {MAX_EXPORT_BYTES} bytes")
    try:
        document = json.loads(export.read_bytes())
    except ValueError:
        fail(f"{export}: not JSON")
    try:
        checked = check_export(document, genesis.chain_id, suite_for(genesis.suite).hash, keys)
    except ValidationError as exc:
        fail(f"the export does not verify: {exc}")
    result = {
        "verified": True, "node": checked.node, "chain_id": checked.chain_id,
        "exported": checked.exported_ms,
        "access": {"lines": checked.access.lines, "last_hash": checked.access.last_hash},
        "security": {"lines": checked.security.lines, "first_seq": checked.security.first_seq,
                     "last_hash": checked.security.last_hash},
    }  # fmt: skip
    if json_out:
        print_json(result)
        return
    console.print(
        f"verified: signed by {checked.node} ({human_time_ms(checked.exported_ms)}), "
        f"{checked.access.lines} access lines, {checked.security.lines} security lines",
        highlight=False,
    )


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
