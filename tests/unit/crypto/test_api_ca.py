"""API TLS certificates: an ECDSA P-256 API CA per member, server certificates that name the host.

Issue 13 item 9; decision 0006. What a browser and OpenSSL need of them:
P-256 keys signed with ECDSA-SHA256, the host in the SAN (IP or DNS),
serverAuth, whole-second validity, and keys only their owner can read.
"""

from __future__ import annotations

import datetime as dt
import ipaddress
import stat
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID, SignatureAlgorithmOID

from govchain.crypto.api_ca import (
    API_CERT_DAYS,
    CLOCK_SKEW,
    ApiCertificateAuthority,
    api_host_names,
)
from govchain.types.errors import CertificateError

NOW = dt.datetime(2026, 12, 6, 8, 1, 56, 123456, tzinfo=dt.UTC)


@pytest.fixture
def ca(tmp_path: Path) -> ApiCertificateAuthority:
    return ApiCertificateAuthority.init(tmp_path / "ca", "Department 0", NOW)


def _san(cert: x509.Certificate) -> list[str]:
    names = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    return [str(name.value) for name in names]


def test_the_ca_is_a_p256_ca_with_owner_only_key(ca: ApiCertificateAuthority) -> None:
    cert = ca.certificate
    assert isinstance(cert.public_key(), ec.EllipticCurvePublicKey)
    assert cert.public_key().curve.name == "secp256r1"
    assert cert.signature_algorithm_oid == SignatureAlgorithmOID.ECDSA_WITH_SHA256
    constraints = cert.extensions.get_extension_for_class(x509.BasicConstraints)
    assert constraints.critical
    assert (constraints.value.ca, constraints.value.path_length) == (True, 0)
    assert cert.extensions.get_extension_for_class(x509.KeyUsage).value.key_cert_sign
    assert cert.subject.rfc4514_string() == "CN=Department 0 API CA,OU=ca,O=Department 0"
    assert stat.S_IMODE((ca.directory / "ca.key").stat().st_mode) == 0o600
    assert stat.S_IMODE((ca.directory / "ca.pem").stat().st_mode) == 0o644


def test_a_server_certificate_names_the_host_and_is_for_servers_only(
    ca: ApiCertificateAuthority, tmp_path: Path
) -> None:
    identity = ca.issue_server_certificate("node0", "10.0.0.5", tmp_path / "tls", NOW)
    cert = x509.load_pem_x509_certificate(identity.cert_file.read_bytes())
    assert identity.names == ("10.0.0.5",)
    san = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    assert san.get_values_for_type(x509.IPAddress) == [ipaddress.ip_address("10.0.0.5")]
    assert san.get_values_for_type(x509.DNSName) == []
    usage = cert.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value
    assert list(usage) == [ExtendedKeyUsageOID.SERVER_AUTH]
    key_usage = cert.extensions.get_extension_for_class(x509.KeyUsage)
    assert key_usage.critical
    assert key_usage.value.digital_signature
    assert not key_usage.value.key_cert_sign
    assert not cert.extensions.get_extension_for_class(x509.BasicConstraints).value.ca
    assert cert.issuer == ca.certificate.subject
    assert cert.subject.get_attributes_for_oid(NameOID.COMMON_NAME)[0].value == "node0"
    assert cert.public_key().curve.name == "secp256r1"  # type: ignore[union-attr]
    cert.verify_directly_issued_by(ca.certificate)  # the CA's ECDSA signature
    assert stat.S_IMODE(identity.key_file.stat().st_mode) == 0o600


def test_validity_is_whole_seconds_and_starts_before_now(
    ca: ApiCertificateAuthority, tmp_path: Path
) -> None:
    identity = ca.issue_server_certificate("node0", "127.0.0.1", tmp_path / "tls", NOW)
    cert = x509.load_pem_x509_certificate(identity.cert_file.read_bytes())
    start = NOW.replace(microsecond=0) - CLOCK_SKEW
    assert cert.not_valid_before_utc == start
    assert cert.not_valid_after_utc == start + dt.timedelta(days=API_CERT_DAYS)
    assert ca.certificate.not_valid_before_utc == start


@pytest.mark.parametrize(
    ("host", "names"),
    [
        ("127.0.0.1", ("127.0.0.1", "localhost", "::1")),
        ("[::1]", ("::1", "localhost", "127.0.0.1")),
        ("::1", ("::1", "localhost", "127.0.0.1")),
        ("0.0.0.0", ("0.0.0.0", "localhost", "127.0.0.1", "::1")),
        ("localhost", ("localhost", "127.0.0.1", "::1")),
        ("API.Dept0.Example.", ("api.dept0.example",)),
        ("2001:db8::7", ("2001:db8::7",)),
    ],
)
def test_loopback_and_wildcard_hosts_also_name_the_loopback_addresses(
    host: str, names: tuple[str, ...]
) -> None:
    assert api_host_names(host) == names


@pytest.mark.parametrize("host", ["my_host", "-api.example", "a..b", "", "x" * 64 + ".example"])
def test_a_host_no_certificate_can_name_is_refused(host: str) -> None:
    with pytest.raises(CertificateError, match="neither an IP address nor a DNS name"):
        api_host_names(host)


def test_the_san_holds_ip_and_dns_entries_of_their_kind(
    ca: ApiCertificateAuthority, tmp_path: Path
) -> None:
    identity = ca.issue_server_certificate("node0", "[::1]", tmp_path / "tls", NOW)
    cert = x509.load_pem_x509_certificate(identity.cert_file.read_bytes())
    san = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    assert san.get_values_for_type(x509.IPAddress) == [
        ipaddress.ip_address("::1"),
        ipaddress.ip_address("127.0.0.1"),
    ]
    assert san.get_values_for_type(x509.DNSName) == ["localhost"]
    assert _san(cert) == ["::1", "localhost", "127.0.0.1"]


def test_a_ca_reopens_and_refuses_to_be_overwritten(
    ca: ApiCertificateAuthority, tmp_path: Path
) -> None:
    again = ApiCertificateAuthority.open(ca.directory)
    assert again.organization == "Department 0"
    assert again.certificate == ca.certificate
    with pytest.raises(CertificateError, match="already holds a CA"):
        ApiCertificateAuthority.init(ca.directory, "Department 0", NOW)
    other = ApiCertificateAuthority.init(tmp_path / "other", "Department 1", NOW)
    (ca.directory / "ca.key").write_bytes((other.directory / "ca.key").read_bytes())
    with pytest.raises(CertificateError, match=r"ca\.key does not belong to ca\.pem"):
        ApiCertificateAuthority.open(ca.directory)
    with pytest.raises(CertificateError, match="not an API CA directory"):
        ApiCertificateAuthority.open(tmp_path / "nowhere")


def test_a_certificate_outliving_its_ca_is_refused(
    ca: ApiCertificateAuthority, tmp_path: Path
) -> None:
    with pytest.raises(CertificateError, match="expires before"):
        ca.issue_server_certificate("node0", "127.0.0.1", tmp_path / "tls", NOW, days=4000)
    assert not (tmp_path / "tls").exists()
