"""CLI of service ``notary``: ``govchain notarize`` anchors documents, keeps receipts (F-C5).

Only the digest (the chain's suite hash of the file) leaves the machine. Each
receipt file verifies offline with ``govchain verify RECEIPT --genesis G``.
The commands run over the notary SDK (``govchain.client.notary``).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn
from rich.table import Table

from govchain.cli.console import (
    console,
    fail,
    human_time_ms,
    print_json,
    read_password,
    reports_errors,
)
from govchain.cli.node_access import ca_bundle_option, node_client, nodes_option
from govchain.client.notary import NotaryClient
from govchain.crypto import suite_for
from govchain.crypto.keyfiles import read_signing_key
from govchain.crypto.suite import SigningKey
from govchain.ledger.proofs import TxReceiptBundle

MAX_FILE_BYTES = 1 << 30


@reports_errors
def notarize(
    files: list[Path] = typer.Argument(..., help="Documents to anchor (only digests are sent)."),
    nodes: list[str] = nodes_option(),
    ca_bundle: Path | None = ca_bundle_option(),
    key: Path = typer.Option(..., "--key", help="The signer's private key (PEM)."),
    password_file: Path | None = typer.Option(None, "--password-file", help="Key password."),
    out: Path | None = typer.Option(None, "--out", help="Receipt file (one document only)."),
    out_dir: Path | None = typer.Option(None, "--out-dir", help="Directory for receipt files."),
    title: str = typer.Option("", "--title", help="Title recorded with each anchoring."),
    doc_type: str = typer.Option("", "--doc-type", help="Document type recorded with it."),
    timeout_s: float = typer.Option(60.0, "--timeout", min=1, help="Seconds to wait per commit."),
    json_out: bool = typer.Option(False, "--json", help="Print one JSON object."),
) -> None:
    """Anchor each FILE's digest, wait for its commit, and write its offline-verifiable receipt.

    Receipts go to --out (one file), or --out-dir/FILENAME.receipt.json. Exits 1
    if the chain refused an anchoring (its receipt says why).
    """
    if out is not None and (out_dir is not None or len(files) != 1):
        fail("--out takes exactly one document and no --out-dir; use --out-dir for several")
    signer = read_signing_key(key, read_password(password_file))
    suite = suite_for(signer.suite_name)
    rows = []
    with node_client(nodes, ca_bundle) as client:
        status = client.status()
        chain_id, suite_name = str(status.get("chain_id")), str(status.get("suite"))
        if suite_name != suite.name:
            fail(f"the chain uses the {suite_name} suite but {key} is a {suite.name} key")
        notary = NotaryClient(client)
        columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn())
        with Progress(*columns, console=console, transient=True, disable=json_out) as progress:
            task = progress.add_task("notarizing", total=len(files))
            for path in files:
                rows.append(_notarize_one(notary, signer, path, title, doc_type, timeout_s))
                progress.advance(task)
    for row in rows:
        target = out if out is not None else _receipt_path(out_dir, row.file)
        if target is not None and row.receipt is not None:
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(json.dumps(row.receipt, indent=2) + "\n", encoding="utf-8")
            row.receipt_file = str(target)
    failed = [str(row.file) for row in rows if row.status != "committed"]
    if json_out:
        print_json({"chain_id": chain_id, "anchorings": [row.to_json() for row in rows]})
        if failed:
            raise typer.Exit(1)
        return
    table = Table(title=f"notarized on {chain_id}")
    for column in ("file", "digest", "tx", "status", "block time", "receipt"):
        table.add_column(column, overflow="fold")
    for row in rows:
        block_time = row.block_time()
        table.add_row(
            str(row.file),
            row.digest.hex()[:16] + "…",
            row.tx_hash.hex()[:16] + "…",
            row.status,
            "-" if block_time is None else human_time_ms(block_time),
            row.receipt_file or "-",
        )
    console.print(table)
    if failed:
        fail(f"the chain refused the anchoring of {', '.join(failed)} (see its receipt)")


@dataclass
class _Anchored:
    """One document's anchoring, as the command reports it."""

    file: Path
    digest: bytes
    tx_hash: bytes
    status: str
    receipt: dict[str, Any] | None
    receipt_file: str = ""

    def block_time(self) -> int | None:
        """BFT time of the block holding the anchoring (ms since the epoch), once in one."""
        if self.receipt is None:
            return None
        return TxReceiptBundle.from_json(self.receipt).header.time

    def to_json(self) -> dict[str, object]:
        return {
            "file": str(self.file),
            "digest": self.digest.hex(),
            "tx_hash": self.tx_hash.hex(),
            "status": self.status,
            "block_time": self.block_time(),
            "receipt_file": self.receipt_file or None,
        }


def _notarize_one(
    notary: NotaryClient,
    signer: SigningKey,
    path: Path,
    title: str,
    doc_type: str,
    timeout_s: float,
) -> _Anchored:
    if path.stat().st_size > MAX_FILE_BYTES:
        fail(f"{path}: larger than {MAX_FILE_BYTES} bytes")
    digest = suite_for(signer.suite_name).hash(path.read_bytes())
    _tx, tx_hash = notary.anchor(signer, digest, title=title or path.name, doc_type=doc_type)
    result = notary.node.wait(tx_hash, timeout_s)
    return _Anchored(path, digest, tx_hash, result.status, result.receipt)


def _receipt_path(out_dir: Path | None, document: Path) -> Path | None:
    return None if out_dir is None else out_dir / f"{document.name}.receipt.json"
