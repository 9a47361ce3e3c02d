"""CLI of service ``grants``: ``govchain grant``, ``code``, ``delegate``, ``request``.

Over the grants SDK (``govchain.client.grants``): the data key is opened on
this machine with the locker password (``--password-file``) and sealed to
the grantee, or under a fresh authorization code, which is shown once.
docs/spec/grants.md.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

import typer
from rich.table import Table

from govchain.cli.asset_options import (
    address_of_text,
    asset_client,
    genesis_option,
    id_of_text,
    json_option,
    key_option,
    key_password_option,
    signer_of,
)
from govchain.cli.console import console, fail, human_time_ms, print_json, reports_errors
from govchain.cli.node_access import ca_bundle_option, node_client, nodes_option
from govchain.client import verify_tx_receipt
from govchain.client.auth_codes import write_qr_png
from govchain.client.grants import GrantClient
from govchain.client.locker_keys import read_password_file
from govchain.ledger.genesis_file import load_genesis
from govchain.ledger.proofs import TxReceiptBundle

__all__ = ["code_app", "delegate_app", "grant_app", "history", "request_app"]

grant_app = typer.Typer(help="Grants (授权): let an account view or use an asset, revocably.")
code_app = typer.Typer(help="Authorization codes (授权码): one code, a purpose, an expiry, uses.")
delegate_app = typer.Typer(help="Delegation (委托): an agent acts on your assets until an expiry.")
request_app = typer.Typer(help="Requests for grants: ask a holder; answer what you were asked.")


def expires_ms(text: str) -> int:
    """An ISO 8601 time with its offset (``2027-01-31T18:00:00+08:00``) as ms since the epoch."""
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        fail(f"--expires: {text!r} is not an ISO 8601 time (e.g. 2027-01-31T18:00:00+08:00)")
    if moment.tzinfo is None:
        fail("--expires: give the UTC offset too (e.g. +08:00), so the time is not ambiguous")
    return int(moment.timestamp() * 1000)


def _password() -> Any:
    return typer.Option(..., "--password-file", help="Your locker's unlock password.")


def _on_behalf() -> Any:
    return typer.Option("", "--on-behalf", help="The holder you act for, as its agent.")


@grant_app.command("create")
@reports_errors
def grant_create(
    ref: str = typer.Argument(..., help="The asset: licence identifier or content id."),
    nodes: list[str] = nodes_option(),
    ca_bundle: Path | None = ca_bundle_option(),
    key: Path = key_option(),
    key_password: Path | None = key_password_option(),
    to: str = typer.Option(..., "--to", help="The grantee's address (40 hex)."),
    scope: str = typer.Option("view", "--scope", help="view or use."),
    purpose: str = typer.Option(..., "--purpose", help="事由: why it is granted."),
    expires: str = typer.Option(..., "--expires", help="ISO 8601 with offset."),
    uses: int = typer.Option(1, "--uses", min=1, max=1_000_000, help="Usage records allowed."),
    matter: str = typer.Option("", "--matter", help="The matter (事项) code it is for."),
    on_behalf: str = _on_behalf(),
    password_file: Path = _password(),
    json_out: bool = json_option(),
) -> None:
    """Grant an account view or use of an asset; prints the grant's id."""
    if scope not in ("view", "use"):
        fail("--scope: expected view or use")
    password = read_password_file(password_file)
    signer = signer_of(key, key_password)
    behalf = address_of_text(on_behalf, "--on-behalf") if on_behalf else b""
    with node_client(nodes, ca_bundle, signer) as node, asset_client(node, signer) as assets:
        grant_id = GrantClient(assets).grant(
            ref, address_of_text(to, "--to"), scope, purpose, expires_ms(expires), uses,
            password, matter=matter, on_behalf=behalf,
        )  # fmt: skip
    if json_out:
        print_json({"grant": grant_id.hex()})
        return
    console.print(f"grant [bold]{grant_id.hex()}[/bold]")


@grant_app.command("revoke")
@reports_errors
def grant_revoke(
    grant_id: str = typer.Argument(..., help="The grant's (or code's) id, 32 hex digits."),
    nodes: list[str] = nodes_option(),
    ca_bundle: Path | None = ca_bundle_option(),
    key: Path = key_option(),
    key_password: Path | None = key_password_option(),
    reason: str = typer.Option(..., "--reason", help="Why (recorded on chain)."),
    on_behalf: str = _on_behalf(),
) -> None:
    """Revoke a grant or a code: every later read through it is refused."""
    signer = signer_of(key, key_password)
    behalf = address_of_text(on_behalf, "--on-behalf") if on_behalf else b""
    with node_client(nodes, ca_bundle) as node, asset_client(node, signer) as assets:
        receipt = GrantClient(assets).revoke(id_of_text(grant_id, "GRANT_ID"), reason, behalf)
    console.print(f"revoked (tx {receipt.tx_hash.hex()})")


