"""Key files: PKCS#8 / SPKI PEM of both suites, suite detected from the file (F-A5)."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest

from govchain.crypto import SUITE_NAMES, suite_for
from govchain.crypto.keyfiles import (
    load_public_key_pem,
    load_signing_key_pem,
    read_public_key,
    read_signing_key,
    write_file_atomic,
)
from govchain.types.errors import KeyFileError


@pytest.mark.parametrize("name", SUITE_NAMES)
def test_private_key_round_trip_detects_the_suite(name: str) -> None:
    key = suite_for(name).generate_key()
    loaded = load_signing_key_pem(key.to_pem())
    assert (loaded.suite_name, loaded.public_key) == (name, key.public_key)
    sealed = key.to_pem(b"pw")
    assert load_signing_key_pem(sealed, b"pw").public_key == key.public_key
    with pytest.raises(KeyFileError):
        load_signing_key_pem(sealed, b"nope")
    with pytest.raises(KeyFileError, match="password"):
        load_signing_key_pem(sealed)


@pytest.mark.parametrize("name", SUITE_NAMES)
def test_public_key_round_trip(name: str) -> None:
    key = suite_for(name).generate_key()
    assert load_public_key_pem(key.public_key_pem()) == (name, key.public_key)


@pytest.mark.parametrize(
    "pem",
    [
        b"",
        b"not a key",
        b"-----BEGIN PUBLIC KEY-----\n!!!!\n-----END PUBLIC KEY-----\n",
        b"-----BEGIN PUBLIC KEY-----\nMAA=\n-----END PUBLIC KEY-----\n",
    ],
    ids=["empty", "text", "bad-base64", "empty-sequence"],
)
def test_bad_public_key_files(pem: bytes) -> None:
    with pytest.raises(KeyFileError):
        load_public_key_pem(pem)


def test_p256_keys_are_not_a_suite_key() -> None:
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import ec

    pem = ec.generate_private_key(ec.SECP256R1()).private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    with pytest.raises(KeyFileError, match="unsupported private key type"):
        load_signing_key_pem(pem)


def test_files_are_private_and_readable(tmp_path: Path) -> None:
    key = suite_for("gm").generate_key()
    path = tmp_path / "sub" / "key.pem"
    write_file_atomic(path, key.to_pem())
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert read_signing_key(path).public_key == key.public_key
    assert read_public_key(path) == ("gm", key.public_key)
    assert not list(tmp_path.glob("sub/*.tmp"))


def test_missing_and_oversize_files(tmp_path: Path) -> None:
    with pytest.raises(KeyFileError, match="cannot read"):
        read_signing_key(tmp_path / "absent.pem")
    big = tmp_path / "big.pem"
    big.write_bytes(b"x" * 70_000)
    with pytest.raises(KeyFileError, match="64 KiB"):
        read_public_key(big)


def test_a_wrong_password_that_decrypts_to_garbage_still_names_the_password(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """About one wrong password in 256 passes the padding check and fails in the ASN.1 parse."""
    import cryptography.hazmat.primitives.serialization as serialization_module

    from govchain.crypto import keyfiles

    def garbage(_pem: bytes, _password: bytes | None) -> None:
        raise ValueError("Could not deserialize key data. Details: ASN.1 parsing error")

    monkeypatch.setattr(serialization_module, "load_pem_private_key", garbage)
    pem = b"-----BEGIN ENCRYPTED PRIVATE KEY-----\nAAAA\n-----END ENCRYPTED PRIVATE KEY-----\n"
    with pytest.raises(KeyFileError, match="wrong password"):
        keyfiles.load_signing_key_pem(pem, b"guess")
    with pytest.raises(KeyFileError, match="not a readable private key"):
        keyfiles.load_signing_key_pem(pem.replace(b"ENCRYPTED ", b""), b"guess")
