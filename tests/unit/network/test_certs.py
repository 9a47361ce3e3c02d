"""Transport certificates and TLS contexts: Ed25519 under each member's transport CA."""

from __future__ import annotations

import datetime as dt
import hashlib
import ssl
import stat
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import serialization

from govchain.crypto.ca import CertificateAuthority
from govchain.crypto.certs import certificate_from_pem
from govchain.network import (
    PeerPolicy,
    client_context,
    issue_transport_certificate,
    server_context,
    spki_fingerprint,
    spki_fingerprint_der,
)
from govchain.network.certs import TRANSPORT_SUITE
from govchain.types.errors import CertificateError

from .net_support import Pki


def test_node_certificate_and_key_are_written_with_their_fingerprint(pki: Pki) -> None:
    identity = pki.identities["n1"]
    pem = identity.cert_file.read_bytes()
    spki = (
        x509.load_pem_x509_certificate(pem)
        .public_key()
        .public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    )
    assert identity.fingerprint == hashlib.sha256(spki).digest()
    assert spki_fingerprint(pem) == identity.fingerprint
    assert spki_fingerprint_der(certificate_from_pem(pem).dump()) == identity.fingerprint
    assert stat.S_IMODE(identity.key_file.stat().st_mode) == 0o600


def test_node_certificates_are_ed25519_and_verify_under_their_ca(pki: Pki) -> None:
    ca = CertificateAuthority.open(pki.directory / "org2-ca")
    assert ca.suite.name == TRANSPORT_SUITE
    cert = certificate_from_pem(pki.identities["n3"].cert_file.read_bytes())
    info = ca.verify(cert, dt.datetime.now(dt.UTC))
    assert (info.common_name, info.role, info.organization) == ("n3", "node", "org2")
    assert cert["signature_algorithm"]["algorithm"].native == "ed25519"


def test_a_gm_ca_cannot_issue_transport_certificates(tmp_path: Path) -> None:
    now = dt.datetime.now(dt.UTC).replace(microsecond=0)
    ca = CertificateAuthority.init(tmp_path / "ca", "org", "gm", now)
    with pytest.raises(CertificateError, match="transport CAs use the 'intl' suite"):
        issue_transport_certificate(ca, "n1", tmp_path / "n1", now)


def test_fingerprints_of_garbage_are_certificate_errors() -> None:
    with pytest.raises(CertificateError):
        spki_fingerprint_der(b"\x30\x03\x02\x01\x01")
    with pytest.raises(CertificateError):
        spki_fingerprint(b"not a pem")


def test_contexts_demand_tls13_and_a_peer_certificate(pki: Pki) -> None:
    policy = pki.policy("n1")
    for context in (server_context(policy), client_context(policy)):
        assert context.minimum_version is ssl.TLSVersion.TLSv1_3
        assert context.verify_mode is ssl.CERT_REQUIRED
        assert context.check_hostname is False
        trusted = {cert["subject"] for cert in context.get_ca_certs()}
        assert len(trusted) == 2  # org1 and org2; never the system's CAs


def test_a_policy_refuses_one_name_for_two_keys_and_an_empty_bundle(pki: Pki) -> None:
    identity = pki.identities["n1"]
    with pytest.raises(ValueError, match="listed for two keys"):
        PeerPolicy(
            pki.bundle, {b"a" * 32: "n1", b"b" * 32: "n1"}, identity.cert_file, identity.key_file
        )
    with pytest.raises(ValueError, match="at least one trusted"):
        PeerPolicy(b"", pki.allowed, identity.cert_file, identity.key_file)


def test_a_broken_bundle_is_a_certificate_error(pki: Pki) -> None:
    identity = pki.identities["n1"]
    policy = PeerPolicy(
        b"-----BEGIN CERTIFICATE-----\nAAAA\n", pki.allowed, identity.cert_file, identity.key_file
    )
    with pytest.raises(CertificateError, match="cannot load"):
        server_context(policy)
