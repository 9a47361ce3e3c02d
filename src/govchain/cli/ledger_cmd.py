"""``govchain ledger``: check a node's stored chain."""

from __future__ import annotations

from dataclasses import asdict
from pathlib import Path

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

from govchain.cli.console import console, fail, print_json, reports_errors
from govchain.ledger.home import open_chain
from govchain.ledger.verify import verify_chain

app = typer.Typer(help="Inspect and verify a node's ledger.")


@app.command()
@reports_errors
def verify(
    home: Path = typer.Option(..., "--home", help="Node home directory (holds data/)."),
    json_out: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """Recompute every hash, root and link; exit 1 at the first inconsistency."""
    chain = open_chain(home)
    try:
        if json_out:
            report = verify_chain(chain)
        else:
            columns = (TextColumn("verifying blocks"), BarColumn(), MofNCompleteColumn())
            with Progress(*columns, console=console, transient=True) as bar:
                task = bar.add_task("verify", total=None)
                report = verify_chain(
                    chain, lambda done, total: bar.update(task, completed=done, total=total)
                )
    finally:
        chain.store.close()
    if json_out:
        print_json({**asdict(report), "ok": report.ok})
    elif report.ok:
        console.print(
            f"ledger OK: {report.blocks_checked} blocks, {report.state_versions_checked} state "
            f"versions, {report.state_nodes_checked} state nodes checked"
        )
    if not report.ok:
        fail(f"ledger inconsistent at height {report.error_height}: {report.error}")
