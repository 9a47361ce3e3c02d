"""``govchain verify``: check a receipt file or an annotated copy offline against a genesis.

A file whose ``format`` is ``govchain-annotated-copy/v1`` is an annotated
copy (加注件, docs/formats.md "Annotated copies"); any other is a tx receipt
(docs/formats.md "Receipt files"), verified as before.
"""

from __future__ import annotations

import json
from pathlib import Path

import typer
from rich.markup import escape
from rich.table import Table

from govchain.cli.console import console, fail, human_time_ms, print_json
from govchain.client import verify_tx_receipt
from govchain.client.annotations import AnnotatedCopy, VerifiedCopy, verify_annotated_copy
from govchain.client.verify import VerifiedTx
from govchain.ledger.genesis_file import load_genesis
from govchain.ledger.proofs import TxReceiptBundle
from govchain.types.errors import GovChainError, ProofError

MAX_RECEIPT_FILE = 16 * 1024 * 1024


def _load_file(path: Path) -> TxReceiptBundle | AnnotatedCopy:
    data = path.read_bytes()
    if len(data) > MAX_RECEIPT_FILE:
        raise ProofError(f"{path}: receipt file is over {MAX_RECEIPT_FILE} bytes", "format")
    try:
        obj = json.loads(data)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ProofError(f"{path}: not JSON: {exc}", "format") from exc
    if AnnotatedCopy.is_copy(obj):
        return AnnotatedCopy.from_json(obj)
    return TxReceiptBundle.from_json(obj)


def verify(
    receipt: Path = typer.Argument(
        ...,
        help="Receipt file (from `govchain ledger receipt`) or annotated copy (COPY.json).",
    ),
    genesis: Path = typer.Option(..., "--genesis", help="Trusted genesis.json of the chain."),
    json_out: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """Verify a tx receipt or an annotated copy (加注件) offline against a trusted genesis.

    A receipt: signature, inclusion, set transitions, header, 2/3+ commit;
    it walks the validator-set changes the receipt carries from the genesis
    set to the set that signed its block. An annotated copy: its usage tx's
    receipt as above, that the tx is a successful grants.use saying what the
    annotation says (viewer, asset, purpose, block time), and the signature
    of the storage node, by the transport key the genesis registers for it.
    Exit 0 when it verifies; 1 with the failed check otherwise.
    """
    what = "receipt"
    try:
        trusted = load_genesis(genesis)
        loaded = _load_file(receipt)
        if isinstance(loaded, AnnotatedCopy):
            what = "annotated copy"
            _show_copy(verify_annotated_copy(trusted, loaded), json_out)
            return
        checked = verify_tx_receipt(trusted, loaded)
    except OSError as exc:
        fail(f"{exc.filename or ''}: {exc.strerror or exc}")
    except GovChainError as exc:
        check = exc.check if isinstance(exc, ProofError) else "format"
        if json_out:
            print_json({"ok": False, "check": check, "error": str(exc)})
            raise typer.Exit(1) from exc
        fail(f"{what} does not verify ({check}): {exc}")
    _show_receipt(checked, json_out)


def _show_receipt(checked: VerifiedTx, json_out: bool) -> None:
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


def _show_copy(verified: VerifiedCopy, json_out: bool) -> None:
    tx, note, node = verified.tx, verified.annotation, verified.node
    if json_out:
        print_json(
            {
                "ok": True,
                "kind": "annotated_copy",
                "chain_id": tx.chain_id,
                "viewer": note.viewer.hex(),
                "by": verified.by.hex(),
                "action": verified.action,
                "purpose": note.purpose,
                "time": note.time,
                "asset": note.asset.hex(),
                "content_hash": note.content_hash.hex(),
                "tx_hash": tx.tx_hash.hex(),
                "height": tx.height,
                "block_hash": tx.block_hash.hex(),
                "node": node.name,
                "node_org": node.org,
                "signed_power": tx.signed_power,
                "total_power": tx.total_power,
                "transitions": tx.transitions,
            }
        )
        return
    table = Table.grid(padding=(0, 2))
    table.add_column(style="bold")
    table.add_column(no_wrap=True)
    table.add_row("chain", tx.chain_id)
    table.add_row("viewer", note.viewer.hex())
    if verified.by != note.viewer:
        table.add_row("agent", verified.by.hex())
    table.add_row("action", verified.action)
    table.add_row("purpose", escape(note.purpose))
    table.add_row("time", human_time_ms(note.time) + " (block time)")
    table.add_row("asset", note.asset.hex())
    table.add_row("content hash", note.content_hash.hex())
    table.add_row("usage tx", tx.tx_hash.hex())
    table.add_row("block", f"{tx.height}, tx {tx.index}")
    table.add_row("signed", f"{tx.signed_power} of {tx.total_power} voting power")
    table.add_row("set changes", f"{tx.transitions} walked from the genesis set")
    table.add_row("served by", f"storage node {node.name} of {node.org}, signature verified")
    console.print("[bold green]annotated copy verified[/]")
    console.print(table)
