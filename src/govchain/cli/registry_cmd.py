"""CLI of service ``registry``: ``govchain member list|show`` and ``govchain account show``.

Records come with their state facts; with ``--genesis`` each shown record
is verified offline first (docs/spec/registry.md, "Reads").
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import typer
from rich.table import Table

from govchain.cli.console import console, fail, print_json, reports_errors
from govchain.cli.node_access import ca_bundle_option, node_client, nodes_option
from govchain.client.registry import RegistryClient, verify_account, verify_member
from govchain.ledger.genesis_file import load_genesis

member_app = typer.Typer(help="Consortium members (F-B1).", no_args_is_help=True)
account_app = typer.Typer(help="Registered accounts (F-B3, F-B4).", no_args_is_help=True)


def _genesis_option() -> Any:
    return typer.Option(None, "--genesis", help="Verify offline against this genesis.json.")


def _record_table(title: str, record: dict[str, Any], verified: bool) -> Table:
    table = Table(title=title, show_header=False)
    table.add_column("field")
    table.add_column("value", overflow="fold")
    for name, value in record.items():
        shown = ", ".join(map(str, value)) if isinstance(value, list) else str(value)
        table.add_row(name, shown)
    table.add_row("verified", "yes" if verified else "no (use --genesis)")
    return table


@member_app.command("list")
@reports_errors
def list_members(
    nodes: list[str] = nodes_option(),
    ca_bundle: Path | None = ca_bundle_option(),
    json_out: bool = typer.Option(False, "--json", help="Print one JSON object."),
) -> None:
    """List every member, in admission order."""
    members: list[dict[str, Any]] = []
    with node_client(nodes, ca_bundle) as client:
        registry = RegistryClient(client)
        cursor: str | None = None
        while True:
            page = registry.members(cursor=cursor)
            members.extend(page.get("members", []))
            cursor = page.get("next")
            if cursor is None:
                break
    if json_out:
        print_json({"members": members})
        return
    table = Table(title="members")
    table.add_column("code", no_wrap=True)
    for column in ("name", "status", "permissions", "weight", "admins", "since"):
        table.add_column(column, overflow="fold")
    for member in members:
        table.add_row(
            member["code"],
            member["name"],
            member["status"],
            ",".join(member["permissions"]),
            str(member["weight"]),
            str(len(member["admins"])),
            str(member["height"]),
        )
    console.print(table)


@member_app.command("show")
@reports_errors
def show_member(
    code: str = typer.Argument(..., help="The member's credit code."),
    nodes: list[str] = nodes_option(),
    ca_bundle: Path | None = ca_bundle_option(),
    genesis_file: Path | None = _genesis_option(),
    json_out: bool = typer.Option(False, "--json", help="Print one JSON object."),
) -> None:
    """Show one member; with --genesis, verify it offline first (exit 1 if it does not)."""
    with node_client(nodes, ca_bundle) as client:
        answer = RegistryClient(client).member(code)
    if genesis_file is not None:
        verify_member(load_genesis(genesis_file), answer)
    if json_out:
        print_json({**answer, "verified": genesis_file is not None})
        return
    member = {k: v for k, v in answer["member"].items() if k != "ca_certs"}
    member["ca_certs"] = f"{len(answer['member']['ca_certs'])} certificate(s)"
    console.print(_record_table(f"member {code}", member, genesis_file is not None))


@account_app.command("show")
@reports_errors
def show_account(
    address: str = typer.Argument(..., help="The account address (40 hex digits)."),
    nodes: list[str] = nodes_option(),
    ca_bundle: Path | None = ca_bundle_option(),
    genesis_file: Path | None = _genesis_option(),
    json_out: bool = typer.Option(False, "--json", help="Print one JSON object."),
) -> None:
    """Show one account; with --genesis, verify it offline first (exit 1 if it does not)."""
    try:
        value = bytes.fromhex(address)
    except ValueError:
        value = b""
    if len(value) != 20:
        fail(f"ADDRESS: expected 40 hex digits, got {address[:48]!r}")
    with node_client(nodes, ca_bundle) as client:
        answer = RegistryClient(client).account(value)
    if genesis_file is not None:
        verify_account(load_genesis(genesis_file), answer)
    if json_out:
        print_json({**answer, "verified": genesis_file is not None})
        return
    console.print(_record_table(f"account {address}", answer["account"], genesis_file is not None))
