"""API TLS certificates: each member's ECDSA P-256 API CA and its nodes' HTTPS certificates.

A node's API may be served over HTTPS (``api.tls``) to clients, and later to a
web console in a browser. Browsers accept neither Ed25519 (the transport
keys, decision 0004) nor SM2 in TLS, so the API has its own certificates:
ECDSA P-256 with SHA-256, under a per-member *API CA* of the same key type
(docs/decisions/0006-api-tls.md). Clients trust a bundle of the members' API
CA certificates, never the system store, and check the host name, so an API
certificate names the host the API listens on (SAN entries; the CN is not
used by clients).

Built with ``cryptography``'s X.509 builder, which signs ECDSA (asn1crypto,
decision 0003, is only needed for SM2). Validity times are whole seconds
(OpenSSL refuses fractional ones) and start ``CLOCK_SKEW`` early, as the
transport certificates do. Keys are written owner-only.

Layout of an API CA directory: ``ca.pem`` (the self-signed certificate) and
``ca.key`` (its PKCS#8 key, optionally encrypted).
"""

from __future__ import annotations

import datetime as dt
import ipaddress
import re
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509
from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from govchain.crypto.keyfiles import write_file_atomic
from govchain.types.errors import CertificateError

__all__ = [
    "API_CA_DAYS",
    "API_CERT_DAYS",
    "API_CERT_FILE",
    "API_KEY_FILE",
    "CLOCK_SKEW",
    "ApiCertificateAuthority",
    "ApiIdentity",
    "api_host_names",
]

API_CA_DAYS = 3650
API_CERT_DAYS = 730
"""Under the 825 days Apple platforms allow any TLS server certificate; Chromium's
398-day limit applies only to publicly trusted CAs, not to a locally trusted one."""
API_CERT_FILE = "api.pem"
API_KEY_FILE = "api.key"
CLOCK_SKEW = dt.timedelta(hours=1)
"""Certificates start this long before they are made, for clients whose clocks are behind."""
LOOPBACK_NAMES = ("localhost", "127.0.0.1", "::1")
"""Added to the certificate of an API on a loopback or wildcard address."""
_CURVE = ec.SECP256R1()
_DNS_LABEL = re.compile(r"^(?!-)[a-z0-9-]{1,63}(?<!-)$")
_DNS_NAME_MAX = 253


@dataclass(frozen=True, slots=True)
class ApiIdentity:
    """Where a node's API certificate and key were written, and the names it is good for."""

    cert_file: Path
    key_file: Path
    names: tuple[str, ...]


def _start_time(now: dt.datetime) -> dt.datetime:
    return now.astimezone(dt.UTC).replace(microsecond=0) - CLOCK_SKEW


def _name(organization: str, role: str, common_name: str) -> x509.Name:
    return x509.Name(
        [
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, organization),
            x509.NameAttribute(NameOID.ORGANIZATIONAL_UNIT_NAME, role),
            x509.NameAttribute(NameOID.COMMON_NAME, common_name),
        ]
    )


def _pem_key(key: ec.EllipticCurvePrivateKey, password: bytes | None) -> bytes:
    encryption: serialization.KeySerializationEncryption = (
        serialization.BestAvailableEncryption(password)
        if password
        else serialization.NoEncryption()
    )
    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, encryption
    )


def api_host_names(host: str) -> tuple[str, ...]:
    """The SAN entries of an API listening on ``host`` (an IP literal or a DNS name).

    A loopback or wildcard host (``127.0.0.1``, ``::1``, ``0.0.0.0``, ``::``,
    ``localhost``) also gets ``localhost``, ``127.0.0.1`` and ``::1``, the
    names a client on the same machine uses. CertificateError if ``host``
    is neither an IP address nor a DNS name.
    """
    bare = host[1:-1] if host.startswith("[") and host.endswith("]") else host
    try:
        ip = ipaddress.ip_address(bare)
    except ValueError:
        ip = None
    if ip is None:
        bare = bare.lower().rstrip(".")
        labels = bare.split(".")
        if len(bare) > _DNS_NAME_MAX or not all(_DNS_LABEL.match(label) for label in labels):
            raise CertificateError(f"{host!r} is neither an IP address nor a DNS name")
    names = [bare if ip is None else str(ip)]
    if bare == "localhost" or (ip is not None and (ip.is_loopback or ip.is_unspecified)):
        names += LOOPBACK_NAMES
    return tuple(dict.fromkeys(names))  # in order, each once


def _san(names: tuple[str, ...]) -> x509.SubjectAlternativeName:
    entries: list[x509.GeneralName] = []
    for name in names:
        try:
            entries.append(x509.IPAddress(ipaddress.ip_address(name)))
        except ValueError:
            entries.append(x509.DNSName(name))
    return x509.SubjectAlternativeName(entries)


