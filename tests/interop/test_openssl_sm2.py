"""SM2 signatures and ciphertexts cross-checked with the openssl CLI, both ways (F-A5)."""

from __future__ import annotations

from pathlib import Path

import pytest

from ..govchain_cli import govchain, one_line_error, openssl

pytestmark = pytest.mark.interop
DISTID = "distid:1234567812345678"


@pytest.fixture
def gm_key(tmp_path: Path) -> tuple[Path, Path]:
    key, pub = tmp_path / "key.pem", tmp_path / "pub.pem"
    govchain("keys", "new", "--suite", "gm", "--out", key, "--pub", pub)
    return key, pub


@pytest.fixture
def document(tmp_path: Path) -> Path:
    path = tmp_path / "doc.txt"
    path.write_bytes("营业执照 No. 91110000 — notarize me\n".encode() * 20)
    return path


def test_openssl_reads_our_key_files(gm_key: tuple[Path, Path]) -> None:
    key, pub = gm_key
    assert openssl("pkey", "-in", key, "-noout").returncode == 0
    text = openssl("pkey", "-pubin", "-in", pub, "-text", "-noout").stdout.decode()
    assert "SM2" in text


def test_openssl_reads_our_encrypted_key(tmp_path: Path) -> None:
    password = tmp_path / "pw"
    password.write_text("correct horse\n")
    key = tmp_path / "enc.pem"
    govchain("keys", "new", "--suite", "gm", "--out", key, "--password-file", password)
    assert b"ENCRYPTED PRIVATE KEY" in key.read_bytes()
    assert openssl("pkey", "-in", key, "-passin", "pass:correct horse", "-noout").returncode == 0
    assert openssl("pkey", "-in", key, "-passin", "pass:wrong", "-noout").returncode != 0


def test_our_signature_verifies_with_openssl(
    tmp_path: Path, gm_key: tuple[Path, Path], document: Path
) -> None:
    key, pub = gm_key
    sig = tmp_path / "doc.sig"
    govchain("crypto", "sign", "--key", key, "--in", document, "--out", sig)
    ok = openssl("dgst", "-sm3", "-verify", pub, "-sigopt", DISTID, "-signature", sig, document)
    assert ok.returncode == 0, ok.stderr
    assert b"Verified OK" in ok.stdout
    tampered = tmp_path / "tampered.txt"
    tampered.write_bytes(document.read_bytes() + b"!")
    bad = openssl("dgst", "-sm3", "-verify", pub, "-sigopt", DISTID, "-signature", sig, tampered)
    assert bad.returncode != 0


def test_openssl_signature_verifies_with_govchain(
    tmp_path: Path, gm_key: tuple[Path, Path], document: Path
) -> None:
    key, pub = gm_key
    sig = tmp_path / "openssl.sig"
    made = openssl("dgst", "-sm3", "-sign", key, "-sigopt", DISTID, "-out", sig, document)
    assert made.returncode == 0, made.stderr
    govchain("crypto", "verify", "--pub", pub, "--in", document, "--sig", sig)
    other_id = govchain(
        "crypto",
        "verify",
        "--pub",
        pub,
        "--in",
        document,
        "--sig",
        sig,
        "--id",
        "ALICE",
        check=False,
    )
    one_line_error(other_id)


def test_openssl_signature_with_custom_id(
    tmp_path: Path, gm_key: tuple[Path, Path], document: Path
) -> None:
    key, pub = gm_key
    sig = tmp_path / "custom.sig"
    made = openssl("dgst", "-sm3", "-sign", key, "-sigopt", "distid:dept-42", "-out", sig, document)
    assert made.returncode == 0, made.stderr
    govchain("crypto", "verify", "--pub", pub, "--in", document, "--sig", sig, "--id", "dept-42")
    one_line_error(
        govchain("crypto", "verify", "--pub", pub, "--in", document, "--sig", sig, check=False)
    )


def test_our_ciphertext_decrypts_with_openssl(
    tmp_path: Path, gm_key: tuple[Path, Path], document: Path
) -> None:
    key, pub = gm_key
    ct = tmp_path / "doc.sm2"
    govchain("crypto", "encrypt", "--pub", pub, "--in", document, "--out", ct)
    plain = openssl("pkeyutl", "-decrypt", "-inkey", key, "-in", ct)
    assert plain.returncode == 0, plain.stderr
    assert plain.stdout == document.read_bytes()


def test_openssl_ciphertext_decrypts_with_govchain(
    tmp_path: Path, gm_key: tuple[Path, Path], document: Path
) -> None:
    key, pub = gm_key
    ct, out = tmp_path / "openssl.sm2", tmp_path / "plain.txt"
    made = openssl("pkeyutl", "-encrypt", "-pubin", "-inkey", pub, "-in", document, "-out", ct)
    assert made.returncode == 0, made.stderr
    govchain("crypto", "decrypt", "--key", key, "--in", ct, "--out", out)
    assert out.read_bytes() == document.read_bytes()


def test_raw_c1c3c2_round_trips_through_openssl(
    tmp_path: Path, gm_key: tuple[Path, Path], document: Path
) -> None:
    key, pub = gm_key
    raw, out = tmp_path / "doc.c1c3c2", tmp_path / "plain.txt"
    govchain(
        "crypto", "encrypt", "--pub", pub, "--in", document, "--out", raw, "--format", "c1c3c2"
    )
    body = raw.read_bytes()
    assert body[0] == 0x04
    assert len(body) == 65 + 32 + document.stat().st_size
    govchain("crypto", "decrypt", "--key", key, "--in", raw, "--out", out, "--format", "c1c3c2")
    assert out.read_bytes() == document.read_bytes()
    # The same ciphertext given as DER is refused with a reason, not a crash.
    one_line_error(
        govchain("crypto", "decrypt", "--key", key, "--in", raw, "--out", out, check=False)
    )


def test_openssl_made_key_signs_for_govchain(tmp_path: Path, document: Path) -> None:
    key, pub, sig = tmp_path / "o.pem", tmp_path / "o.pub", tmp_path / "o.sig"
    assert openssl("genpkey", "-algorithm", "SM2", "-out", key).returncode == 0
    assert openssl("pkey", "-in", key, "-pubout", "-out", pub).returncode == 0
    govchain("crypto", "sign", "--key", key, "--in", document, "--out", sig)
    govchain("crypto", "verify", "--pub", pub, "--in", document, "--sig", sig)