@grant_app.command("list")
@reports_errors
def grant_list(
    nodes: list[str] = nodes_option(),
    ca_bundle: Path | None = ca_bundle_option(),
    key: Path = key_option(),
    key_password: Path | None = key_password_option(),
    json_out: bool = json_option(),
) -> None:
    """The grants to you (shared with me), with their state (a signed read)."""
    signer = signer_of(key, key_password)
    with node_client(nodes, ca_bundle, signer) as node, asset_client(node, signer) as assets:
        records = GrantClient(assets).shared_with_me()
    if json_out:
        print_json({"grants": records})
        return
    table = Table(title="shared with me")
    for column in ("grant", "asset", "holder", "scope", "purpose", "used", "expires", "status"):
        table.add_column(column, overflow="fold")
    for r in records:
        table.add_row(
            r["id"], r["asset"], r["holder"], r["scope"], r["purpose"],
            f"{r['used']}/{r['uses']}", human_time_ms(r["expires"]), r["status"],
        )  # fmt: skip
    console.print(table)


@code_app.command("new")
@reports_errors
def code_new(
    ref: str = typer.Argument(..., help="The asset: licence identifier or content id."),
    nodes: list[str] = nodes_option(),
    ca_bundle: Path | None = ca_bundle_option(),
    key: Path = key_option(),
    key_password: Path | None = key_password_option(),
    purpose: str = typer.Option(..., "--purpose", help="事由."),
    expires: str = typer.Option(..., "--expires", help="ISO 8601 with offset."),
    uses: int = typer.Option(1, "--uses", min=1, max=1_000_000, help="Uses allowed."),
    qr: Path | None = typer.Option(None, "--qr", help="Also write the code as a QR image (PNG)."),
    password_file: Path = _password(),
    json_out: bool = json_option(),
) -> None:
    """A new authorization code for an asset: shown once, only its key goes on chain."""
    password = read_password_file(password_file)
    signer = signer_of(key, key_password)
    deadline = expires_ms(expires)
    with node_client(nodes, ca_bundle, signer) as node, asset_client(node, signer) as assets:
        issued = GrantClient(assets).new_code(ref, purpose, deadline, uses, password)
    if qr is not None:
        write_qr_png(issued.code, qr)
    if json_out:
        print_json(
            {"code": issued.code, "expires": expires, "uses": uses, "id": issued.code_id.hex()}
        )
        return
    console.print(f"code [bold]{issued.code}[/bold] (shown once), {uses} use(s), until {expires}")


@delegate_app.command("create")
@reports_errors
def delegate_create(
    nodes: list[str] = nodes_option(),
    ca_bundle: Path | None = ca_bundle_option(),
    key: Path = key_option(),
    key_password: Path | None = key_password_option(),
    agent: str = typer.Option(..., "--agent", help="The agent's address (40 hex)."),
    scope: list[str] = typer.Option(..., "--scope", help="view, use, grant (repeat)."),
    expires: str = typer.Option(..., "--expires", help="ISO 8601 with offset."),
    purpose: str = typer.Option(..., "--purpose", help="事由."),
    type_codes: list[str] = typer.Option([], "--type", help="Only assets of this type (repeat)."),
    assets_: list[str] = typer.Option([], "--asset", help="Only this asset's content id (repeat)."),
    json_out: bool = json_option(),
) -> None:
    """Delegate acts on your assets to an agent (all, by type, or single assets) until a time."""
    signer = signer_of(key, key_password)
    with node_client(nodes, ca_bundle) as node, asset_client(node, signer) as assets:
        delegation = GrantClient(assets).delegate(
            address_of_text(agent, "--agent"), tuple(scope), expires_ms(expires), purpose,
            types=tuple(type_codes), assets=tuple(id_of_text(a, "--asset") for a in assets_),
        )  # fmt: skip
    if json_out:
        print_json({"delegation": delegation.hex()})
        return
    console.print(f"delegation [bold]{delegation.hex()}[/bold]")


@delegate_app.command("revoke")
@reports_errors
def delegate_revoke(
    delegation: str = typer.Argument(..., help="The delegation's id, 32 hex digits."),
    nodes: list[str] = nodes_option(),
    ca_bundle: Path | None = ca_bundle_option(),
    key: Path = key_option(),
    key_password: Path | None = key_password_option(),
    reason: str = typer.Option(..., "--reason", help="Why."),
) -> None:
    """End a delegation."""
    signer = signer_of(key, key_password)
    with node_client(nodes, ca_bundle) as node, asset_client(node, signer) as assets:
        receipt = GrantClient(assets).undelegate(id_of_text(delegation, "DELEGATION"), reason)
    console.print(f"delegation ended (tx {receipt.tx_hash.hex()})")


