"""CLI of service ``supervision``: ``govchain regulator list|show`` (docs/spec/supervision.md).

Scopes are set by governance: ``govchain gov propose regulator.set --set
address=HEX --set types=A,B --set departments= --set matters= --set
reason=...``; a regulator reads content with ``govchain asset fetch REF
--as-regulator``.
"""

from __future__ import annotations

from pathlib import Path

import typer
from rich.table import Table

from govchain.cli.asset_options import address_of_text, genesis_option, json_option
from govchain.cli.console import console, fail, print_json, reports_errors
from govchain.cli.node_access import ca_bundle_option, node_client, nodes_option
from govchain.client.registry import verify_record
from govchain.contracts.supervision.records import RegulatorScope
from govchain.contracts.supervision.state import scope_key
from govchain.ledger.genesis_file import load_genesis
from govchain.types.errors import ProofError

__all__ = ["regulator_app"]

regulator_app = typer.Typer(
    help="Regulators and their supervision scopes (set by vote: gov propose regulator.set)."
)


@regulator_app.command("list")
@reports_errors
def regulator_list(
    nodes: list[str] = nodes_option(),
    ca_bundle: Path | None = ca_bundle_option(),
    json_out: bool = json_option(),
) -> None:
    """Every regulator's scope, in the order first set."""
    with node_client(nodes, ca_bundle) as node:
        scopes = node.get_every_page("/v1/regulators", "records")
    if json_out:
        print_json({"regulators": scopes})
        return
    table = Table(title=f"regulators ({len(scopes)})")
    for column in ("regulator", "status", "types", "departments", "matters", "height"):
        table.add_column(column, overflow="fold")
    for s in scopes:
        table.add_row(
            s["regulator"], s["status"], ", ".join(s["types"]) or "-",
            ", ".join(s["departments"]) or "-", ", ".join(s["matters"]) or "-", str(s["height"]),
        )  # fmt: skip
    console.print(table)


@regulator_app.command("show")
@reports_errors
def regulator_show(
    address: str = typer.Argument(..., help="The regulator's address (40 hex)."),
    nodes: list[str] = nodes_option(),
    ca_bundle: Path | None = ca_bundle_option(),
    genesis: Path | None = genesis_option(),
) -> None:
    """A regulator's scope with its proof (JSON), verified when --genesis is given."""
    value = address_of_text(address, "ADDRESS")
    with node_client(nodes, ca_bundle) as node:
        answer = node.get_json(f"/v1/regulators/{value.hex()}")
    if genesis is not None:
        try:
            verify_record(
                load_genesis(genesis), scope_key(value), answer["fact"], answer["scope"],
                RegulatorScope.from_stored, RegulatorScope.to_json,
            )  # fmt: skip
        except ProofError as exc:
            fail(f"the scope does not verify: {exc}")
    print_json(answer)
