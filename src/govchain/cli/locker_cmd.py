"""CLI of asset types and lockers: ``govchain asset-type define``, ``govchain locker init|list``.

A locker's key pair is made on this machine; its private key leaves it only
wrapped under the unlock password (``--password-file``), stored as a blob
on the storage nodes (docs/spec/assets.md, "Locker keys").
"""

from __future__ import annotations

from pathlib import Path

import typer
from rich.table import Table

from govchain.cli.asset_options import (
    asset_client,
    copies_option,
    json_option,
    key_option,
    key_password_option,
    signer_of,
)
from govchain.cli.console import console, fail, human_time_ms, print_json, reports_errors
from govchain.cli.node_access import ca_bundle_option, node_client, nodes_option
from govchain.client.asset_types import load_type_file
from govchain.client.grants import GrantClient
from govchain.client.locker_keys import read_password_file
from govchain.contracts.assets import TypeDefineArgs
from govchain.execution.registry import ContractError

__all__ = ["locker_app", "type_app"]

type_app = typer.Typer(help="Asset types (证照类型): define a type or a new version of one.")
locker_app = typer.Typer(help="Digital lockers (数字保险箱): open one, list what it holds.")


@type_app.command("define")
@reports_errors
def define_type(
    nodes: list[str] = nodes_option(),
    ca_bundle: Path | None = ca_bundle_option(),
    key: Path = key_option(),
    key_password: Path | None = key_password_option(),
    file: Path = typer.Option(..., "--file", help="The type file (TOML, docs/spec/assets.md)."),
    json_out: bool = json_option(),
) -> None:
    """Define an asset type from a TOML file, or a new version of a type your member owns."""
    try:
        args = TypeDefineArgs.from_args(load_type_file(file))
    except ContractError as exc:
        fail(f"{file}: {exc}")
    signer = signer_of(key, key_password)
    with node_client(nodes, ca_bundle) as node, asset_client(node, signer) as client:
        receipt = client.send(args)
    [event] = [e.attributes for e in receipt.events if e.type == "assets.type_defined"]
    if json_out:
        print_json({"code": event["code"], "version": event["version"]})
        return
    console.print(f"type [bold]{event['code']}[/bold] version {event['version']} is defined")


@locker_app.command("init")
@reports_errors
def locker_init(
    nodes: list[str] = nodes_option(),
    ca_bundle: Path | None = ca_bundle_option(),
    key: Path = key_option(),
    key_password: Path | None = key_password_option(),
    password_file: Path = typer.Option(
        ..., "--password-file", help="The locker's unlock password."
    ),
    kdf: str = typer.Option("scrypt", "--kdf", help="scrypt or pbkdf2-sm3."),
    copies: int = copies_option(),
) -> None:
    """Open the account's locker: a new key pair, its private key wrapped under the password."""
    password = read_password_file(password_file)
    signer = signer_of(key, key_password)
    with node_client(nodes, ca_bundle) as node, asset_client(node, signer, None, copies) as client:
        client.init_locker(password, kdf)
    console.print(
        f"locker of {client.address.hex()} is open; keep the password: it cannot be reset"
    )


@locker_app.command("list")
@reports_errors
def locker_list(
    nodes: list[str] = nodes_option(),
    ca_bundle: Path | None = ca_bundle_option(),
    key: Path = key_option(),
    key_password: Path | None = key_password_option(),
    json_out: bool = json_option(),
) -> None:
    """The assets in the account's locker, by type, with their status, and what others shared
    with it (grants to it: seed 003's push to the grantee's locker). A signed read."""
    signer = signer_of(key, key_password)
    with node_client(nodes, ca_bundle, signer) as node, asset_client(node, signer) as client:
        view = client.locker_view()
        shared = GrantClient(client).shared_with_me()
    if json_out:
        print_json({**view, "shared": shared})
        return
    table = Table(title=f"locker {view['holder']} at height {view['height']}")
    for column in ("type", "identifier / content id", "status", "issuer", "valid until"):
        table.add_column(column, overflow="fold")
    for group in view["types"]:
        for item in group["assets"]:
            until = item["valid_until"]
            table.add_row(
                group["type"],
                item["identifier"] or item["content_id"],
                item["status"],
                item["issuer"] or "-",
                "long-term" if until == 0 else human_time_ms(until),
            )
    console.print(table)
    if shared:
        granted = Table(title="shared with me")
        for column in ("asset", "holder", "scope", "purpose", "used", "expires", "status"):
            granted.add_column(column, overflow="fold")
        for g in shared:
            granted.add_row(
                g["asset"], g["holder"], g["scope"], g["purpose"], f"{g['used']}/{g['uses']}",
                human_time_ms(g["expires"]), g["status"],
            )  # fmt: skip
        console.print(granted)
