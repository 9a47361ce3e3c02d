"""``govchain keys``: make key pairs."""

from __future__ import annotations

from pathlib import Path

import typer

from govchain.cli.console import console, fail, read_password, reports_errors
from govchain.crypto.keyfiles import write_file_atomic
from govchain.crypto.suites import suite_for

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
