"""CLI of service ``gov``: ``govchain gov propose|vote|withdraw|list|show`` (docs/spec/gov.md).

A member's admin proposes an action and the admins vote; the vote that
decides a proposal executes it. ``--set k=v`` gives the action's arguments
as text, typed by ``govchain.contracts.gov.actions.ARG_KINDS``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import typer
from rich.table import Table

from govchain.cli.console import console, fail, print_json, read_password, reports_errors
from govchain.cli.node_access import ca_bundle_option, node_client, nodes_option
from govchain.client.asset_types import load_type_file
from govchain.client.gov import GovClient, verify_proposal
from govchain.client.process_files import load_process_file
from govchain.client.sdk import NodeClient
from govchain.client.submission import committed_receipt
from govchain.contracts.gov.actions import ACTION_NAMES, ARG_KINDS
from govchain.contracts.gov.txs import ProposeArgs
from govchain.crypto import SigningKey
from govchain.crypto.certs import certificate_from_pem
from govchain.crypto.keyfiles import read_public_key, read_signing_key
from govchain.ledger.genesis_file import load_genesis
from govchain.types import Receipt

app = typer.Typer(
    help="Governance: proposals and votes of the member admins (F-B1, F-B2).",
    no_args_is_help=True,
)

PROPOSAL_STATES = ("open", "executed", "rejected", "withdrawn", "expired")


def _key_option() -> Any:
    return typer.Option(..., "--key", help="A member admin's private key (PEM).")


def _timeout_option() -> Any:
    return typer.Option(60.0, "--timeout", min=1, help="Seconds to wait for the commit.")


def parse_action_args(action: str, pairs: list[str]) -> dict[str, object]:
    """``k=v`` pairs as the action's typed arguments; exits 1 naming a bad one."""
    kinds = ARG_KINDS.get(action)
    if kinds is None:
        fail(f"unknown action {action!r}; known: {', '.join(ACTION_NAMES)}")
    args: dict[str, object] = {}
    for pair in pairs:
        name, sep, text = pair.partition("=")
        if not sep or name not in kinds:
            fail(f"--set {pair!r}: expected NAME=VALUE with NAME one of {', '.join(kinds)}")
        args[name] = _typed(name, kinds[name], text)
    return args


_BYTE_SIZES = {"address": 20, "contract_id": 16, "hash": 32}
"""Kinds given as hex, and their sizes in bytes."""


def _typed(name: str, kind: str, text: str) -> object:
    items = [item.strip() for item in text.split(",") if item.strip()]
    try:
        if kind == "int":
            return int(text)
        if kind == "int_or_text":
            return int(text) if text.isdigit() else text
        if kind == "bool":
            if text not in ("true", "false"):
                fail(f"--set {name}: expected true or false")
            return text == "true"
        if kind == "names":
            return sorted(set(items))
        if kind in _BYTE_SIZES:
            value = bytes.fromhex(text)
            size = _BYTE_SIZES[kind]
            if len(value) != size:
                fail(f"--set {name}: expected {size} bytes as {2 * size} hex digits")
            return value
        if kind == "keys":
            return [_public_key(item) for item in items]
        if kind == "key":
            return _public_key(text.strip())
        if kind == "certs":
            return [_certificate_der(Path(item)) for item in items]
        if kind == "type_file":
            return load_type_file(Path(text))
        if kind == "process_file":
            return load_process_file(Path(text))
    except ValueError:
        fail(f"--set {name}: {text!r} is not a valid {kind} value")
    return text


def _public_key(item: str) -> bytes:
    path = Path(item)
    if path.exists():
        return read_public_key(path)[1]
    return bytes.fromhex(item)


def _certificate_der(path: Path) -> bytes:
    data = path.read_bytes()
    if b"-----BEGIN CERTIFICATE-----" in data:
        return bytes(certificate_from_pem(data).dump())
    return data


