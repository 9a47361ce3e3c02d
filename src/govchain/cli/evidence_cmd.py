"""CLI of service ``evidence``: ``govchain evidence list`` shows committed duplicate-vote evidence.

The commands run over the evidence SDK (``govchain.client.evidence``). With
``--genesis``, every record shown is verified offline first.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import typer
from rich.table import Table

from govchain.cli.console import console, print_json, reports_errors
from govchain.cli.node_access import ca_bundle_option, node_client, nodes_option
from govchain.client.evidence import EvidenceClient, verify_evidence
from govchain.contracts.evidence import EVIDENCE_PAGE_DEFAULT, EVIDENCE_PAGE_MAX
from govchain.ledger.genesis_file import load_genesis
from govchain.types import Genesis

app = typer.Typer(
    help="Duplicate-vote evidence committed on the chain (F-E6).", no_args_is_help=True
)


@app.command("list")
@reports_errors
def list_evidence(
    nodes: list[str] = nodes_option(),
    ca_bundle: Path | None = ca_bundle_option(),
    limit: int = typer.Option(
        EVIDENCE_PAGE_DEFAULT,
        "--limit",
        min=1,
        max=EVIDENCE_PAGE_MAX,
        help=f"Records per page (1 to {EVIDENCE_PAGE_MAX}).",
    ),
    cursor: str | None = typer.Option(
        None, "--cursor", help="Start at this cursor (the `next` a previous page printed)."
    ),
    every_page: bool = typer.Option(False, "--all", help="Follow the pages to the last one."),
    genesis_file: Path | None = typer.Option(
        None, "--genesis", help="Verify each record offline against this genesis.json."
    ),
    json_out: bool = typer.Option(False, "--json", help="Print one JSON object."),
) -> None:
    """List the evidence of equivocating validators that the chain has committed, oldest first.

    One page by default (use --all, or --cursor with the printed `next`).
    Exits 1 if a record does not verify against --genesis.
    """
    genesis = None if genesis_file is None else load_genesis(genesis_file)
    with node_client(nodes, ca_bundle) as client:
        evidence = EvidenceClient(client)
        page = evidence.page(cursor=cursor, limit=limit)
        items, following = list(page.evidence), page.next
        while every_page and following is not None:
            page = evidence.page(cursor=following, limit=limit)
            items.extend(page.evidence)
            following = page.next
    if genesis is not None:
        for item in items:
            _verified(genesis, item)
    if json_out:
        print_json({"height": page.height, "evidence": items, "next": following})
        return
    _print_table(items, page.height, verified=genesis is not None)
    if following is not None:
        console.print(f"more: --cursor {following}", highlight=False)


def _verified(genesis: Genesis, item: dict[str, Any]) -> None:
    verify_evidence(genesis, item)
    item["verified"] = True


def _print_table(items: list[dict[str, Any]], height: int, *, verified: bool) -> None:
    table = Table(title=f"duplicate-vote evidence committed up to height {height}")
    columns = ["validator", "height", "round", "vote", "committed at", "tx"]
    for column in [*columns, *(["verified"] if verified else [])]:
        table.add_column(column, overflow="fold")
    for item in items:
        row = [
            str(item.get("validator", "")),
            str(item.get("height", "")),
            str(item.get("round", "")),
            str(item.get("vote_type", "")),
            str(item.get("committed_height", "")),
            str(item.get("tx_hash", ""))[:16] + "…",
        ]
        table.add_row(*row, *(["yes"] if verified else []))
    console.print(table)
    if not items:
        console.print("no evidence in this page", highlight=False)
