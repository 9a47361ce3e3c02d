"""SM2 on libcrypto: signatures, encryption, key handling (F-A5)."""

from __future__ import annotations

import pytest

from govchain.crypto import sm2
from govchain.crypto.sm2_cipher import c1c3c2_to_der, der_to_c1c3c2
from govchain.types.errors import CryptoError, DecryptionError, InvalidKeyError, KeyFileError


@pytest.fixture(scope="module")
def key() -> sm2.Sm2PrivateKey:
    return sm2.Sm2PrivateKey.generate()


def test_sign_verify_round_trip(key: sm2.Sm2PrivateKey) -> None:
    sig = key.sign(b"doc")
    assert key.public_key.verify(b"doc", sig)
    assert not key.public_key.verify(b"doc ", sig)
    assert not sm2.Sm2PrivateKey.generate().public_key.verify(b"doc", sig)


def test_signer_id_is_part_of_the_signature(key: sm2.Sm2PrivateKey) -> None:
    sig = key.sign(b"doc", user_id=b"department-7")
    assert key.public_key.verify(b"doc", sig, user_id=b"department-7")
    assert not key.public_key.verify(b"doc", sig)


def test_signatures_are_randomized_and_der(key: sm2.Sm2PrivateKey) -> None:
    first, second = key.sign(b"doc"), key.sign(b"doc")
    assert first != second
    assert first[0] == 0x30
    assert len(first) <= sm2.SIGNATURE_SIZE_MAX


def test_z_value_matches_gmt_0003_formula(key: sm2.Sm2PrivateKey) -> None:
    # Z is cached; a second call must give the same bytes as a fresh key object.
    fresh = sm2.Sm2PublicKey.from_point(key.public_key.point)
    assert key.public_key.z_value() == fresh.z_value()
    assert key.public_key.z_value(b"a") != key.public_key.z_value(b"b")


@pytest.mark.parametrize(
    "point",
    [
        b"",
        b"\x04" + b"\x00" * 64,  # not on the curve
        b"\x02" + b"\x11" * 32,  # compressed form is not our wire form
        b"\x04" + b"\x11" * 63,
    ],
    ids=["empty", "off-curve", "compressed", "short"],
)
def test_bad_public_points_are_refused(point: bytes) -> None:
    with pytest.raises(InvalidKeyError):
        sm2.Sm2PublicKey.from_point(point)


def test_public_key_cache_returns_the_same_parsed_key(key: sm2.Sm2PrivateKey) -> None:
    point = key.public_key.point
    assert sm2.public_key(point) is sm2.public_key(point)


@pytest.mark.parametrize("scalar", [b"\x00" * 32, b"\xff" * 32, b"\x01" * 31])
def test_out_of_range_private_scalars_are_refused(scalar: bytes) -> None:
    with pytest.raises(InvalidKeyError):
        sm2.Sm2PrivateKey.from_scalar(scalar)


def test_encrypt_decrypt_and_raw_c1c3c2(key: sm2.Sm2PrivateKey) -> None:
    der = key.public_key.encrypt(b"document key")
    assert key.decrypt(der) == b"document key"
    raw = der_to_c1c3c2(der)
    assert raw[0] == 0x04
    assert len(raw) == 65 + 32 + len(b"document key")
    assert c1c3c2_to_der(raw) == der


def test_tampered_or_foreign_ciphertext_fails(key: sm2.Sm2PrivateKey) -> None:
    der = key.public_key.encrypt(b"document key")
    flipped = der[:-1] + bytes([der[-1] ^ 1])
    with pytest.raises(DecryptionError):
        key.decrypt(flipped)
    with pytest.raises(DecryptionError):
        sm2.Sm2PrivateKey.generate().decrypt(der)
    with pytest.raises(DecryptionError):
        key.decrypt(b"\x30\x00")


@pytest.mark.parametrize(
    "raw",
    [b"", b"\x04" + b"\x01" * 96, b"\x05" + b"\x01" * 100, b"\x04" + b"\xff" * 100],
    ids=["empty", "no-c2", "bad-prefix", "coordinate-out-of-field"],
)
def test_bad_raw_ciphertexts_are_refused(raw: bytes) -> None:
    with pytest.raises(DecryptionError):
        c1c3c2_to_der(raw)


def test_der_ciphertext_with_trailing_bytes_is_refused(key: sm2.Sm2PrivateKey) -> None:
    der = key.public_key.encrypt(b"x")
    with pytest.raises(DecryptionError):
        der_to_c1c3c2(der + b"\x00")


def test_pem_round_trip_with_and_without_password(key: sm2.Sm2PrivateKey) -> None:
    plain = sm2.Sm2PrivateKey.from_pem(key.to_pem())
    assert plain.public_key == key.public_key
    sealed = key.to_pem(b"correct horse")
    assert b"ENCRYPTED PRIVATE KEY" in sealed
    assert sm2.Sm2PrivateKey.from_pem(sealed, b"correct horse").public_key == key.public_key
    with pytest.raises(KeyFileError, match="wrong password"):
        sm2.Sm2PrivateKey.from_pem(sealed, b"wrong")
    with pytest.raises(KeyFileError):
        sm2.Sm2PrivateKey.from_pem(sealed)  # never prompts on a terminal


def test_garbage_pem_is_a_key_file_error() -> None:
    with pytest.raises(KeyFileError):
        sm2.Sm2PrivateKey.from_pem(
            b"-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n"
        )


def test_openssl_error_queue_is_drained_after_failures(key: sm2.Sm2PrivateKey) -> None:
    from govchain.crypto.libcrypto import load

    assert not key.public_key.verify(b"m", b"\x30\x06\x02\x01\x01\x02\x01\x01")
    with pytest.raises(DecryptionError):
        key.decrypt(b"\x30\x03\x02\x01\x01")
    assert load().lib.ERR_get_error() == 0


_N = int("FFFFFFFEFFFFFFFFFFFFFFFFFFFFFFFF7203DF6B21C6052B53BBF40939D54123", 16)


@pytest.mark.parametrize(
    ("wide", "d"),
    [
        (0, 1),  # zero maps to the smallest valid scalar
        (_N - 3, _N - 2),  # the largest residue maps to the largest valid scalar
        (_N - 2, 1),  # and wraps
        (2**320 - 1, (2**320 - 1) % (_N - 2) + 1),
    ],
)
def test_scalar_from_uniform_lands_in_1_to_n_minus_2(wide: int, d: int) -> None:
    scalar = sm2.scalar_from_uniform(wide.to_bytes(40, "big"))
    assert int.from_bytes(scalar, "big") == d
    assert sm2.Sm2PrivateKey.from_scalar(scalar).to_scalar() == scalar


def test_scalar_from_uniform_needs_40_bytes() -> None:
    with pytest.raises(CryptoError, match="40 uniform bytes"):
        sm2.scalar_from_uniform(bytes(39))
