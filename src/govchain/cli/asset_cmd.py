"""CLI of service ``assets``: ``govchain asset`` (``govchain.cli.locker_cmd``: types, lockers).

The commands run over the assets SDK (``govchain.client.assets``): content
is checked, encrypted and stored on the storage nodes on this machine
before a tx is sent, and decrypted here after it is fetched. Passwords are
read from files (``--password-file``: the locker's unlock password;
``--key-password-file``: the PEM key's, if it is encrypted) and never sent.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import typer
from rich.table import Table

from govchain.cli.asset_options import (
    address_of_text,
    asset_client,
    content_id_of_text,
    copies_option,
    document_of,
    genesis_option,
    json_option,
    key_option,
    key_password_option,
    signer_of,
)
from govchain.cli.console import (
    console,
    fail,
    human_time_ms,
    print_json,
    reports_errors,
)
from govchain.cli.grant_cmd import history
from govchain.cli.node_access import ca_bundle_option, node_client, nodes_option
from govchain.client.asset_crypto import Plaintext
from govchain.client.asset_types import load_fields_file
from govchain.client.assets import AssetClient, Issued, show_asset
from govchain.client.grants import GrantClient
from govchain.client.locker_keys import read_password_file
from govchain.contracts.assets import Asset, ConsentArgs, ReviewArgs, StatusArgs
from govchain.crypto.suite import SigningKey
from govchain.ledger.genesis_file import load_genesis

__all__ = ["asset_app"]

asset_app = typer.Typer(
    help="Assets (电子证照): issue, submit, review, show, fetch, revoke, abolish."
)


def _report(issued: Issued, json_out: bool, what: str) -> None:
    shown = issued.identifier or issued.content_id.hex()
    if json_out:
        print_json({"id": shown, "content_id": issued.content_id.hex(), "tx": issued.tx_hash.hex()})
        return
    console.print(f"{what}: [bold]{shown}[/bold]  (tx {issued.tx_hash.hex()})")


@asset_app.command("issue")
@reports_errors
def issue(
    nodes: list[str] = nodes_option(),
    ca_bundle: Path | None = ca_bundle_option(),
    key: Path = key_option(),
    key_password: Path | None = key_password_option(),
    type_code: str = typer.Option(..., "--type", help="The type code."),
    holder: str = typer.Option(..., "--holder", help="The holder's address (40 hex)."),
    mode: str = typer.Option(..., "--mode", help="authority, window or department."),
    data: Path = typer.Option(..., "--data", help="The fields (JSON object)."),
    file: Path | None = typer.Option(None, "--file", help="The document (encrypted with it)."),
    verified_by: str = typer.Option(
        "", "--verified-by", help="mode department: the staff address."
    ),
    valid_until: int = typer.Option(
        0, "--valid-until", help="End (ms) for a type with stated validity."
    ),
    copies: int = copies_option(),
    genesis: Path | None = genesis_option(),
    json_out: bool = json_option(),
) -> None:
    """Issue an asset into a holder's locker; prints its licence identifier and tx."""
    if mode not in ("authority", "window", "department"):
        fail("--mode: expected authority, window or department (a holder uses asset submit)")
    options: dict[str, Any] = {"valid_until": valid_until}
    if verified_by:
        options["verified_by"] = address_of_text(verified_by, "--verified-by")
    signer = signer_of(key, key_password)
    with (
        node_client(nodes, ca_bundle) as node,
        asset_client(node, signer, genesis, copies) as client,
    ):
        issued = client.issue(
            type_code,
            address_of_text(holder, "--holder"),
            mode,
            load_fields_file(data),
            document_of(file),
            **options,
        )
    _report(issued, json_out, "issued")


@asset_app.command("submit")
@reports_errors
def submit(
    nodes: list[str] = nodes_option(),
    ca_bundle: Path | None = ca_bundle_option(),
    key: Path = key_option(),
    key_password: Path | None = key_password_option(),
    type_code: str = typer.Option(..., "--type", help="The type code."),
    data: Path = typer.Option(..., "--data", help="The fields (JSON object)."),
    file: Path | None = typer.Option(None, "--file", help="The document (encrypted with it)."),
    copies: int = copies_option(),
    genesis: Path | None = genesis_option(),
    json_out: bool = json_option(),
) -> None:
    """Upload your own document for an authority's review (mode self): it is pending until then."""
    signer = signer_of(key, key_password)
    with (
        node_client(nodes, ca_bundle) as node,
        asset_client(node, signer, genesis, copies) as client,
    ):
        issued = client.submit(type_code, load_fields_file(data), document_of(file))
    _report(issued, json_out, "submitted, pending review")


