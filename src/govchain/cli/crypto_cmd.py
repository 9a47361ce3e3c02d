"""``govchain crypto``: self-test, sign, verify, encrypt and decrypt files."""

from __future__ import annotations

from dataclasses import asdict
from enum import StrEnum
from pathlib import Path

import typer
from rich.table import Table

from govchain.cli.console import console, fail, print_json, read_password, reports_errors
from govchain.crypto.gm import GmSigningKey, GmSuite
from govchain.crypto.keyfiles import read_public_key, read_signing_key, write_file_atomic
from govchain.crypto.selftest import run_selftest
from govchain.crypto.sm2 import DEFAULT_ID
from govchain.crypto.sm2_cipher import c1c3c2_to_der, der_to_c1c3c2
from govchain.crypto.suites import suite_for

app = typer.Typer(help="Self-test the crypto suites; sign, verify, encrypt and decrypt files.")

_ID_HELP = "SM2 signer ID (GM/T 0009); OpenSSL needs -sigopt distid:<ID> to match."


class CipherFormat(StrEnum):
    """SM2 ciphertext layouts."""

    der = "der"
    c1c3c2 = "c1c3c2"


@app.command()
@reports_errors
def selftest(json_out: bool = typer.Option(False, "--json", help="Print JSON.")) -> None:
    """Run the known-answer and round-trip checks of both suites."""
    results = run_selftest()
    if json_out:
        print_json(
            {"passed": all(r.passed for r in results), "checks": [asdict(r) for r in results]}
        )
    else:
        table = Table(title="GovChain crypto self-test")
        for column in ("suite", "check", "result"):
            table.add_column(column)
        for r in results:
            verdict = "[green]pass[/]" if r.passed else f"[red]FAIL[/] {r.detail}"
            table.add_row(r.suite, r.name, verdict)
        console.print(table)
    failed = [r.name for r in results if not r.passed]
    if failed:
        fail(f"{len(failed)} self-test check(s) failed: {', '.join(failed)}")


@app.command()
@reports_errors
def sign(
    key: Path = typer.Option(..., "--key", help="Private key PEM (PKCS#8)."),
    infile: Path = typer.Option(..., "--in", help="File to sign."),
    out: Path = typer.Option(..., "--out", help="Where to write the signature (DER for SM2)."),
    password_file: Path | None = typer.Option(None, help="File holding the key's password."),
    signer_id: str = typer.Option(DEFAULT_ID.decode(), "--id", help=_ID_HELP),
) -> None:
    """Sign a file with an SM2 or Ed25519 key."""
    signing_key = read_signing_key(key, read_password(password_file))
    if isinstance(signing_key, GmSigningKey):
        signing_key.user_id = signer_id.encode()
    write_file_atomic(out, signing_key.sign(infile.read_bytes()), 0o644)
    console.print(f"signed {infile} with {signing_key.suite_name} key -> {out}")


@app.command()
@reports_errors
def verify(
    pub: Path = typer.Option(..., "--pub", help="Public key PEM (SPKI), or a private key PEM."),
    infile: Path = typer.Option(..., "--in", help="File that was signed."),
    sig: Path = typer.Option(..., "--sig", help="Signature file."),
    signer_id: str = typer.Option(DEFAULT_ID.decode(), "--id", help=_ID_HELP),
) -> None:
    """Verify a file's signature; exit 1 with a reason if it does not verify."""
    suite_name, public_key = read_public_key(pub)
    suite = suite_for(suite_name, signer_id.encode())
    if not suite.verify(public_key, infile.read_bytes(), sig.read_bytes()):
        fail(f"{suite.signature_algorithm} signature in {sig} does not verify for {infile}")
    console.print(f"signature OK ({suite.signature_algorithm})")


@app.command()
@reports_errors
def encrypt(
    pub: Path = typer.Option(..., "--pub", help="SM2 public key PEM of the recipient."),
    infile: Path = typer.Option(..., "--in", help="File to encrypt (at most 1 MiB)."),
    out: Path = typer.Option(..., "--out", help="Where to write the ciphertext."),
    fmt: CipherFormat = typer.Option(CipherFormat.der, "--format", help="Ciphertext layout."),
) -> None:
    """SM2-encrypt a file (GM/T 0009 DER, as openssl pkeyutl writes, or raw C1C3C2)."""
    suite_name, public_key = read_public_key(pub)
    if suite_name != "gm":
        fail("public-key encryption is SM2 only; the key is not an SM2 key")
    der = GmSuite().encrypt(public_key, infile.read_bytes())
    write_file_atomic(out, der if fmt is CipherFormat.der else der_to_c1c3c2(der), 0o644)
    console.print(f"encrypted {infile} -> {out} ({fmt.value})")


@app.command()
@reports_errors
def decrypt(
    key: Path = typer.Option(..., "--key", help="SM2 private key PEM."),
    infile: Path = typer.Option(..., "--in", help="Ciphertext file."),
    out: Path = typer.Option(..., "--out", help="Where to write the plaintext."),
    fmt: CipherFormat = typer.Option(CipherFormat.der, "--format", help="Ciphertext layout."),
    password_file: Path | None = typer.Option(None, help="File holding the key's password."),
) -> None:
    """Decrypt an SM2 ciphertext addressed to KEY."""
    signing_key = read_signing_key(key, read_password(password_file))
    if not isinstance(signing_key, GmSigningKey):
        fail("public-key decryption is SM2 only; the key is not an SM2 key")
    data = infile.read_bytes()
    plaintext = signing_key.decrypt(data if fmt is CipherFormat.der else c1c3c2_to_der(data))
    write_file_atomic(out, plaintext)
    console.print(f"decrypted {infile} -> {out}")