def _signer(key: Path, password_file: Path | None) -> SigningKey:
    return read_signing_key(key, read_password(password_file))


def _outcome(receipt: Receipt) -> dict[str, object]:
    events = {event.type: event.attributes for event in receipt.events}
    return {
        "status": receipt.status,
        "error": receipt.error,
        "decided": events.get("gov.decided", {}).get("state"),
    }


@app.command("propose")
@reports_errors
def propose(
    action: str = typer.Argument(..., help=f"One of: {', '.join(ACTION_NAMES)}."),
    nodes: list[str] = nodes_option(),
    ca_bundle: Path | None = ca_bundle_option(),
    key: Path = _key_option(),
    password_file: Path | None = typer.Option(None, "--password-file", help="Key password."),
    sets: list[str] = typer.Option([], "--set", help="An argument of the action, NAME=VALUE."),
    reason: str = typer.Option(..., "--reason", help="Why (recorded on the chain)."),
    expires_in: int = typer.Option(
        1000, "--expires-in", min=1, help="Heights the proposal stays open."
    ),
    timeout_s: float = _timeout_option(),
    json_out: bool = typer.Option(False, "--json", help="Print one JSON object."),
) -> None:
    """Propose ACTION; wait for its commit and print the proposal's number.

    Exits 1 when the chain refuses the proposal (the reason is printed).
    """
    args = parse_action_args(action, sets)
    signer = _signer(key, password_file)
    with node_client(nodes, ca_bundle) as client:
        height = int(client.status().get("height", 0))
        proposal = ProposeArgs(action, args, reason, height + 1 + expires_in)
        _, tx_hash = GovClient(client).propose(signer, proposal)
        receipt = committed_receipt(client, tx_hash, timeout_s)
    if receipt.status != 0:
        fail(f"the chain refused the proposal: {receipt.error}")
    [proposal_id] = [e.attributes["id"] for e in receipt.events if e.type == "gov.proposed"]
    if json_out:
        print_json({"proposal": proposal_id, "tx": tx_hash.hex()})
        return
    console.print(f"proposal {proposal_id}: {action} (tx {tx_hash.hex()[:16]}…)", highlight=False)


def _vote_or_withdraw(client: NodeClient, tx_hash: bytes, timeout_s: float, json_out: bool) -> None:
    receipt = committed_receipt(client, tx_hash, timeout_s)
    outcome = _outcome(receipt)
    if json_out:
        print_json({**outcome, "tx": tx_hash.hex()})
    if receipt.status != 0:
        fail(f"the chain refused it: {receipt.error}")
    if not json_out:
        decided = outcome["decided"]
        suffix = f"; the proposal is now {decided}" if decided else ""
        console.print(f"committed (tx {tx_hash.hex()[:16]}…){suffix}", highlight=False)


@app.command("vote")
@reports_errors
def vote(
    proposal_id: int = typer.Argument(..., min=1, help="The proposal's number."),
    nodes: list[str] = nodes_option(),
    ca_bundle: Path | None = ca_bundle_option(),
    key: Path = _key_option(),
    password_file: Path | None = typer.Option(None, "--password-file", help="Key password."),
    yes: bool = typer.Option(None, "--yes/--no", help="Vote for or against."),
    timeout_s: float = _timeout_option(),
    json_out: bool = typer.Option(False, "--json", help="Print one JSON object."),
) -> None:
    """Vote on a proposal as a member admin; a deciding vote executes the action.

    Exits 1 when the chain refuses the vote (the reason is printed).
    """
    if yes is None:
        fail("say --yes or --no")
    signer = _signer(key, password_file)
    with node_client(nodes, ca_bundle) as client:
        _, tx_hash = GovClient(client).vote(signer, proposal_id, yes)
        _vote_or_withdraw(client, tx_hash, timeout_s, json_out)


