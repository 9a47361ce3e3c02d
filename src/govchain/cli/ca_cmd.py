"""``govchain ca``: a member organization's certificate authorities (F-B5).

``init``/``issue``/``revoke``/``crl``/``verify`` run a member CA of the chain's
suite (identity and transport certificates). ``api-init``/``api-cert`` run
its API CA: ECDSA P-256 certificates for nodes' HTTPS APIs
(docs/decisions/0006-api-tls.md).
"""

from __future__ import annotations

import datetime as dt
from enum import StrEnum
from pathlib import Path

import typer
from rich.table import Table

from govchain.cli.console import console, fail, print_json, read_password, reports_errors
from govchain.crypto.api_ca import (
    API_CERT_DAYS,
    API_CERT_FILE,
    API_KEY_FILE,
    ApiCertificateAuthority,
)
from govchain.crypto.ca import CertificateAuthority
from govchain.crypto.certs import certificate_from_pem, certificate_to_pem, crl_from_pem
from govchain.crypto.certverify import verify_certificate
from govchain.crypto.keyfiles import write_file_atomic

app = typer.Typer(
    help="Run a member CA: issue, revoke and verify certificates; and its API CA (HTTPS)."
)

_CA_DIR = typer.Option(..., "--ca", help="The CA directory (ca.pem, ca.key, crl.pem, ca.json).")
_CA_PASSWORD = typer.Option(None, "--ca-password-file", help="File with the CA key's password.")


class Role(StrEnum):
    """Roles a member CA certifies."""

    node = "node"
    user = "user"
    admin = "admin"


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(microsecond=0)


@app.command()
@reports_errors
def init(
    org: str = typer.Option(..., "--org", help="Member organization name, e.g. the department."),
    suite: str = typer.Option("gm", "--suite", help="gm (SM2 with SM3) or intl (Ed25519)."),
    out: Path = typer.Option(..., "--out", help="Directory to create the CA in."),
    password_file: Path | None = typer.Option(None, help="Encrypt ca.key with this password."),
) -> None:
    """Create a CA: DIR/ca.pem, DIR/ca.key, an empty CRL and the CA's records."""
    ca = CertificateAuthority.init(out, org, suite, _now(), read_password(password_file))
    console.print(f"created {ca.suite.name} CA for '{org}' in {out} (ca.pem, ca.key, crl.pem)")


@app.command()
@reports_errors
def issue(
    ca_dir: Path = _CA_DIR,
    cn: str = typer.Option(..., "--cn", help="Common name of the subject, e.g. node0."),
    role: Role = typer.Option(..., "--role", help="What the certificate is for."),
    out: Path = typer.Option(..., "--out", help="PREFIX: writes PREFIX.pem and PREFIX.key."),
    days: int = typer.Option(730, "--days", min=1, max=3650, help="Validity in days."),
    ca_password_file: Path | None = _CA_PASSWORD,
    password_file: Path | None = typer.Option(None, help="Encrypt PREFIX.key with this password."),
) -> None:
    """Issue a key pair and a certificate for a node, user or admin."""
    cert_path, key_path = Path(f"{out}.pem"), Path(f"{out}.key")
    for path in (cert_path, key_path):
        if path.exists():
            fail(f"{path} exists; refusing to overwrite it")
    ca = CertificateAuthority.open(ca_dir, read_password(ca_password_file))
    cert, key = ca.issue(cn, role.value, _now(), days)
    write_file_atomic(key_path, key.to_pem(read_password(password_file)))
    write_file_atomic(cert_path, certificate_to_pem(cert), 0o644)
    console.print(
        f"issued {role.value} certificate {cert.serial_number:x} for '{cn}': "
        f"{cert_path}, {key_path}"
    )


@app.command()
@reports_errors
def revoke(
    ca_dir: Path = _CA_DIR,
    cert: Path = typer.Option(..., "--cert", help="Certificate to revoke (PEM)."),
    ca_password_file: Path | None = _CA_PASSWORD,
) -> None:
    """Revoke a certificate and publish a new CRL."""
    ca = CertificateAuthority.open(ca_dir, read_password(ca_password_file))
    certificate = certificate_from_pem(cert.read_bytes())
    if ca.revoke(certificate, _now()):
        console.print(f"revoked {certificate.serial_number:x}; new CRL in {ca_dir / 'crl.pem'}")
    else:
        console.print(f"{certificate.serial_number:x} was already revoked")