@asset_app.command("review")
@reports_errors
def review(
    content_id: str = typer.Argument(..., help="The pending asset's content id (32 hex)."),
    nodes: list[str] = nodes_option(),
    ca_bundle: Path | None = ca_bundle_option(),
    key: Path = key_option(),
    key_password: Path | None = key_password_option(),
    approve: bool = typer.Option(False, "--approve", help="Approve: the asset becomes valid."),
    refuse: bool = typer.Option(False, "--refuse", help="Refuse, with --reason."),
    reason: str = typer.Option("", "--reason", help="Why it is refused."),
    valid_until: int = typer.Option(
        0, "--valid-until", help="End (ms) for a type with stated validity."
    ),
    json_out: bool = json_option(),
) -> None:
    """Approve or refuse a holder's self-uploaded asset."""
    if approve == refuse:
        fail("give exactly one of --approve and --refuse")
    if refuse and not reason.strip():
        fail("--refuse needs --reason")
    args = ReviewArgs(content_id_of_text(content_id), approve, reason, valid_until)
    signer = signer_of(key, key_password)
    with node_client(nodes, ca_bundle) as node, AssetClient(node, signer) as client:
        receipt = client.send(args)
    [event] = [e.attributes for e in receipt.events if e.type == "assets.reviewed"]
    result = {
        "id": event["identifier"] or content_id,
        "status": event["status"],
        "tx": receipt.tx_hash.hex(),
    }
    if json_out:
        print_json(result)
        return
    console.print(f"{result['id']}: {result['status']} (tx {result['tx']})")


@asset_app.command("consent")
@reports_errors
def consent(
    nodes: list[str] = nodes_option(),
    ca_bundle: Path | None = ca_bundle_option(),
    key: Path = key_option(),
    key_password: Path | None = key_password_option(),
    type_code: str = typer.Option(..., "--type", help="The type code."),
    mode: str = typer.Option(..., "--mode", help="window, department or transfer."),
    party: str = typer.Option(
        ..., "--party", help="The member's credit code (or, for transfer, the holder's address)."
    ),
    blocks: int = typer.Option(
        1000, "--blocks", min=1, max=100_000, help="How many blocks it stays usable."
    ),
) -> None:
    """Give a one-time consent: a window or department may issue to you, or a holder transfer."""
    signer = signer_of(key, key_password)
    with node_client(nodes, ca_bundle) as node:
        height = int(node.status().get("height", 0))
        receipt = AssetClient(node, signer).send(
            ConsentArgs(type_code, mode, party, height + blocks)
        )
    console.print(
        f"consent given (tx {receipt.tx_hash.hex()}), usable until height {height + blocks}"
    )


def _end(
    status_args: StatusArgs,
    nodes: list[str],
    ca_bundle: Path | None,
    signer: SigningKey,
    json_out: bool,
) -> None:
    with node_client(nodes, ca_bundle) as node:
        receipt = AssetClient(node, signer).send(status_args)
    [event] = [e.attributes for e in receipt.events if e.type == "assets.status_changed"]
    result = {"id": event["identifier"], "status": event["status"], "tx": receipt.tx_hash.hex()}
    if json_out:
        print_json(result)
        return
    console.print(f"{result['id']}: {result['status']} (tx {result['tx']})")


def _ending(abolish: bool) -> Any:
    """``asset revoke`` or ``asset abolish``: the same command, a different end."""

    @reports_errors
    def end(
        ref: str = typer.Argument(..., help="The asset: licence identifier or content id."),
        nodes: list[str] = nodes_option(),
        ca_bundle: Path | None = ca_bundle_option(),
        key: Path = key_option(),
        key_password: Path | None = key_password_option(),
        reason: str = typer.Option(..., "--reason", help="Why (recorded on chain)."),
        json_out: bool = json_option(),
    ) -> None:
        signer = signer_of(key, key_password)
        with node_client(nodes, ca_bundle) as node:
            content_id = AssetClient(node, signer).asset(ref).content_id
        _end(StatusArgs(content_id, reason, abolish), nodes, ca_bundle, signer, json_out)

    end.__doc__ = (
        "Abolish (废止) a valid asset your member issued."
        if abolish
        else "Revoke (撤销) a valid asset your member issued."
    )
    return end


