"""HTTPS for a node's API (``api.tls``): the start-up checks of its files, and its TLS context.

The certificate and key are ECDSA P-256 files from the member's API CA
(``govchain.crypto.api_ca``, docs/decisions/0006-api-tls.md); their paths in
``config.toml`` are relative to the node's home unless absolute. Before the
node starts, :func:`tls_file_problems` names every problem with them, one
line each, so ``node start`` refuses them the way it refuses any bad
setting. :func:`server_context` is what the API serves with: TLS 1.2 or 1.3
(OpenSSL picks 1.3 when the client has it), and for 1.2 only ECDHE key
exchange with AEAD ciphers.
"""

from __future__ import annotations

import datetime as dt
import ssl
import stat
from pathlib import Path

from cryptography import x509
from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.hazmat.primitives import serialization

from govchain.types.errors import ValidationError

__all__ = [
    "FILE_BYTES_MAX",
    "TLS12_CIPHERS",
    "ApiTlsError",
    "resolve",
    "server_context",
    "tls_file_problems",
]

FILE_BYTES_MAX = 64 * 1024
"""A certificate or key file larger than this is refused unread."""
TLS12_CIPHERS = "ECDHE+AESGCM:ECDHE+CHACHA20"
"""TLS 1.2 suites: forward secrecy and AEAD only (TLS 1.3 suites are all of that kind)."""


class ApiTlsError(ValidationError):
    """The API's certificate and key cannot be served."""

    code = "api_tls"


def resolve(home: Path, path: str) -> Path:
    """A path from ``config.toml``: relative to the home unless absolute."""
    return home / Path(path).expanduser()


def _read(what: str, path: Path, problems: list[str]) -> bytes | None:
    try:
        info = path.stat()
        if not stat.S_ISREG(info.st_mode):
            problems.append(f"{what}: {path} is not a file")
            return None
        if info.st_size > FILE_BYTES_MAX:
            problems.append(f"{what}: {path} is over {FILE_BYTES_MAX} bytes")
            return None
        if what.endswith("tls_key") and info.st_mode & 0o077:
            mode = stat.S_IMODE(info.st_mode)
            problems.append(f"{what}: {path} may be read by others (mode {mode:04o}); chmod 600 it")
            return None
        return path.read_bytes()
    except FileNotFoundError:
        problems.append(f"{what}: {path}: no such file")
    except OSError as exc:
        problems.append(f"{what}: {path}: {exc.strerror or exc}")
    return None


def tls_file_problems(
    home: Path, cert_path: str, key_path: str, now: dt.datetime | None = None
) -> list[str]:
    """Every problem with the API's certificate and key files, one line each (none: usable).

    Checks that each exists and is readable, that the key is owner-only, that
    the certificate is one PEM certificate valid ``now`` and not a CA's, and
    that the key is an unencrypted PEM key that belongs to it.
    """
    now = now or dt.datetime.now(dt.UTC)
    problems: list[str] = []
    cert_file, key_file = resolve(home, cert_path), resolve(home, key_path)
    cert_pem = _read("api.tls_cert", cert_file, problems)
    key_pem = _read("api.tls_key", key_file, problems)
    certificate = None
    if cert_pem is not None:
        certificate = _certificate(cert_file, cert_pem, now, problems)
    if key_pem is not None:
        try:
            key = serialization.load_pem_private_key(key_pem, None)
        except TypeError:
            problems.append(f"api.tls_key: {key_file} is encrypted; the node needs it unencrypted")
        except (ValueError, UnsupportedAlgorithm) as exc:
            problems.append(f"api.tls_key: {key_file} is not a PEM private key: {exc}")
        else:
            if certificate is not None and key.public_key() != certificate.public_key():
                problems.append(f"api.tls_key: {key_file} is not the key of {cert_file}")
    return problems


def _certificate(
    path: Path, pem: bytes, now: dt.datetime, problems: list[str]
) -> x509.Certificate | None:
    try:
        certificate = x509.load_pem_x509_certificate(pem)
    except ValueError as exc:
        problems.append(f"api.tls_cert: {path} is not a PEM certificate: {exc}")
        return None
    start, end = certificate.not_valid_before_utc, certificate.not_valid_after_utc
    if now < start:
        problems.append(
            f"api.tls_cert: {path} is valid only from {start.isoformat()} "
            f"(is this machine's clock right?)"
        )
    elif now > end:
        problems.append(f"api.tls_cert: {path} expired at {end.isoformat()}; issue a new one")
    try:
        is_ca = certificate.extensions.get_extension_for_class(x509.BasicConstraints).value.ca
    except x509.ExtensionNotFound:
        is_ca = False
    if is_ca:
        problems.append(f"api.tls_cert: {path} is a CA certificate, not a server's")
    return certificate


def server_context(cert_file: Path, key_file: Path) -> ssl.SSLContext:
    """The TLS context the API serves with; ApiTlsError (one line) if OpenSSL refuses the files."""
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    context.set_ciphers(TLS12_CIPHERS)
    context.options |= ssl.OP_CIPHER_SERVER_PREFERENCE
    try:
        context.load_cert_chain(cert_file, key_file)
    except (ssl.SSLError, OSError) as exc:
        raise ApiTlsError(
            f"api.tls_cert {cert_file} and api.tls_key {key_file} cannot be served: "
            f"{getattr(exc, 'reason', None) or exc}"
        ) from exc
    context.set_alpn_protocols(["http/1.1"])
    return context
