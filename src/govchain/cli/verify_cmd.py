"""``govchain verify``: check a receipt file offline against a trusted genesis."""

from __future__ import annotations

import json
from pathlib import Path

import typer
from rich.table import Table

from govchain.cli.console import console, fail, human_time_ms, print_json
from govchain.client import verify_tx_receipt
from govchain.ledger.genesis_file import load_genesis
from govchain.ledger.proofs import TxReceiptBundle
from govchain.types.errors import GovChainError, ProofError

MAX_RECEIPT_FILE = 16 * 1024 * 1024


def _load_receipt(path: Path) -> TxReceiptBundle:
    data = path.read_bytes()
    if len(data) > MAX_RECEIPT_FILE:
        raise ProofError(f"{path}: receipt file is over {MAX_RECEIPT_FILE} bytes", "format")
    try:
        obj = json.loads(data)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ProofError(f"{path}: not JSON: {exc}", "format") from exc
    return TxReceiptBundle.from_json(obj)


def verify(
    receipt: Path = typer.Argument(..., help="Receipt file (from `govchain ledger receipt`)."),
    genesis: Path = typer.Option(..., "--genesis", help="Trusted genesis.json of the chain."),
    json_out: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """Verify a tx receipt offline: signature, inclusion, set transitions, header, 2/3+ commit.

    Walks the validator-set changes the receipt carries from the genesis set
    to the set that signed its block. Exit 0 when it verifies; 1 with the
    failed check otherwise.
    """
    try:
        trusted = load_genesis(genesis)
        checked = verify_tx_receipt(trusted, _load_receipt(receipt))
    except OSError as exc:
        fail(f"{exc.filename or ''}: {exc.strerror or exc}")
    except GovChainError as exc:
        check = exc.check if isinstance(exc, ProofError) else "format"
        if json_out:
            print_json({"ok": False, "check": check, "error": str(exc)})
            raise typer.Exit(1) from exc
        fail(f"receipt does not verify ({check}): {exc}")
    if json_out:
        print_json(
            {
                "ok": True,
                "chain_id": checked.chain_id,
                "height": checked.height,
                "index": checked.index,
                "tx_hash": checked.tx_hash.hex(),
                "tx_type": checked.tx_type,
                "block_hash": checked.block_hash.hex(),
                "block_time": checked.block_time,
                "status": checked.status,
                "error": checked.error,
                "signed_power": checked.signed_power,
                "total_power": checked.total_power,
                "transitions": checked.transitions,
            }
        )
        return
    # A borderless grid keeps 64-digit hashes whole in an 80-column terminal.
    table = Table.grid(padding=(0, 2))
    table.add_column(style="bold")
    table.add_column(no_wrap=True)
    table.add_row("chain", checked.chain_id)
    table.add_row("tx", checked.tx_hash.hex())
    table.add_row("type", checked.tx_type)
    table.add_row("block", f"{checked.height}, tx {checked.index}")
    table.add_row("block hash", checked.block_hash.hex())
    table.add_row("block time", human_time_ms(checked.block_time))
    outcome = "ok" if checked.status == 0 else f"failed, status {checked.status}: {checked.error}"
    table.add_row("result", outcome)
    table.add_row("signed", f"{checked.signed_power} of {checked.total_power} voting power")
    table.add_row("set changes", f"{checked.transitions} walked from the genesis set")
    console.print("[bold green]receipt verified[/]")
    console.print(table)
