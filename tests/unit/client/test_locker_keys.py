"""Locker keys on the client: create, wrap under the unlock password, unwrap (F-C1, F-C2)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from govchain.client.locker_keys import (
    WrongPasswordError,
    new_locker,
    read_password_file,
    unwrap,
    wrap,
)
from govchain.codec import decode
from govchain.crypto import CryptoSuite, suite_for
from govchain.crypto.envelopes import seal_envelope
from govchain.types.errors import ValidationError

ADDRESS = bytes.fromhex("d4" * 20)
PASSWORD = b"unlock me, please"


@pytest.fixture(scope="module", params=["gm", "intl"])
def suite(request: pytest.FixtureRequest) -> CryptoSuite:
    return suite_for(request.param)


@pytest.mark.parametrize("kdf", ["scrypt", "pbkdf2-hmac-sm3"])
def test_f_c1_locker_key_wraps_and_unwraps(suite: CryptoSuite, kdf: str) -> None:
    private, public = new_locker(suite)
    assert public == private.public_key
    blob = wrap(suite, private, PASSWORD, ADDRESS, kdf)
    stored: Any = decode(blob)
    assert stored["kdf"]["name"] == kdf
    assert private.private_bytes() not in blob
    unlocked = unwrap(suite, blob, PASSWORD, ADDRESS, public)
    assert unlocked.public_key == public
    assert unlocked.open(seal_envelope(suite, public, b"d" * 16)) == b"d" * 16


def test_f_c1_wrong_password_is_wrong_password(suite: CryptoSuite) -> None:
    private, public = new_locker(suite)
    blob = wrap(suite, private, PASSWORD, ADDRESS)
    with pytest.raises(WrongPasswordError, match="wrong password") as caught:
        unwrap(suite, blob, b"unlock me, please!", ADDRESS, public)
    assert caught.value.code == "wrong_password"


def test_unwrap_checks_the_lockers_public_key(suite: CryptoSuite) -> None:
    private, _ = new_locker(suite)
    _, other_public = new_locker(suite)
    blob = wrap(suite, private, PASSWORD, ADDRESS)
    with pytest.raises(ValidationError, match="does not match"):
        unwrap(suite, blob, PASSWORD, ADDRESS, other_public)


def test_wrap_refuses_a_key_of_another_suite_and_an_unknown_kdf() -> None:
    private, _ = new_locker(suite_for("intl"))
    with pytest.raises(ValidationError, match="intl locker key in a gm chain"):
        wrap(suite_for("gm"), private, PASSWORD, ADDRESS)
    with pytest.raises(ValidationError, match="unknown KDF"):
        wrap(suite_for("intl"), private, PASSWORD, ADDRESS, "bcrypt")


@pytest.mark.parametrize(
    ("content", "password"),
    [
        (b"secret\n", b"secret"),
        (b"secret\r\n", b"secret"),
        (b"secret", b"secret"),
        (b"secret\n\n", b"secret\n"),
        (b" spaced out \n", b" spaced out "),
        ("口令\n".encode(), "口令".encode()),
    ],
)
def test_password_file_drops_one_trailing_newline(
    tmp_path: Path, content: bytes, password: bytes
) -> None:
    path = tmp_path / "pw"
    path.write_bytes(content)
    assert read_password_file(path) == password


@pytest.mark.parametrize("content", [b"", b"\n", b"\r\n"])
def test_password_file_refuses_an_empty_password(tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "pw"
    path.write_bytes(content)
    with pytest.raises(ValidationError, match="empty password"):
        read_password_file(path)


def test_password_file_refuses_missing_and_oversize_files(tmp_path: Path) -> None:
    with pytest.raises(ValidationError, match="cannot read the password file"):
        read_password_file(tmp_path / "absent")
    with pytest.raises(ValidationError, match="cannot read the password file"):
        read_password_file(tmp_path)  # a directory
    big = tmp_path / "big"
    big.write_bytes(b"x" * 4097)
    with pytest.raises(ValidationError, match="over 4096 bytes"):
        read_password_file(big)