@app.command()
@reports_errors
def crl(ca_dir: Path = _CA_DIR, ca_password_file: Path | None = _CA_PASSWORD) -> None:
    """Re-issue the CRL (before its next-update date passes)."""
    ca = CertificateAuthority.open(ca_dir, read_password(ca_password_file))
    ca.publish_crl(_now())
    console.print(f"published CRL number {ca.state['crl_number']} in {ca_dir / 'crl.pem'}")


@app.command()
@reports_errors
def verify(
    ca_dir: Path = _CA_DIR,
    cert: Path = typer.Option(..., "--cert", help="Certificate to check (PEM)."),
    json_out: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """Check a certificate chains to the CA, is current, and is not revoked.

    Needs only the CA's public files (ca.pem and crl.pem), not its key.
    """
    info = verify_certificate(
        certificate_from_pem(cert.read_bytes()),
        certificate_from_pem((ca_dir / "ca.pem").read_bytes()),
        _now(),
        crl_from_pem((ca_dir / "crl.pem").read_bytes()),
    )
    fields = {
        "subject": info.common_name, "organization": info.organization, "role": info.role,
        "suite": info.suite, "serial": f"{info.serial:x}", "public_key": info.public_key.hex(),
        "not_before": f"{info.not_before:%Y-%m-%dT%H:%M:%SZ}",
        "not_after": f"{info.not_after:%Y-%m-%dT%H:%M:%SZ}",
    }  # fmt: skip
    if json_out:
        print_json({"valid": True, **fields})
        return
    table = Table(title=f"{cert}: valid", show_header=False)
    for name, value in fields.items():
        table.add_row(name, value if name != "public_key" else value[:32] + "…")
    console.print(table)


@app.command("api-init")
@reports_errors
def api_init(
    org: str = typer.Option(..., "--org", help="Member organization name, e.g. the department."),
    out: Path = typer.Option(..., "--out", help="Directory to create the API CA in."),
    password_file: Path | None = typer.Option(None, help="Encrypt ca.key with this password."),
) -> None:
    """Create an API CA (ECDSA P-256): DIR/ca.pem for clients' CA bundles, DIR/ca.key."""
    ApiCertificateAuthority.init(out, org, _now(), read_password(password_file))
    console.print(f"created the API CA of '{org}' in {out} (ca.pem, ca.key)")


@app.command("api-cert")
@reports_errors
def api_cert(
    ca_dir: Path = typer.Option(..., "--ca", help="The API CA directory (ca.pem, ca.key)."),
    node: str = typer.Option(..., "--node", help="The node's registered name, e.g. node0."),
    host: str = typer.Option(
        ..., "--host", help="Host clients reach the API at: an IP address or a DNS name."
    ),
    out: Path = typer.Option(..., "--out", help="Directory for api.pem and api.key (HOME/tls)."),
    days: int = typer.Option(
        API_CERT_DAYS, "--days", min=1, max=825, help="Validity in days (at most 825)."
    ),
    replace: bool = typer.Option(False, "--replace", help="Replace api.pem and api.key."),
    ca_password_file: Path | None = _CA_PASSWORD,
) -> None:
    """Issue a node's HTTPS certificate for HOST, and its key (owner-only).

    Written as OUT/api.pem and OUT/api.key, the files api.tls_cert and
    api.tls_key name by default; the node reads them when it starts.
    """
    for path in (out / API_CERT_FILE, out / API_KEY_FILE):
        if path.exists() and not replace:
            fail(f"{path} exists; pass --replace to issue a new certificate and key")
    ca = ApiCertificateAuthority.open(ca_dir, read_password(ca_password_file))
    identity = ca.issue_server_certificate(node, host, out, _now(), days)
    console.print(
        f"issued the API certificate of '{node}' for {', '.join(identity.names)}: "
        f"{identity.cert_file}, {identity.key_file}",
        highlight=False,
    )
