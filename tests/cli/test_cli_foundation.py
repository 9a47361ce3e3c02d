"""The foundation CLI: exit 0 on success, 1 with a one-line reason on a failed check (issue 2)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import govchain as package

from ..govchain_cli import govchain, one_line_error


def test_version() -> None:
    assert govchain("--version").stdout.strip() == f"govchain {package.__version__}"


def test_selftest_passes_and_reports_json() -> None:
    report = json.loads(govchain("crypto", "selftest", "--json").stdout)
    assert report["passed"] is True
    assert {check["suite"] for check in report["checks"]} == {"gm", "intl"}
    assert "SM2" in govchain("crypto", "selftest").stdout


@pytest.mark.parametrize("suite", ["gm", "intl"])
def test_sign_verify_and_tamper(tmp_path: Path, suite: str) -> None:
    key, pub, doc, sig = (tmp_path / n for n in ("k.pem", "p.pem", "doc", "doc.sig"))
    govchain("keys", "new", "--suite", suite, "--out", key, "--pub", pub)
    doc.write_bytes(b"certificate of residence")
    govchain("crypto", "sign", "--key", key, "--in", doc, "--out", sig)
    govchain("crypto", "verify", "--pub", pub, "--in", doc, "--sig", sig)
    doc.write_bytes(b"certificate of residence, amended")
    one_line_error(
        govchain("crypto", "verify", "--pub", pub, "--in", doc, "--sig", sig, check=False)
    )


def test_verify_with_the_other_suites_key_fails_cleanly(tmp_path: Path) -> None:
    gm, intl, doc, sig = (tmp_path / n for n in ("gm.pem", "intl.pem", "doc", "doc.sig"))
    govchain("keys", "new", "--suite", "gm", "--out", gm)
    govchain("keys", "new", "--suite", "intl", "--out", intl)
    doc.write_bytes(b"x")
    govchain("crypto", "sign", "--key", gm, "--in", doc, "--out", sig)
    one_line_error(
        govchain("crypto", "verify", "--pub", intl, "--in", doc, "--sig", sig, check=False)
    )


def test_keys_new_refuses_to_overwrite(tmp_path: Path) -> None:
    key = tmp_path / "k.pem"
    govchain("keys", "new", "--out", key)
    before = key.read_bytes()
    reason = one_line_error(govchain("keys", "new", "--out", key, check=False))
    assert "exists" in reason
    assert key.read_bytes() == before
    assert key.stat().st_mode & 0o077 == 0


def test_wrong_password_is_a_one_line_error(tmp_path: Path) -> None:
    key, good, bad, doc = (tmp_path / n for n in ("k.pem", "good", "bad", "doc"))
    good.write_text("s3cret\n")
    bad.write_text("guess\n")
    doc.write_bytes(b"x")
    govchain("keys", "new", "--out", key, "--password-file", good)
    sig = tmp_path / "sig"
    govchain("crypto", "sign", "--key", key, "--in", doc, "--out", sig, "--password-file", good)
    reason = one_line_error(
        govchain(
            "crypto",
            "sign",
            "--key",
            key,
            "--in",
            doc,
            "--out",
            sig,
            "--password-file",
            bad,
            check=False,
        )
    )
    assert "password" in reason
    no_password = govchain("crypto", "sign", "--key", key, "--in", doc, "--out", sig, check=False)
    assert "password" in one_line_error(no_password)


@pytest.mark.parametrize(
    "content", [b"", b"not a pem", b"-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n"]
)
def test_garbage_key_files_are_one_line_errors(tmp_path: Path, content: bytes) -> None:
    pub, doc, sig = tmp_path / "p.pem", tmp_path / "doc", tmp_path / "sig"
    pub.write_bytes(content)
    doc.write_bytes(b"x")
    sig.write_bytes(b"\x30\x00")
    one_line_error(
        govchain("crypto", "verify", "--pub", pub, "--in", doc, "--sig", sig, check=False)
    )


def test_missing_file_is_a_one_line_error(tmp_path: Path) -> None:
    reason = one_line_error(
        govchain(
            "crypto",
            "verify",
            "--pub",
            tmp_path / "nope.pem",
            "--in",
            tmp_path / "x",
            "--sig",
            tmp_path / "y",
            check=False,
        )
    )
    assert "nope.pem" in reason


def test_ca_issue_with_unknown_ca_dir(tmp_path: Path) -> None:
    one_line_error(
        govchain(
            "ca",
            "issue",
            "--ca",
            tmp_path / "none",
            "--cn",
            "n",
            "--role",
            "node",
            "--out",
            tmp_path / "n",
            check=False,
        )
    )


def test_ca_verify_reports_json(tmp_path: Path) -> None:
    ca = tmp_path / "ca"
    govchain("ca", "init", "--org", "Bureau", "--out", ca)
    govchain(
        "ca", "issue", "--ca", ca, "--cn", "alice", "--role", "user", "--out", tmp_path / "alice"
    )
    report = json.loads(
        govchain("ca", "verify", "--ca", ca, "--cert", tmp_path / "alice.pem", "--json").stdout
    )
    assert report["valid"] is True
    assert report["role"] == "user"


def test_ca_init_refuses_an_existing_ca(tmp_path: Path) -> None:
    ca = tmp_path / "ca"
    govchain("ca", "init", "--org", "Bureau", "--out", ca)
    key = (ca / "ca.key").read_bytes()
    one_line_error(govchain("ca", "init", "--org", "Other", "--out", ca, check=False))
    assert (ca / "ca.key").read_bytes() == key
