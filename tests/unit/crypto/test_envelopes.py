"""Envelopes: a data key sealed to a locker key, SM2 (gm) and X25519-HKDF-AES-GCM (intl) (F-C1).

The SM2 form is checked against the openssl CLI both ways; the X25519 form
against fixed vectors (tests/vectors/asset_crypto.json).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from govchain.crypto import CryptoSuite, sm2, suite_for
from govchain.crypto.envelopes import (
    SEALED_SIZE_MAX,
    SECRET_SIZE_MAX,
    EnvelopeError,
    GmLockerKey,
    IntlLockerKey,
    LockerKey,
    generate_locker_key,
    locker_key_from_bytes,
    seal_envelope,
    x25519_envelope,
)
from govchain.crypto.gm import spki_pem
from govchain.crypto.sm2_cipher import der_to_c1c3c2
from govchain.types.errors import CryptoError, DecryptionError, InvalidKeyError

from ...govchain_cli import openssl

VECTORS = json.loads(
    (Path(__file__).resolve().parents[2] / "vectors" / "asset_crypto.json").read_text()
)
SUITES = ["gm", "intl"]
# A point of order 8 on Curve25519 (RFC 7748 section 7 lists such points):
# X25519 with it gives the all-zero secret, which must be refused.
LOW_ORDER_POINT = bytes.fromhex("e0eb7a7c3b41b8ae1656e3faf19fc46ada098deb9c32b1fd866205165f49b800")


@pytest.fixture(scope="module", params=SUITES)
def suite(request: pytest.FixtureRequest) -> CryptoSuite:
    return suite_for(request.param)


@pytest.fixture(scope="module")
def locker(suite: CryptoSuite) -> LockerKey:
    return generate_locker_key(suite)


def _flipped(data: bytes, index: int) -> bytes:
    return data[:index] + bytes([data[index] ^ 0x01]) + data[index + 1 :]


def test_f_c1_envelope_round_trip_for_a_data_key(suite: CryptoSuite, locker: LockerKey) -> None:
    data_key = suite.new_aead_key()
    sealed = seal_envelope(suite, locker.public_key, data_key)
    assert data_key not in sealed
    assert len(sealed) <= SEALED_SIZE_MAX
    assert locker.open(sealed) == data_key
    assert seal_envelope(suite, locker.public_key, data_key) != sealed  # randomized


def test_locker_public_key_sizes_and_private_bytes_round_trip(
    suite: CryptoSuite, locker: LockerKey
) -> None:
    assert locker.suite_name == suite.name
    assert len(locker.public_key) == (65 if suite.name == "gm" else 32)
    if suite.name == "gm":
        assert locker.public_key[0] == 0x04
    private = locker.private_bytes()
    assert len(private) == 32
    again = locker_key_from_bytes(suite, private)
    assert type(again) is type(locker)
    assert again.public_key == locker.public_key
    assert again.open(seal_envelope(suite, locker.public_key, b"k" * 16)) == b"k" * 16


def test_sm2_scalar_round_trips_through_the_private_key() -> None:
    key = sm2.Sm2PrivateKey.generate()
    scalar = key.to_scalar()
    assert len(scalar) == 32
    assert sm2.Sm2PrivateKey.from_scalar(scalar).public_key.point == key.public_key.point


def test_f_c1_envelope_refuses_another_locker_key(suite: CryptoSuite, locker: LockerKey) -> None:
    sealed = seal_envelope(suite, locker.public_key, suite.new_aead_key())
    other = generate_locker_key(suite)
    with pytest.raises(EnvelopeError, match="does not open with this locker key"):
        other.open(sealed)


def test_f_c1_envelope_refuses_a_flipped_byte_anywhere(
    suite: CryptoSuite, locker: LockerKey
) -> None:
    sealed = seal_envelope(suite, locker.public_key, suite.new_aead_key())
    for index in range(len(sealed)):
        with pytest.raises(EnvelopeError):
            locker.open(_flipped(sealed, index))


def test_envelope_refuses_truncated_extended_and_empty(
    suite: CryptoSuite, locker: LockerKey
) -> None:
    sealed = seal_envelope(suite, locker.public_key, suite.new_aead_key())
    for bad in (b"", sealed[:-1], sealed[:40], sealed + b"\x00", b"\x00" * (SEALED_SIZE_MAX + 1)):
        with pytest.raises(EnvelopeError):
            locker.open(bad)


def test_envelope_error_is_a_decryption_error_with_a_code() -> None:
    assert issubclass(EnvelopeError, DecryptionError)
    assert EnvelopeError.code == "envelope_not_opened"


def test_envelope_opens_secrets_of_every_allowed_size(
    suite: CryptoSuite, locker: LockerKey
) -> None:
    for size in (1, 16, 32, SECRET_SIZE_MAX):
        secret = bytes(range(size))
        sealed = seal_envelope(suite, locker.public_key, secret)
        assert len(sealed) <= SEALED_SIZE_MAX
        assert locker.open(sealed) == secret
    for size in (0, SECRET_SIZE_MAX + 1):
        with pytest.raises(CryptoError, match="envelope seals"):
            seal_envelope(suite, locker.public_key, b"\x01" * size)


def test_seal_refuses_a_public_key_of_the_wrong_form(suite: CryptoSuite) -> None:
    bad_keys = [b"", b"\x04" * 33, b"\x04" + b"\x00" * 64]
    if suite.name == "intl":
        bad_keys = [b"", b"\x01" * 31, b"\x01" * 65, LOW_ORDER_POINT]
    for key in bad_keys:
        with pytest.raises(InvalidKeyError):
            seal_envelope(suite, key, b"k" * 16)


def test_x25519_envelope_with_a_low_order_ephemeral_key_is_refused() -> None:
    locker = generate_locker_key(suite_for("intl"))
    sealed = seal_envelope(suite_for("intl"), locker.public_key, b"k" * 32)
    with pytest.raises(EnvelopeError, match="bad ephemeral key"):
        locker.open(LOW_ORDER_POINT + sealed[32:])


def test_locker_key_from_bytes_refuses_bad_private_keys(suite: CryptoSuite) -> None:
    for bad in (b"", b"\x01" * 31, b"\x01" * 33):
        with pytest.raises(InvalidKeyError, match="32 bytes"):
            locker_key_from_bytes(suite, bad)
    if suite.name == "gm":
        with pytest.raises(InvalidKeyError):
            locker_key_from_bytes(suite, b"\x00" * 32)  # d = 0 is no key
        with pytest.raises(InvalidKeyError):
            locker_key_from_bytes(suite, b"\xff" * 32)  # d >= n


def test_gm_envelope_is_canonical_gm_t_0009_der() -> None:
    locker = generate_locker_key(suite_for("gm"))
    sealed = seal_envelope(suite_for("gm"), locker.public_key, b"k" * 16)
    assert sealed[0] == 0x30  # SEQUENCE
    raw = der_to_c1c3c2(sealed)
    assert len(raw) == 65 + 32 + 16  # C1 || C3 || C2


_LOCKERS: dict[str, LockerKey] = {}


@settings(max_examples=40, deadline=None)
@given(name=st.sampled_from(SUITES), secret=st.binary(min_size=1, max_size=SECRET_SIZE_MAX))
def test_f_c1_envelope_round_trip_property(name: str, secret: bytes) -> None:
    suite = suite_for(name)
    if name not in _LOCKERS:
        _LOCKERS[name] = generate_locker_key(suite)
    locker = _LOCKERS[name]
    assert locker.open(seal_envelope(suite, locker.public_key, secret)) == secret


# Known answers (scripts/make_asset_crypto_vectors.py) ------------------------


@pytest.mark.parametrize("case", VECTORS["x25519_envelope"], ids=lambda c: c["name"])
def test_x25519_envelope_known_answer(case: dict[str, Any]) -> None:
    recipient = locker_key_from_bytes(suite_for("intl"), bytes.fromhex(case["recipient_private"]))
    assert isinstance(recipient, IntlLockerKey)
    assert recipient.public_key.hex() == case["recipient_public"]
    sealed = x25519_envelope(
        recipient.public_key,
        bytes.fromhex(case["secret"]),
        bytes.fromhex(case["ephemeral_private"]),
        bytes.fromhex(case["nonce"]),
    )
    assert sealed.hex() == case["sealed"]
    assert sealed[32:44].hex() == case["nonce"]
    assert recipient.open(sealed).hex() == case["secret"]


@pytest.mark.parametrize("case", VECTORS["sm2_envelope"], ids=lambda c: c["name"])
def test_sm2_envelope_known_answer_decrypts(case: dict[str, Any]) -> None:
    locker = locker_key_from_bytes(suite_for("gm"), bytes.fromhex(case["private_scalar"]))
    assert isinstance(locker, GmLockerKey)
    assert locker.public_key.hex() == case["public_key"]
    assert locker.open(bytes.fromhex(case["sealed"])).hex() == case["secret"]


# The openssl CLI, independently ----------------------------------------------


def _gm_files(tmp_path: Path) -> tuple[GmLockerKey, Path, Path]:
    locker = generate_locker_key(suite_for("gm"))
    assert isinstance(locker, GmLockerKey)
    key, pub = tmp_path / "locker.pem", tmp_path / "locker.pub.pem"
    key.write_bytes(locker.sm2_key.to_pem())
    pub.write_bytes(spki_pem(locker.sm2_key.public_key.spki_der()))
    return locker, key, pub


@pytest.mark.interop
def test_openssl_decrypts_our_sm2_envelope(tmp_path: Path) -> None:
    locker, key, _ = _gm_files(tmp_path)
    data_key = bytes.fromhex("00112233445566778899aabbccddeeff")
    sealed = tmp_path / "envelope.der"
    sealed.write_bytes(seal_envelope(suite_for("gm"), locker.public_key, data_key))
    result = openssl("pkeyutl", "-decrypt", "-inkey", key, "-in", sealed)
    assert result.returncode == 0, result.stderr
    assert result.stdout == data_key


@pytest.mark.interop
def test_our_locker_key_opens_an_openssl_sm2_envelope(tmp_path: Path) -> None:
    locker, _, pub = _gm_files(tmp_path)
    data_key = bytes.fromhex("ffeeddccbbaa99887766554433221100")
    made = openssl("pkeyutl", "-encrypt", "-pubin", "-inkey", pub, data=data_key)
    assert made.returncode == 0, made.stderr
    assert locker.open(made.stdout) == data_key
    with pytest.raises(EnvelopeError):
        generate_locker_key(suite_for("gm")).open(made.stdout)