asset_app.command("revoke")(_ending(abolish=False))
asset_app.command("abolish")(_ending(abolish=True))


@asset_app.command("show")
@reports_errors
def show(
    ref: str = typer.Argument(..., help="The asset: licence identifier or content id."),
    nodes: list[str] = nodes_option(),
    ca_bundle: Path | None = ca_bundle_option(),
    genesis: Path | None = genesis_option(),
    json_out: bool = json_option(),
) -> None:
    """An asset's status, public metadata and history, with the proofs (verified with --genesis)."""
    with node_client(nodes, ca_bundle) as node:
        asset, answer = show_asset(node, ref, None if genesis is None else load_genesis(genesis))
    if json_out:
        print_json({**answer, "verified": genesis is not None})
        return
    table = Table(title=f"asset {asset.identifier or asset.content_id.hex()}", show_header=False)
    blob = asset.content.blob
    rows = [
        ("status", answer["status"]),
        ("type", f"{asset.type} v{asset.type_version}"),
        ("holder", asset.holder.hex()),
        ("issuer", asset.issuer or "-"),
        ("mode", asset.mode),
        ("metadata", json.dumps(asset.metadata, ensure_ascii=False)),
        (
            "valid until",
            "long-term" if asset.valid_until == 0 else human_time_ms(asset.valid_until),
        ),
        ("encryption", asset.content.method),
        ("content", f"{blob.hash.hex()} ({blob.size} bytes)"),
        ("stored on", ", ".join(blob.locators)),
        ("latest tx", asset.last_tx.hex()),
        ("verified", "yes" if genesis is not None else "no (use --genesis)"),
    ]
    for name, value in rows:
        table.add_row(name, value)
    console.print(table)
    history = Table(title="history")
    for column in ("height", "time", "action", "status", "by", "reason"):
        history.add_column(column, overflow="fold")
    for item in answer["history"]:
        history.add_row(
            str(item["height"]),
            human_time_ms(item["time"]),
            item["action"],
            item["status"],
            item["by"],
            item["reason"],
        )
    console.print(history)


@asset_app.command("fetch")
@reports_errors
def fetch(
    ref: str = typer.Argument(..., help="The asset: licence identifier or content id."),
    nodes: list[str] = nodes_option(),
    ca_bundle: Path | None = ca_bundle_option(),
    key: Path = key_option(),
    key_password: Path | None = key_password_option(),
    password_file: Path | None = typer.Option(
        None, "--password-file", help="Your locker's unlock password (holder, or a grantee)."
    ),
    code: str = typer.Option("", "--code", help="An authorization code, instead of a grant."),
    as_regulator: bool = typer.Option(
        False, "--as-regulator", help="Read in your supervision scope (with --password-file)."
    ),
    purpose: str = typer.Option(
        "", "--purpose", help="事由 of the read (recorded on chain; needed unless you hold it)."
    ),
    out: Path = typer.Option(..., "--out", help="Directory for the fields and the document."),
    genesis: Path | None = genesis_option(),
) -> None:
    """Fetch an asset's content, check its hash and decrypt it here.

    The holder reads its own asset with --password-file. Anyone else records
    the read on chain first (a usage record with --purpose), through a grant to
    it (--password-file) or an authorization code (--code), or as a regulator
    in its scope (--as-regulator --password-file), and gets an annotated copy
    (NAME.copy.json) that `govchain verify` checks offline.
    """
    if bool(code) == (password_file is not None):
        fail("give exactly one of --password-file and --code")
    signer = signer_of(key, key_password)
    with (
        node_client(nodes, ca_bundle, signer) as node,
        asset_client(node, signer, genesis) as client,
    ):
        asset = client.asset(ref)
        holder = asset.holder == client.address and not code and not as_regulator
        if not holder and not purpose.strip():
            fail("--purpose: a read through a grant or a code records why (事由)")
        copy: dict[str, Any] | None = None
        if holder:
            assert password_file is not None
            fetched = client.fetch(ref, read_password_file(password_file))
            plaintext = fetched.plaintext
        else:
            grants = GrantClient(client)
            if code:
                used = grants.fetch_with_code(ref, code, purpose)
            elif as_regulator:
                assert password_file is not None
                used = grants.fetch_in_scope(ref, purpose, read_password_file(password_file))
            else:
                assert password_file is not None
                used = grants.fetch_with_grant(ref, purpose, read_password_file(password_file))
            plaintext, copy = used.plaintext, used.annotated_copy(node).to_json()
    _write_content(out, asset, plaintext, copy)


