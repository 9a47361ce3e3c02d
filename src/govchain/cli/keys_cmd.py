"""``govchain keys``: make key pairs and show what a key file holds."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.markup import escape
from rich.table import Table

from govchain.cli.console import console, fail, print_json, read_password, reports_errors
from govchain.crypto.keyfiles import read_public_key, read_signing_key, write_file_atomic
from govchain.crypto.suites import suite_for
from govchain.ledger.records import address_of

app = typer.Typer(help="Make and inspect key pairs.")


@app.command("new")
@reports_errors
def new(
    suite: str = typer.Option("gm", "--suite", help="gm (SM2) or intl (Ed25519)."),
    out: Path = typer.Option(
        ..., "--out", help="Private key file to write (PKCS#8 PEM, mode 0600)."
    ),
    pub: Path | None = typer.Option(None, "--pub", help="Also write the public key (SPKI PEM)."),
    password_file: Path | None = typer.Option(
        None, help="Encrypt the private key with the password in this file."
    ),
) -> None:
    """Generate a key pair; openssl reads both files."""
    if out.exists():
        fail(f"{out} exists; refusing to overwrite a key")
    chosen = suite_for(suite)
    chosen.ensure_available()
    key = chosen.generate_key()
    write_file_atomic(out, key.to_pem(read_password(password_file)))
    console.print(f"wrote {chosen.name} private key {out}")
    if pub is not None:
        write_file_atomic(pub, key.public_key_pem(), 0o644)
        console.print(f"wrote public key {pub}")


@app.command("show")
@reports_errors
def show(
    key: Path = typer.Argument(
        ...,
        metavar="KEY.pem",
        help="A key file as `keys new` writes it: the private key or the public key (PEM).",
        show_default=False,
    ),
    password_file: Path | None = typer.Option(
        None, help="File holding the password of an encrypted private key."
    ),
    json_out: bool = typer.Option(
        False, "--json", help='Print {"suite", "public_key", "address"} (hex).'
    ),
) -> None:
    """Show a key's suite, public key and the account address it signs as."""
    password = read_password(password_file)
    if password is None:
        suite_name, public_key = read_public_key(key)
    else:
        signing_key = read_signing_key(key, password)
        suite_name, public_key = signing_key.suite_name, signing_key.public_key
    address = address_of(suite_for(suite_name), public_key)
    fields = {"suite": suite_name, "public_key": public_key.hex(), "address": address.hex()}
    if json_out:
        print_json(fields)
        return
    table = Table(title=escape(str(key)), show_header=False)
    table.add_column("field")
    table.add_column("value", overflow="fold")
    for name, value in fields.items():
        table.add_row(name, value)
    console.print(table)
