"""API certificates checked by openssl: a TLS server chain for the host it names (issue 13)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from govchain.crypto.api_ca import ApiCertificateAuthority

from ..govchain_cli import openssl

pytestmark = pytest.mark.interop


@pytest.mark.parametrize(
    ("host", "check", "other"),
    [
        ("127.0.0.1", ["-verify_ip", "127.0.0.1"], ["-verify_ip", "10.0.0.1"]),
        ("127.0.0.1", ["-verify_ip", "::1"], ["-verify_hostname", "example.org"]),
        ("127.0.0.1", ["-verify_hostname", "localhost"], ["-verify_ip", "127.0.0.2"]),
        ("api.dept0.example", ["-verify_hostname", "api.dept0.example"], ["-verify_ip", "::1"]),
    ],
)
def test_openssl_verifies_the_chain_for_the_named_host_only(
    tmp_path: Path, host: str, check: list[str], other: list[str]
) -> None:
    now = dt.datetime.now(dt.UTC)
    ca = ApiCertificateAuthority.init(tmp_path / "ca", "Department 0", now)
    identity = ca.issue_server_certificate("node0", host, tmp_path / "tls", now)
    base = ["verify", "-x509_strict", "-purpose", "sslserver", "-CAfile", ca.directory / "ca.pem"]
    good = openssl(*base, *check, identity.cert_file)
    assert good.returncode == 0, good.stderr
    bad = openssl(*base, *other, identity.cert_file)
    assert bad.returncode != 0
    assert b"mismatch" in bad.stderr
    text = openssl("x509", "-in", identity.cert_file, "-noout", "-text").stdout.decode()
    assert "ecdsa-with-SHA256" in text
    assert "prime256v1" in text