def _write_content(
    out: Path, asset: Asset, plaintext: Plaintext, copy: dict[str, Any] | None
) -> None:
    out.mkdir(parents=True, exist_ok=True)
    name = asset.identifier or asset.content_id.hex()
    fields_path = out / f"{name}.fields.json"
    fields_path.write_text(
        json.dumps(plaintext.fields, ensure_ascii=False, indent=2) + "\n", encoding="utf-8"
    )
    written = [str(fields_path)]
    if plaintext.file is not None:
        document = out / Path(plaintext.file[0]).name
        document.write_bytes(plaintext.file[1])
        written.append(str(document))
    if copy is not None:
        copy_path = out / f"{name}.copy.json"
        copy_path.write_text(json.dumps(copy, indent=2) + "\n", encoding="utf-8")
        written.append(str(copy_path))
    console.print(f"decrypted {name}: " + ", ".join(written))


@asset_app.command("transfer")
@reports_errors
def transfer(
    ref: str = typer.Argument(..., help="The asset: licence identifier or content id."),
    nodes: list[str] = nodes_option(),
    ca_bundle: Path | None = ca_bundle_option(),
    key: Path = key_option(),
    key_password: Path | None = key_password_option(),
    to: str = typer.Option(..., "--to", help="The new holder's address (40 hex)."),
    data: Path = typer.Option(..., "--data", help="The fields of the new version (JSON)."),
    file: Path | None = typer.Option(None, "--file", help="Its document."),
    copies: int = copies_option(),
    genesis: Path | None = genesis_option(),
    json_out: bool = json_option(),
) -> None:
    """Transfer (转移) an asset: a new version for the new holder, under a fresh data key.

    By the issuer (a type with transfer = issuer) or by the holder with the new
    holder's consent (transfer = holders: `asset consent --mode transfer`).
    """
    signer = signer_of(key, key_password)
    with (
        node_client(nodes, ca_bundle) as node,
        asset_client(node, signer, genesis, copies) as client,
    ):
        moved = client.transfer(
            ref, address_of_text(to, "--to"), load_fields_file(data), document_of(file)
        )
    _report(moved, json_out, "transferred; the new version")


@asset_app.command("key")
@reports_errors
def data_key(
    ref: str = typer.Argument(..., help="The asset: licence identifier or content id."),
    nodes: list[str] = nodes_option(),
    ca_bundle: Path | None = ca_bundle_option(),
    key: Path = key_option(),
    key_password: Path | None = key_password_option(),
    password_file: Path = typer.Option(
        ..., "--password-file", help="The locker's unlock password."
    ),
    genesis: Path | None = genesis_option(),
    json_out: bool = json_option(),
) -> None:
    """Print the asset's data key (hex) and encryption method, unlocked here by your password.

    Seed 003's 获取数字资产对称密钥. Whoever sees the key can read the content:
    print it only where no one else can.
    """
    password = read_password_file(password_file)
    signer = signer_of(key, key_password)
    with node_client(nodes, ca_bundle) as node, asset_client(node, signer, genesis) as client:
        method = client.asset(ref).content.method
        value = client.data_key(ref, password)
    if json_out:
        print_json({"id": ref, "method": method, "data_key": value.hex()})
        return
    console.print(f"{method} data key of {ref}: {value.hex()}")


# an asset's usage history is a grants read; listed here, where a holder looks for it
asset_app.command("history")(history)