@app.command("withdraw")
@reports_errors
def withdraw(
    proposal_id: int = typer.Argument(..., min=1, help="The proposal's number."),
    nodes: list[str] = nodes_option(),
    ca_bundle: Path | None = ca_bundle_option(),
    key: Path = _key_option(),
    password_file: Path | None = typer.Option(None, "--password-file", help="Key password."),
    timeout_s: float = _timeout_option(),
    json_out: bool = typer.Option(False, "--json", help="Print one JSON object."),
) -> None:
    """Withdraw an open proposal you made."""
    signer = _signer(key, password_file)
    with node_client(nodes, ca_bundle) as client:
        _, tx_hash = GovClient(client).withdraw(signer, proposal_id)
        _vote_or_withdraw(client, tx_hash, timeout_s, json_out)


@app.command("list")
@reports_errors
def list_proposals(
    nodes: list[str] = nodes_option(),
    ca_bundle: Path | None = ca_bundle_option(),
    state: str | None = typer.Option(None, "--state", help=f"One of {', '.join(PROPOSAL_STATES)}."),
    limit: int = typer.Option(20, "--limit", min=1, max=100, help="Proposals per page."),
    cursor: str | None = typer.Option(None, "--cursor", help="Start at this cursor."),
    json_out: bool = typer.Option(False, "--json", help="Print one JSON object."),
) -> None:
    """List proposals, newest first."""
    if state is not None and state not in PROPOSAL_STATES:
        fail(f"--state: expected one of {', '.join(PROPOSAL_STATES)}")
    with node_client(nodes, ca_bundle) as client:
        page = GovClient(client).proposals(state=state, cursor=cursor, limit=limit)
    if json_out:
        print_json(page)
        return
    table = Table(title=f"proposals at height {page.get('height')}")
    for column in ("id", "action", "state", "yes", "no", "of", "expires", "proposer"):
        table.add_column(column, no_wrap=True)
    table.add_column("reason", overflow="fold")
    for item in page.get("proposals", []):
        total = sum(weight for _, weight in item.get("electorate", []))
        table.add_row(
            str(item["id"]),
            item["action"],
            item["state"],
            str(item["yes"]),
            str(item["no"]),
            str(total),
            str(item["expiry_height"]),
            item["proposer_org"],
            item["reason"],
        )
    console.print(table)
    if page.get("next") is not None:
        console.print(f"more: --cursor {page['next']}", highlight=False)


@app.command("show")
@reports_errors
def show(
    proposal_id: int = typer.Argument(..., min=1, help="The proposal's number."),
    nodes: list[str] = nodes_option(),
    ca_bundle: Path | None = ca_bundle_option(),
    genesis_file: Path | None = typer.Option(
        None, "--genesis", help="Verify the proposal offline against this genesis.json."
    ),
    json_out: bool = typer.Option(False, "--json", help="Print one JSON object."),
) -> None:
    """Show one proposal; with --genesis, verify it offline first (exit 1 if it does not)."""
    with node_client(nodes, ca_bundle) as client:
        answer = GovClient(client).proposal(proposal_id)
    if genesis_file is not None:
        verify_proposal(load_genesis(genesis_file), answer)
    proposal = answer["proposal"]
    if json_out:
        print_json({**answer, "verified": genesis_file is not None})
        return
    table = Table(title=f"proposal {proposal_id}", show_header=False)
    table.add_column("field")
    table.add_column("value", overflow="fold")
    for name in ("action", "args", "reason", "state", "result", "proposer", "proposer_org"):
        table.add_row(name, str(proposal.get(name)))
    for name in ("rule", "participate_rate", "win_rate", "yes", "no", "voters"):
        table.add_row(name, str(proposal.get(name)))
    table.add_row("electorate", ", ".join(f"{c} ({w})" for c, w in proposal.get("electorate", [])))
    table.add_row("open", f"heights {proposal.get('height')} to {proposal.get('expiry_height')}")
    table.add_row("verified", "yes" if genesis_file is not None else "no (use --genesis)")
    console.print(table)
