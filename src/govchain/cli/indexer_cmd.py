"""``govchain indexer run|status``: the chain into SQL (docs/spec/indexer.md; F-E3, N-3)."""

from __future__ import annotations

import asyncio
import logging
import sys
from pathlib import Path

import typer
from rich.table import Table

from govchain.cli.console import console, fail, print_json, reports_errors
from govchain.cli.node_access import ca_bundle_option, nodes_option, untrusted_reason
from govchain.cli.until_signalled import until_signalled
from govchain.client.sdk import NodeClient, UntrustedNodeError
from govchain.client.verify import check_genesis
from govchain.crypto import suite_for
from govchain.indexer import HttpIndexedChain, Indexer, open_database, run_indexer
from govchain.ledger.genesis_file import load_genesis

__all__ = ["app"]

app = typer.Typer(help="Index the chain into SQL tables (SQLite or PostgreSQL).")

POLL_S_MAX = 3600.0

_DB_HELP = (
    "The index database: sqlite:///PATH (a file; sqlite:////abs/path) or "
    "postgresql://USER[:PASSWORD]@HOST[:PORT]/DATABASE."
)


def db_option() -> object:
    """The ``--db`` option."""
    return typer.Option("sqlite:///govchain-index.db", "--db", help=_DB_HELP)


@app.command("run")
@reports_errors
def run(
    nodes: list[str] = nodes_option(),
    ca_bundle: Path | None = ca_bundle_option(),
    db: str = db_option(),  # type: ignore[assignment]
    genesis: Path | None = typer.Option(
        None,
        "--genesis",
        help="The chain's genesis.json: the nodes must serve its chain (else they are refused).",
    ),
    poll_s: float = typer.Option(1.0, "--poll-s", help="Seconds between polls (0.05..3600)."),
    until_height: int | None = typer.Option(
        None, "--until-height", min=1, help="Stop once this height is written (catch up, stop)."
    ),
) -> None:
    """Follow the chain block by block into the --db tables.

    It starts at the height after the last one written (a restart resumes
    there) and writes each height in one SQL transaction. Runs until Ctrl-C or
    SIGTERM, or until --until-height is written.
    """
    if not 0.05 <= poll_s <= POLL_S_MAX:
        fail(f"--poll-s {poll_s}: expected 0.05..{POLL_S_MAX:g} seconds")
    expected = None
    if genesis is not None:
        trusted = load_genesis(genesis)
        check_genesis(trusted)
        expected = trusted.chain_id
    logging.basicConfig(
        level=logging.INFO, stream=sys.stderr, format="%(asctime)s %(levelname)s %(message)s"
    )
    logging.getLogger("httpx").setLevel(logging.WARNING)  # not a line per chain read
    with open_database(db) as database:
        try:
            with NodeClient(nodes, ca_bundle=ca_bundle) as node:
                status = node.status()
                chain_id, suite = str(status.get("chain_id")), str(status.get("suite"))
                if expected is not None and chain_id != expected:
                    fail(f"the nodes serve chain {chain_id!r}, the genesis is of {expected!r}")
                indexer = Indexer(HttpIndexedChain(node), database, suite_for(suite), chain_id)
                started = (
                    f"indexing chain {chain_id} into {database.where} from height "
                    f"{indexer.height + 1}; Ctrl-C stops"
                )
                asyncio.run(
                    until_signalled(
                        lambda stop: run_indexer(indexer, poll_s, stop, until_height),
                        lambda: console.print(started, highlight=False, soft_wrap=True),
                    )
                )
        except UntrustedNodeError as exc:
            fail(untrusted_reason(exc))
    console.print(f"stopped at height {indexer.height}", highlight=False)


@app.command("status")
@reports_errors
def status(
    db: str = db_option(),  # type: ignore[assignment]
    as_json: bool = typer.Option(False, "--json", help="Print JSON instead of a table."),
) -> None:
    """Print the chain and the last height indexed, and the row count of every table."""
    with open_database(db, create=False) as database:
        progress = database.progress()
        counts = database.counts()
    chain_id = "" if progress is None else progress.chain_id
    height = 0 if progress is None else progress.height
    if as_json:
        print_json({"chain_id": chain_id, "height": height, "rows": counts})
        return
    console.print(
        f"chain {chain_id or '(none yet)'}, last height indexed {height}", highlight=False
    )
    shown = Table("table", "rows")
    for name, count in counts.items():
        shown.add_row(name, str(count))
    console.print(shown)
