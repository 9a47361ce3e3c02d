"""Member CA certificates checked by openssl, and revocation by our verifier (F-B5, F-A5)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from asn1crypto import crl as asn1_crl
from asn1crypto import pem

from ..govchain_cli import govchain, one_line_error, openssl

pytestmark = pytest.mark.interop
DISTID = "distid:1234567812345678"


def _ca(tmp_path: Path, suite: str) -> Path:
    ca = tmp_path / f"ca-{suite}"
    govchain("ca", "init", "--org", "Zhejiang Market Regulation", "--suite", suite, "--out", ca)
    assert (ca / "ca.pem").exists()
    assert (ca / "ca.key").exists()
    return ca


def _issue(tmp_path: Path, ca: Path, cn: str, role: str) -> Path:
    prefix = tmp_path / cn
    govchain("ca", "issue", "--ca", ca, "--cn", cn, "--role", role, "--out", prefix)
    return prefix.with_suffix(".pem")


@pytest.mark.parametrize("role", ["node", "user", "admin"])
def test_gm_chain_passes_openssl_verify(tmp_path: Path, role: str) -> None:
    ca = _ca(tmp_path, "gm")
    cert = _issue(tmp_path, ca, f"{role}1", role)
    result = openssl("verify", "-vfyopt", DISTID, "-CAfile", ca / "ca.pem", cert)
    assert result.returncode == 0, result.stderr
    text = openssl("x509", "-in", cert, "-noout", "-text").stdout.decode()
    assert "SM2-with-SM3" in text or "1.2.156.10197.1.501" in text
    assert f"OU={role}" in text.replace(" = ", "=")


def test_intl_chain_passes_openssl_verify(tmp_path: Path) -> None:
    ca = _ca(tmp_path, "intl")
    cert = _issue(tmp_path, ca, "node1", "node")
    result = openssl("verify", "-CAfile", ca / "ca.pem", cert)
    assert result.returncode == 0, result.stderr
    assert "ED25519" in openssl("x509", "-in", cert, "-noout", "-text").stdout.decode()


def test_certificate_from_another_ca_fails_both_verifiers(tmp_path: Path) -> None:
    ours, theirs = _ca(tmp_path / "a", "gm"), _ca(tmp_path / "b", "gm")
    cert = _issue(tmp_path, theirs, "intruder", "node")
    bad = openssl("verify", "-vfyopt", DISTID, "-CAfile", ours / "ca.pem", cert)
    assert bad.returncode != 0
    one_line_error(govchain("ca", "verify", "--ca", ours, "--cert", cert, check=False))


@pytest.mark.parametrize("suite", ["gm", "intl"])
def test_revoked_certificate_fails_our_verification(tmp_path: Path, suite: str) -> None:
    ca = _ca(tmp_path, suite)
    keep = _issue(tmp_path, ca, "keep", "user")
    drop = _issue(tmp_path, ca, "drop", "user")
    govchain("ca", "verify", "--ca", ca, "--cert", drop)
    govchain("ca", "revoke", "--ca", ca, "--cert", drop)
    reason = one_line_error(govchain("ca", "verify", "--ca", ca, "--cert", drop, check=False))
    assert "revoked" in reason
    good = json.loads(govchain("ca", "verify", "--ca", ca, "--cert", keep, "--json").stdout)
    assert good["valid"] is True


def test_openssl_applies_our_intl_crl(tmp_path: Path) -> None:
    ca = _ca(tmp_path, "intl")
    keep = _issue(tmp_path, ca, "keep", "node")
    drop = _issue(tmp_path, ca, "drop", "node")
    govchain("ca", "revoke", "--ca", ca, "--cert", drop)
    check = ["verify", "-crl_check", "-CRLfile", ca / "crl.pem", "-CAfile", ca / "ca.pem"]
    kept = openssl(*check, keep)
    assert kept.returncode == 0, kept.stderr
    dropped = openssl(*check, drop)
    assert dropped.returncode != 0
    assert b"revoked" in dropped.stdout + dropped.stderr


def test_openssl_checks_our_gm_crl_signature(tmp_path: Path) -> None:
    # OpenSSL 3.0 cannot pass a distinguishing ID when it checks a CRL
    # (only certificates have one), so `verify -crl_check` cannot check an
    # SM2 CRL. Check the CRL's signature over its TBS bytes directly instead.
    ca = _ca(tmp_path, "gm")
    drop = _issue(tmp_path, ca, "drop", "node")
    govchain("ca", "revoke", "--ca", ca, "--cert", drop)
    crl = asn1_crl.CertificateList.load(pem.unarmor((ca / "crl.pem").read_bytes())[2])
    tbs, sig, pub = tmp_path / "tbs.der", tmp_path / "crl.sig", tmp_path / "ca.pub"
    tbs.write_bytes(crl["tbs_cert_list"].dump())
    sig.write_bytes(crl["signature"].native)
    pub.write_bytes(openssl("x509", "-in", ca / "ca.pem", "-pubkey", "-noout").stdout)
    checked = openssl("dgst", "-sm3", "-verify", pub, "-sigopt", DISTID, "-signature", sig, tbs)
    assert checked.returncode == 0, checked.stderr
    serial = int(
        openssl("x509", "-in", drop, "-noout", "-serial").stdout.decode().split("=")[1], 16
    )
    assert [r["user_certificate"].native for r in crl["tbs_cert_list"]["revoked_certificates"]] == [
        serial
    ]
