"""CLI of subjects (F-B3, F-C7): ``govchain subject apply|approve|refuse|show``.

A person's ID number, name and address are sealed on this machine with the
reviewing member's identity key before anything is sent; no output of these
commands repeats them.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import typer
from rich.table import Table

from govchain.cli.console import console, fail, print_json, read_password, reports_errors
from govchain.cli.node_access import ca_bundle_option, node_client, nodes_option
from govchain.client.sdk import NodeClient
from govchain.client.subjects import (
    PersonRecord,
    SubjectClient,
    person_application,
    read_identity_key,
)
from govchain.client.submission import committed_receipt
from govchain.contracts.registry.subject_txs import (
    SUBJECT_PERMISSIONS,
    SubjectApplyArgs,
    SubjectDecideArgs,
)
from govchain.crypto import SigningKey, suite_for
from govchain.crypto.keyfiles import read_signing_key
from govchain.ledger import records

app = typer.Typer(
    help="Trusted subjects: locker-opening applications and their review (F-B3).",
    no_args_is_help=True,
)


def _key(path: Path, password_file: Path | None) -> SigningKey:
    return read_signing_key(path, read_password(password_file))


def _commit(
    client: NodeClient, tx_hash: bytes, timeout_s: float, json_out: bool, what: str
) -> None:
    receipt = committed_receipt(client, tx_hash, timeout_s)
    if json_out:
        print_json({"tx": tx_hash.hex(), "status": receipt.status, "error": receipt.error})
    if receipt.status != 0:
        fail(f"the chain refused the {what}: {receipt.error}")
    if not json_out:
        console.print(f"{what} committed (tx {tx_hash.hex()[:16]}…)", highlight=False)


def _address(text: str) -> bytes:
    try:
        value = bytes.fromhex(text)
    except ValueError:
        value = b""
    if len(value) != 20:
        fail(f"ADDRESS: expected 40 hex digits, got {text[:48]!r}")
    return value


@app.command("apply")
@reports_errors
def apply(
    nodes: list[str] = nodes_option(),
    ca_bundle: Path | None = ca_bundle_option(),
    key: Path = typer.Option(..., "--key", help="The applicant's own private key (PEM)."),
    password_file: Path | None = typer.Option(None, "--password-file", help="Key password."),
    kind: str = typer.Option(..., "--kind", help="enterprise or person."),
    code: str = typer.Option(..., "--code", help="The credit code, or a person's ID number."),
    name: str = typer.Option(..., "--name", help="The enterprise's or the person's name."),
    member: str = typer.Option(..., "--member", help="The reviewing member's credit code."),
    identity_key: Path | None = typer.Option(
        None, "--identity-key", help="A person's: the reviewing member's identity key file."
    ),
    home_address: str = typer.Option("", "--address", help="A person's address (sealed)."),
    timeout_s: float = typer.Option(60.0, "--timeout", min=1, help="Seconds to wait."),
    json_out: bool = typer.Option(False, "--json", help="Print one JSON object."),
) -> None:
    """Apply for a digital locker with the applicant's own key; wait for the commit.

    An enterprise's code and name go on the chain in clear. A person's never do:
    they are sealed with --identity-key, and the chain gets a blind index.
    """
    applicant = _key(key, password_file)
    suite = suite_for(applicant.suite_name)
    if kind == "enterprise":
        args = SubjectApplyArgs("enterprise", member, code, name)
    elif kind == "person":
        if identity_key is None:
            fail("a person's application needs --identity-key (the reviewing member's)")
        address = records.address_of(suite, applicant.public_key)
        person = PersonRecord(code, name, home_address)
        index, sealed = person_application(suite, read_identity_key(identity_key), address, person)
        args = SubjectApplyArgs("person", member, blind_index=index, sealed=sealed)
    else:
        fail("--kind: expected enterprise or person")
    with node_client(nodes, ca_bundle) as client:
        _, tx_hash = SubjectClient(client).apply(applicant, args)
        _commit(client, tx_hash, timeout_s, json_out, "application")


def _decide(
    address: str,
    nodes: list[str],
    ca_bundle: Path | None,
    key: Path,
    password_file: Path | None,
    args: dict[str, Any],
    timeout_s: float,
    json_out: bool,
) -> None:
    officer = _key(key, password_file)
    decision = SubjectDecideArgs(_address(address), **args)
    with node_client(nodes, ca_bundle) as client:
        _, tx_hash = SubjectClient(client).decide(officer, decision)
        _commit(client, tx_hash, timeout_s, json_out, "decision")


@app.command("approve")
@reports_errors
def approve(
    address: str = typer.Argument(..., help="The applicant's address (40 hex digits)."),
    nodes: list[str] = nodes_option(),
    ca_bundle: Path | None = ca_bundle_option(),
    key: Path = typer.Option(..., "--key", help="An account key of the reviewing member."),
    password_file: Path | None = typer.Option(None, "--password-file", help="Key password."),
    permissions: str = typer.Option(
        "transact", "--permissions", help=f"Comma list of {', '.join(SUBJECT_PERMISSIONS)}."
    ),
    reason: str = typer.Option("", "--reason", help="Why (recorded)."),
    timeout_s: float = typer.Option(60.0, "--timeout", min=1, help="Seconds to wait."),
    json_out: bool = typer.Option(False, "--json", help="Print one JSON object."),
) -> None:
    """Approve an application: the subject's account opens with these permissions."""
    granted = tuple(sorted({p.strip() for p in permissions.split(",") if p.strip()}))
    args = {"approve": True, "reason": reason, "permissions": granted}
    _decide(address, nodes, ca_bundle, key, password_file, args, timeout_s, json_out)


