"""Transport certificates: the keys nodes authenticate each other with in TLS 1.3.

OpenSSL 3.0 has no TLS 1.3 SM2 cipher suites (RFC 8998), so transport keys
are Ed25519, issued by a per-organization transport CA of the ``intl``
suite (docs/decisions/0004-transport-tls-keys.md). Chain signatures and
hashes stay with the chain's suite; these keys only open links.

A node's transport key is bound to its registered name by the SHA-256 of
its DER SubjectPublicKeyInfo (:func:`spki_fingerprint`), which the genesis
registry lists for the node. ``govchain net init`` calls
:func:`init_transport_ca` and :func:`issue_transport_certificate`.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from asn1crypto import pem as asn1_pem
from asn1crypto import x509

from govchain.crypto.ca import LEAF_DAYS, CertificateAuthority
from govchain.crypto.certs import certificate_from_pem, certificate_to_pem
from govchain.crypto.keyfiles import write_file_atomic
from govchain.types.errors import CertificateError

__all__ = [
    "CLOCK_SKEW",
    "TRANSPORT_CERT_FILE",
    "TRANSPORT_KEY_FILE",
    "TRANSPORT_SUITE",
    "TransportIdentity",
    "init_transport_ca",
    "issue_transport_certificate",
    "pem_bundle",
    "spki_fingerprint",
    "spki_fingerprint_der",
]

TRANSPORT_SUITE = "intl"
"""Ed25519: a key type OpenSSL 3.0 signs TLS 1.3 handshakes with."""
TRANSPORT_CERT_FILE = "transport.pem"
TRANSPORT_KEY_FILE = "transport.key"
CLOCK_SKEW = dt.timedelta(hours=1)
"""Certificates start this long before they are made, for peers whose clocks are behind."""


@dataclass(frozen=True, slots=True)
class TransportIdentity:
    """Where a node's transport certificate and key were written, and the key's fingerprint."""

    cert_file: Path
    key_file: Path
    fingerprint: bytes
    """SHA-256 of the certificate's DER SubjectPublicKeyInfo: what the registry lists."""


def _start_time(now: dt.datetime) -> dt.datetime:
    # OpenSSL refuses validity times with fractional seconds ("format error
    # in certificate's notBefore field"), so certificates start on a second.
    return now.astimezone(dt.UTC).replace(microsecond=0) - CLOCK_SKEW


def init_transport_ca(
    directory: Path, organization: str, now: dt.datetime, password: bytes | None = None
) -> CertificateAuthority:
    """Create the transport CA of ``organization`` in ``directory`` (refuses to overwrite).

    Parameters:
        directory: the CA directory (``ca.pem``, ``ca.key``, ``crl.pem``, ``ca.json``).
        organization: the member organization, as the registry names it.
        now: the current time; the CA is valid from ``CLOCK_SKEW`` before it.
        password: encrypts ``ca.key`` when given.
    """
    return CertificateAuthority.init(
        directory, organization, TRANSPORT_SUITE, _start_time(now), password
    )


def issue_transport_certificate(
    ca: CertificateAuthority,
    node_name: str,
    directory: Path,
    now: dt.datetime,
    days: int = LEAF_DAYS,
) -> TransportIdentity:
    """Make a node's transport key and certificate and write them into ``directory``.

    Parameters:
        ca: an open transport CA (suite ``intl``).
        node_name: the node's registered name; it becomes the certificate's CN.
        directory: where ``transport.pem`` and ``transport.key`` (owner-only) go.
        now: the current time.
        days: how long the certificate is valid.

    Returns:
        The files written and the fingerprint to list in the registry.
    """
    if ca.suite.name != TRANSPORT_SUITE:
        raise CertificateError(
            f"transport CAs use the {TRANSPORT_SUITE!r} suite (TLS 1.3 cannot use SM2 here); "
            f"{ca.directory} is {ca.suite.name!r}"
        )
    cert, key = ca.issue(node_name, "node", _start_time(now), days)
    cert_file = directory / TRANSPORT_CERT_FILE
    key_file = directory / TRANSPORT_KEY_FILE
    write_file_atomic(key_file, key.to_pem())
    write_file_atomic(cert_file, certificate_to_pem(cert), 0o644)
    return TransportIdentity(cert_file, key_file, spki_fingerprint_der(cert.dump()))


def spki_fingerprint(cert_pem: bytes) -> bytes:
    """SHA-256 of a PEM certificate's DER SubjectPublicKeyInfo; CertificateError if malformed."""
    return _spki_sha256(certificate_from_pem(cert_pem))


def spki_fingerprint_der(cert_der: bytes) -> bytes:
    """SHA-256 of the DER SubjectPublicKeyInfo of a DER certificate (e.g. a TLS peer's)."""
    try:
        cert = x509.Certificate.load(cert_der, strict=True)
    except (ValueError, TypeError) as exc:
        raise CertificateError(f"malformed certificate: {exc}") from exc
    return _spki_sha256(cert)


def _spki_sha256(cert: x509.Certificate) -> bytes:
    try:
        spki = cert["tbs_certificate"]["subject_public_key_info"].dump()
    except (ValueError, TypeError, KeyError) as exc:
        raise CertificateError(f"malformed certificate: {exc}") from exc
    return hashlib.sha256(spki).digest()


def pem_bundle(ca_certificates_der: Iterable[bytes]) -> bytes:
    """One PEM bundle of DER CA certificates (as the registry holds them), for TLS trust."""
    return b"".join(bytes(asn1_pem.armor("CERTIFICATE", der)) for der in ca_certificates_der)