@dataclass(frozen=True)
class ApiCertificateAuthority:
    """An open API CA directory of one member organization."""

    directory: Path
    organization: str
    certificate: x509.Certificate
    key: ec.EllipticCurvePrivateKey

    @classmethod
    def init(
        cls, directory: Path, organization: str, now: dt.datetime, password: bytes | None = None
    ) -> ApiCertificateAuthority:
        """Create the API CA of ``organization`` in ``directory``; refuses to overwrite one."""
        if (directory / "ca.key").exists() or (directory / "ca.pem").exists():
            raise CertificateError(f"{directory} already holds a CA; refusing to overwrite it")
        if not organization:
            raise CertificateError("an API CA needs an organization name")
        key = ec.generate_private_key(_CURVE)
        subject = _name(organization, "ca", f"{organization} API CA")
        start = _start_time(now)
        ski = x509.SubjectKeyIdentifier.from_public_key(key.public_key())
        certificate = (
            x509.CertificateBuilder()
            .subject_name(subject)
            .issuer_name(subject)
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(start)
            .not_valid_after(start + dt.timedelta(days=API_CA_DAYS))
            .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
            .add_extension(_key_usage(ca=True), critical=True)
            .add_extension(ski, critical=False)
            .add_extension(
                x509.AuthorityKeyIdentifier.from_issuer_subject_key_identifier(ski),
                critical=False,
            )
            .sign(key, hashes.SHA256())
        )
        directory.mkdir(parents=True, exist_ok=True)
        write_file_atomic(directory / "ca.key", _pem_key(key, password))
        write_file_atomic(
            directory / "ca.pem", certificate.public_bytes(serialization.Encoding.PEM), 0o644
        )
        return cls(directory, organization, certificate, key)

    @classmethod
    def open(cls, directory: Path, password: bytes | None = None) -> ApiCertificateAuthority:
        """Open an API CA directory; CertificateError if it is not one, or the key is wrong."""
        try:
            certificate = x509.load_pem_x509_certificate((directory / "ca.pem").read_bytes())
            key = serialization.load_pem_private_key((directory / "ca.key").read_bytes(), password)
        except FileNotFoundError as exc:
            raise CertificateError(
                f"{directory} is not an API CA directory (missing {exc.filename})"
            ) from exc
        except (OSError, ValueError, TypeError, UnsupportedAlgorithm) as exc:
            raise CertificateError(f"cannot read the API CA in {directory}: {exc}") from exc
        if not isinstance(key, ec.EllipticCurvePrivateKey) or key.curve.name != _CURVE.name:
            raise CertificateError(f"{directory}/ca.key is not an ECDSA P-256 key")
        if key.public_key() != certificate.public_key():
            raise CertificateError(f"{directory}: ca.key does not belong to ca.pem")
        names = certificate.subject.get_attributes_for_oid(NameOID.ORGANIZATION_NAME)
        if len(names) != 1:
            raise CertificateError(f"{directory}/ca.pem names no single organization")
        return cls(directory, str(names[0].value), certificate, key)

    def certificate_pem(self) -> bytes:
        """The CA certificate, PEM: what clients put in their CA bundle."""
        return self.certificate.public_bytes(serialization.Encoding.PEM)

    def issue_server_certificate(
        self,
        node_name: str,
        host: str,
        directory: Path,
        now: dt.datetime,
        days: int = API_CERT_DAYS,
    ) -> ApiIdentity:
        """Make a node's API key and certificate for ``host`` and write them into ``directory``.

        Parameters:
            node_name: the node's registered name; it becomes the certificate's CN.
            host: the host the API listens on (IP or DNS name; see :func:`api_host_names`).
            directory: where ``api.pem`` and ``api.key`` (owner-only) go.
            now: the current time.
            days: how long the certificate is valid.

        Returns:
            The files written and the names the certificate is good for.
        """
        if not node_name:
            raise CertificateError("an API certificate needs the node's name")
        names = api_host_names(host)
        start = _start_time(now)
        if start + dt.timedelta(days=days) > self.certificate.not_valid_after_utc:
            raise CertificateError(f"the API CA in {self.directory} expires before {days} days")
        key = ec.generate_private_key(_CURVE)
        issuer_ski = self.certificate.extensions.get_extension_for_class(
            x509.SubjectKeyIdentifier
        ).value
        certificate = (
            x509.CertificateBuilder()
            .subject_name(_name(self.organization, "node", node_name))
            .issuer_name(self.certificate.subject)
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(start)
            .not_valid_after(start + dt.timedelta(days=days))
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(_key_usage(ca=False), critical=True)
            .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
            .add_extension(_san(names), critical=False)
            .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), False)
            .add_extension(
                x509.AuthorityKeyIdentifier.from_issuer_subject_key_identifier(issuer_ski),
                critical=False,
            )
            .sign(self.key, hashes.SHA256())
        )
        cert_file, key_file = directory / API_CERT_FILE, directory / API_KEY_FILE
        write_file_atomic(key_file, _pem_key(key, None))
        write_file_atomic(cert_file, certificate.public_bytes(serialization.Encoding.PEM), 0o644)
        return ApiIdentity(cert_file, key_file, names)


def _key_usage(*, ca: bool) -> x509.KeyUsage:
    return x509.KeyUsage(
        digital_signature=True,
        content_commitment=False,
        key_encipherment=False,  # ECDHE: an ECDSA key only signs
        data_encipherment=False,
        key_agreement=False,
        key_cert_sign=ca,
        crl_sign=ca,
        encipher_only=False,
        decipher_only=False,
    )