@app.command("refuse")
@reports_errors
def refuse(
    address: str = typer.Argument(..., help="The applicant's address (40 hex digits)."),
    nodes: list[str] = nodes_option(),
    ca_bundle: Path | None = ca_bundle_option(),
    key: Path = typer.Option(..., "--key", help="An account key of the reviewing member."),
    password_file: Path | None = typer.Option(None, "--password-file", help="Key password."),
    reason: str = typer.Option(..., "--reason", help="Why (recorded; required)."),
    timeout_s: float = typer.Option(60.0, "--timeout", min=1, help="Seconds to wait."),
    json_out: bool = typer.Option(False, "--json", help="Print one JSON object."),
) -> None:
    """Refuse an application, with a reason; the applicant may apply again."""
    args = {"approve": False, "reason": reason}
    _decide(address, nodes, ca_bundle, key, password_file, args, timeout_s, json_out)


@app.command("show")
@reports_errors
def show(
    address: str = typer.Argument(..., help="The subject's address (40 hex digits)."),
    nodes: list[str] = nodes_option(),
    ca_bundle: Path | None = ca_bundle_option(),
    key: Path = typer.Option(..., "--key", help="The reader's key: the subject or its member."),
    password_file: Path | None = typer.Option(None, "--password-file", help="Key password."),
    json_out: bool = typer.Option(False, "--json", help="Print one JSON object."),
) -> None:
    """Show a subject record (a signed read: the subject itself or its reviewing member)."""
    reader = _key(key, password_file)
    with node_client(nodes, ca_bundle, reader) as client:
        answer = SubjectClient(client).subject(_address(address))
    if json_out:
        print_json(answer)
        return
    subject = answer["subject"]
    table = Table(title=f"subject {address}", show_header=False)
    table.add_column("field")
    table.add_column("value", overflow="fold")
    for name in ("kind", "status", "member", "code", "name", "permissions", "reason"):
        value = subject.get(name)
        table.add_row(name, ", ".join(value) if isinstance(value, list) else str(value))
    table.add_row("blind index", str(subject.get("blind_index"))[:16] + "…")
    console.print(table)