@request_app.command("create")
@reports_errors
def request_create(
    ref: str = typer.Argument(..., help="The asset: licence identifier or content id."),
    nodes: list[str] = nodes_option(),
    ca_bundle: Path | None = ca_bundle_option(),
    key: Path = key_option(),
    key_password: Path | None = key_password_option(),
    scope: str = typer.Option("view", "--scope", help="view or use."),
    purpose: str = typer.Option(..., "--purpose", help="事由."),
    expires: str = typer.Option(..., "--expires", help="Until when the grant is wanted."),
    matter: str = typer.Option("", "--matter", help="The matter (事项) code."),
    remind_every: int = typer.Option(100, "--remind-every", min=1, max=100_000, help="Blocks."),
    reminders: int = typer.Option(3, "--reminders", min=0, max=10, help="Then it lapses."),
    json_out: bool = json_option(),
) -> None:
    """Ask an asset's holder for a grant; unanswered, it is reminded, then lapses."""
    signer = signer_of(key, key_password)
    with node_client(nodes, ca_bundle) as node, asset_client(node, signer) as assets:
        request_id = GrantClient(assets).request(
            ref, scope, purpose, expires_ms(expires),
            remind_every=remind_every, reminders=reminders, matter=matter,
        )  # fmt: skip
    if json_out:
        print_json({"request": request_id.hex()})
        return
    console.print(f"request [bold]{request_id.hex()}[/bold]")


@request_app.command("approve")
@reports_errors
def request_approve(
    request_id: str = typer.Argument(..., help="The request's id, 32 hex digits."),
    nodes: list[str] = nodes_option(),
    ca_bundle: Path | None = ca_bundle_option(),
    key: Path = key_option(),
    key_password: Path | None = key_password_option(),
    uses: int = typer.Option(1, "--uses", min=1, max=1_000_000, help="Uses the grant allows."),
    password_file: Path = _password(),
) -> None:
    """Approve a request: the grant is made in the same tx."""
    password = read_password_file(password_file)
    signer = signer_of(key, key_password)
    with node_client(nodes, ca_bundle) as node, asset_client(node, signer) as assets:
        receipt = GrantClient(assets).answer(
            id_of_text(request_id, "REQUEST_ID"), True, password, uses=uses
        )
    console.print(f"approved (tx {receipt.tx_hash.hex()})")


@request_app.command("decline")
@reports_errors
def request_decline(
    request_id: str = typer.Argument(..., help="The request's id, 32 hex digits."),
    nodes: list[str] = nodes_option(),
    ca_bundle: Path | None = ca_bundle_option(),
    key: Path = key_option(),
    key_password: Path | None = key_password_option(),
    reason: str = typer.Option(..., "--reason", help="Why (recorded on chain)."),
) -> None:
    """Decline a request, with a reason."""
    signer = signer_of(key, key_password)
    with node_client(nodes, ca_bundle) as node, asset_client(node, signer) as assets:
        receipt = GrantClient(assets).answer(
            id_of_text(request_id, "REQUEST_ID"), False, reason=reason
        )
    console.print(f"declined (tx {receipt.tx_hash.hex()})")


@request_app.command("list")
@reports_errors
def request_list(
    nodes: list[str] = nodes_option(),
    ca_bundle: Path | None = ca_bundle_option(),
    key: Path = key_option(),
    key_password: Path | None = key_password_option(),
    json_out: bool = json_option(),
) -> None:
    """The requests to you, with their state (a signed read)."""
    signer = signer_of(key, key_password)
    with node_client(nodes, ca_bundle, signer) as node, asset_client(node, signer) as assets:
        records = GrantClient(assets).requests()
    if json_out:
        print_json({"requests": records})
        return
    table = Table(title="requests to you")
    for column in ("request", "asset", "from", "scope", "purpose", "reminded", "status"):
        table.add_column(column, overflow="fold")
    for r in records:
        table.add_row(
            r["id"], r["asset"], r["requester"], r["scope"], r["purpose"],
            f"{r['reminded']}/{r['reminders']}", r["status"],
        )  # fmt: skip
    console.print(table)


@reports_errors
def history(
    ref: str = typer.Argument(..., help="The asset: licence identifier or content id."),
    nodes: list[str] = nodes_option(),
    ca_bundle: Path | None = ca_bundle_option(),
    key: Path = key_option(),
    key_password: Path | None = key_password_option(),
    genesis: Path | None = genesis_option(),
    json_out: bool = json_option(),
) -> None:
    """Every view and use of an asset, in order, each with its proof (verified with --genesis)."""
    signer = signer_of(key, key_password)
    with node_client(nodes, ca_bundle, signer) as node, asset_client(node, signer) as client:
        records = GrantClient(client).history(ref)
    if genesis is not None:
        trusted = load_genesis(genesis)
        for entry in records:
            verified = verify_tx_receipt(trusted, TxReceiptBundle.from_json(entry["receipt"]))
            if verified.tx_hash.hex() != entry["tx_hash"] or verified.block_time != entry["time"]:
                fail(f"usage record {entry['tx_hash']} does not match its receipt")
    if json_out:
        print_json({"usage": records, "verified": genesis is not None})
        return
    table = Table(title=f"usage of {ref}" + (" (verified)" if genesis is not None else ""))
    for column in ("time", "height", "reader", "action", "purpose", "via", "tx"):
        table.add_column(column, overflow="fold")
    for entry in records:
        table.add_row(
            human_time_ms(entry["time"]), str(entry["height"]), entry["reader"],
            entry["action"], entry["purpose"], entry["via"], entry["tx_hash"],
        )  # fmt: skip
    console.print(table)
