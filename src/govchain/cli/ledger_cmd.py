"""``govchain ledger``: check a node's stored chain and export proofs from it."""

from __future__ import annotations

import json
from dataclasses import asdict
from pathlib import Path

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

from govchain.cli.console import console, fail, print_json, reports_errors
from govchain.crypto.keyfiles import write_file_atomic
from govchain.ledger.genesis_file import genesis_json_text
from govchain.ledger.home import open_chain
from govchain.ledger.proofs import tx_receipt_bundle
from govchain.ledger.verify import verify_chain
from govchain.node.services import genesis_state

app = typer.Typer(help="Inspect and verify a node's ledger; export receipts and genesis.")


@app.command()
@reports_errors
def verify(
    home: Path = typer.Option(..., "--home", help="Node home directory (holds data/)."),
    json_out: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """Recompute every hash, root and link; exit 1 at the first inconsistency."""
    chain = open_chain(home)
    initial = genesis_state(chain.genesis)
    try:
        if json_out:
            report = verify_chain(chain, initial_state=initial)
        else:
            columns = (TextColumn("verifying blocks"), BarColumn(), MofNCompleteColumn())
            with Progress(*columns, console=console, transient=True) as bar:
                task = bar.add_task("verify", total=None)
                report = verify_chain(
                    chain,
                    lambda done, total: bar.update(task, completed=done, total=total),
                    initial,
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


def _write_or_print(out: Path | None, text: str, what: str) -> None:
    if out is None:
        typer.echo(text, nl=False)
    else:
        write_file_atomic(out, text.encode("utf-8"), 0o644)
        console.print(f"{what} written to {out}")


def _tx_hash(text: str) -> bytes:
    try:
        value = bytes.fromhex(text)
    except ValueError:
        fail(f"--tx: {text!r} is not a hex tx hash")
    if len(value) != 32:
        fail(f"--tx: a tx hash is 32 bytes (64 hex digits), got {len(value)}")
    return value


@app.command()
@reports_errors
def receipt(
    home: Path = typer.Option(..., "--home", help="Node home directory (holds data/)."),
    tx: str = typer.Option(..., "--tx", help="Hash of a committed tx (hex)."),
    out: Path | None = typer.Option(None, "--out", help="Write the receipt file here."),
) -> None:
    """Export a committed tx's receipt with its proofs, for `govchain verify`."""
    tx_hash = _tx_hash(tx)
    chain = open_chain(home)
    try:
        with chain.view() as view:
            bundle = tx_receipt_bundle(view, tx_hash)
    finally:
        chain.store.close()
    _write_or_print(out, json.dumps(bundle.to_json(), indent=2) + "\n", "receipt")


@app.command()
@reports_errors
def genesis(
    home: Path = typer.Option(..., "--home", help="Node home directory (holds data/)."),
    out: Path | None = typer.Option(None, "--out", help="Write genesis.json here."),
) -> None:
    """Export the chain's genesis as genesis.json (what `govchain verify` trusts)."""
    chain = open_chain(home)
    try:
        text = genesis_json_text(chain.genesis)
    finally:
        chain.store.close()
    _write_or_print(out, text, "genesis")
