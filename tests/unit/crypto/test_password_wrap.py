"""A locker private key wrapped under a password: scrypt or PBKDF2-HMAC-SM3 (F-C1, F-C7)."""

from __future__ import annotations

import hashlib
import hmac
import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from govchain.codec import decode, encode
from govchain.crypto import CryptoSuite, password_wrap, suite_for
from govchain.crypto.password_wrap import (
    PBKDF2_SM3,
    SCRYPT,
    WRAP_DOMAIN,
    KdfParams,
    Pbkdf2Params,
    ScryptParams,
    WrappedKey,
    WrongPasswordError,
    default_params,
    derive_key,
    unwrap_secret,
    wrap_secret,
)
from govchain.types.errors import DecryptionError, ValidationError

VECTORS = json.loads(
    (Path(__file__).resolve().parents[2] / "vectors" / "asset_crypto.json").read_text()
)
SUITES = ["gm", "intl"]
SALT = b"s" * 16
FAST_SCRYPT = ScryptParams(SALT, n=2**10, r=8, p=1)  # the lowest work the bounds allow
FAST_PBKDF2 = Pbkdf2Params(SALT, iterations=100_000)
ADDRESS = bytes.fromhex("a1" * 20)
OTHER_ADDRESS = bytes.fromhex("b2" * 20)
SECRET = bytes(range(32))
PASSWORD = b"correct horse battery staple"


@pytest.fixture(scope="module", params=SUITES)
def suite(request: pytest.FixtureRequest) -> CryptoSuite:
    return suite_for(request.param)


@pytest.fixture(params=[FAST_SCRYPT, FAST_PBKDF2], ids=[SCRYPT, PBKDF2_SM3])
def params(request: pytest.FixtureRequest) -> KdfParams:
    value: KdfParams = request.param
    return value


def _blob(suite: CryptoSuite, params: KdfParams) -> bytes:
    return wrap_secret(suite, SECRET, PASSWORD, ADDRESS, params)


def _rewrite(blob: bytes, **changes: object) -> bytes:
    value: Any = decode(blob)
    value["kdf"].update(changes)
    return encode(value)


def test_f_c1_wrap_round_trip(suite: CryptoSuite, params: KdfParams) -> None:
    blob = _blob(suite, params)
    assert SECRET not in blob
    assert unwrap_secret(suite, blob, PASSWORD, ADDRESS) == SECRET


@pytest.mark.parametrize("kdf", [SCRYPT, PBKDF2_SM3])
def test_default_parameters_round_trip_with_a_fresh_salt(suite: CryptoSuite, kdf: str) -> None:
    first, second = default_params(kdf), default_params(kdf)
    assert first.salt != second.salt
    assert len(first.salt) == 16
    blob = wrap_secret(suite, SECRET, PASSWORD, ADDRESS, first)
    assert unwrap_secret(suite, blob, PASSWORD, ADDRESS) == SECRET
    stored: Any = decode(blob)
    if kdf == SCRYPT:
        assert (stored["kdf"]["n"], stored["kdf"]["r"], stored["kdf"]["p"]) == (2**15, 8, 1)
    else:
        assert stored["kdf"]["iterations"] == 600_000


def test_wrapped_form_is_canonical_cbor_with_its_parameters(
    suite: CryptoSuite, params: KdfParams
) -> None:
    blob = _blob(suite, params)
    value: Any = decode(blob)
    assert encode(value) == blob
    assert set(value) == {"v", "kdf", "sealed"}
    assert value["v"] == 1
    assert value["kdf"] == params.to_map()
    assert len(value["sealed"]) == 12 + len(SECRET) + 16
    assert WrappedKey.from_cbor(blob) == WrappedKey(params, value["sealed"])


def test_f_c1_wrong_password_is_a_clear_typed_error(suite: CryptoSuite, params: KdfParams) -> None:
    blob = _blob(suite, params)
    with pytest.raises(WrongPasswordError) as caught:
        unwrap_secret(suite, blob, b"correct horse battery stapler", ADDRESS)
    assert caught.value.code == "wrong_password"
    assert str(caught.value).startswith("wrong password:")
    assert isinstance(caught.value, DecryptionError)
    assert PASSWORD.decode() not in str(caught.value)


def test_a_blob_does_not_unwrap_for_another_account_or_suite(
    suite: CryptoSuite, params: KdfParams
) -> None:
    blob = _blob(suite, params)
    with pytest.raises(WrongPasswordError):
        unwrap_secret(suite, blob, PASSWORD, OTHER_ADDRESS)
    other_suite = suite_for("intl" if suite.name == "gm" else "gm")
    with pytest.raises(WrongPasswordError):
        unwrap_secret(other_suite, blob, PASSWORD, ADDRESS)


def test_associated_data_names_the_format_and_the_address(suite: CryptoSuite) -> None:
    blob = _blob(suite, FAST_SCRYPT)
    sealed: bytes = decode(blob)["sealed"]  # type: ignore[index]
    key = derive_key(FAST_SCRYPT, PASSWORD, suite.aead_key_size)
    assert suite.open(key, sealed, b"govchain/locker-key/v1" + ADDRESS) == SECRET
    assert WRAP_DOMAIN == b"govchain/locker-key/v1"


def test_a_flipped_byte_anywhere_never_unwraps(suite: CryptoSuite) -> None:
    blob = _blob(suite, FAST_SCRYPT)
    for index in range(len(blob)):
        changed = blob[:index] + bytes([blob[index] ^ 0x01]) + blob[index + 1 :]
        with pytest.raises((ValidationError, WrongPasswordError)):
            unwrap_secret(suite, changed, PASSWORD, ADDRESS)


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"n": 2**30}, "n \\* r"),
        ({"n": 2**18}, "n \\* r"),
        ({"n": 3 * 2**10}, "power of two"),
        ({"n": 0}, "power of two"),
        ({"n": True}, "power of two"),
        ({"r": 0}, "r must"),
        ({"r": 33}, "r must"),
        ({"p": 0}, "p must"),
        ({"p": 2**20}, "p must"),
        ({"n": 2**15, "r": 8, "p": 16}, "n \\* r \\* p"),
        ({"n": 2**10, "r": 1}, "n \\* r"),
        ({"salt": b"short"}, "salt"),
        ({"salt": "text" * 8}, "salt"),
        ({"extra": 1}, "exactly the keys"),
        ({"name": "argon2"}, "must name one of"),
    ],
)
def test_scrypt_parameters_out_of_bounds_are_refused_before_deriving(
    monkeypatch: pytest.MonkeyPatch, changes: dict[str, object], message: str
) -> None:
    suite = suite_for("intl")
    blob = _rewrite(_blob(suite, FAST_SCRYPT), **changes)

    def no_derivation(**_: object) -> None:
        raise AssertionError("a hostile parameter set reached the KDF")

    monkeypatch.setattr(password_wrap, "Scrypt", no_derivation)
    with pytest.raises(ValidationError, match=message):
        unwrap_secret(suite, blob, PASSWORD, ADDRESS)


@pytest.mark.parametrize("iterations", [10**12, 5_000_001, 99_999, 0, -1, False])
def test_pbkdf2_iterations_out_of_bounds_are_refused_before_deriving(
    monkeypatch: pytest.MonkeyPatch, iterations: int
) -> None:
    suite = suite_for("gm")
    blob = _rewrite(_blob(suite, FAST_PBKDF2), iterations=iterations)
    monkeypatch.setattr(hashlib, "pbkdf2_hmac", None)  # any call would fail loudly
    with pytest.raises(ValidationError, match="iterations"):
        unwrap_secret(suite, blob, PASSWORD, ADDRESS)


@pytest.mark.parametrize(
    ("blob", "message"),
    [
        (b"", "canonical CBOR"),
        (b"\xff\x00", "canonical CBOR"),
        (encode([1, 2]), "exactly the keys"),
        (encode({"v": 2, "kdf": FAST_SCRYPT.to_map(), "sealed": b"x" * 40}), "version"),
        (encode({"v": True, "kdf": FAST_SCRYPT.to_map(), "sealed": b"x" * 40}), "version"),
        (encode({"v": 1, "kdf": FAST_SCRYPT.to_map(), "sealed": b"x" * 28}), "sealed"),
        (encode({"v": 1, "kdf": FAST_SCRYPT.to_map(), "sealed": "x" * 40}), "sealed"),
        (encode({"v": 1, "kdf": "scrypt", "sealed": b"x" * 40}), "must name one of"),
        (encode({"v": 1, "kdf": FAST_SCRYPT.to_map()}), "exactly the keys"),
        (b"\x00" * 5000, "at most 4096"),
    ],
)
def test_malformed_wrapped_keys_are_validation_errors(blob: bytes, message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        unwrap_secret(suite_for("gm"), blob, PASSWORD, ADDRESS)


def test_non_canonical_cbor_is_refused() -> None:
    blob = _blob(suite_for("gm"), FAST_SCRYPT)
    assert blob[0] == 0xA3  # a map of 3
    longer_head = b"\xb8\x03" + blob[1:]  # the same map with a one-byte length argument
    with pytest.raises(ValidationError, match="canonical CBOR"):
        unwrap_secret(suite_for("gm"), longer_head, PASSWORD, ADDRESS)


def test_bad_password_address_secret_and_kdf_name_are_refused() -> None:
    suite = suite_for("gm")
    with pytest.raises(ValidationError, match="password"):
        wrap_secret(suite, SECRET, b"", ADDRESS, FAST_SCRYPT)
    with pytest.raises(ValidationError, match="address"):
        wrap_secret(suite, SECRET, PASSWORD, b"\x01" * 19, FAST_SCRYPT)
    with pytest.raises(ValidationError, match="secret"):
        wrap_secret(suite, b"", PASSWORD, ADDRESS, FAST_SCRYPT)
    with pytest.raises(ValidationError, match="unknown KDF"):
        default_params("md5-crypt")
    blob = _blob(suite, FAST_SCRYPT)
    with pytest.raises(ValidationError, match="password"):
        unwrap_secret(suite, blob, b"", ADDRESS)
    with pytest.raises(ValidationError, match="address"):
        unwrap_secret(suite, blob, PASSWORD, b"")


@settings(max_examples=25, deadline=None)
@given(
    name=st.sampled_from(SUITES),
    secret=st.binary(min_size=1, max_size=64),
    password=st.binary(min_size=1, max_size=64),
    address=st.binary(min_size=20, max_size=20),
)
def test_f_c1_wrap_round_trip_property(
    name: str, secret: bytes, password: bytes, address: bytes
) -> None:
    suite = suite_for(name)
    blob = wrap_secret(suite, secret, password, address, FAST_SCRYPT)
    assert unwrap_secret(suite, blob, password, address) == secret


# Known answers (scripts/make_asset_crypto_vectors.py) ------------------------


def _params(kdf: dict[str, Any]) -> KdfParams:
    salt = bytes.fromhex(kdf["salt"])
    if kdf["name"] == SCRYPT:
        return ScryptParams(salt, kdf["n"], kdf["r"], kdf["p"])
    return Pbkdf2Params(salt, kdf["iterations"])


def _pbkdf2_hmac_sm3(password: bytes, salt: bytes, iterations: int, size: int) -> bytes:
    """RFC 8018 PBKDF2 written out with hmac, independent of hashlib.pbkdf2_hmac."""
    out = b""
    block = 1
    while len(out) < size:
        u = hmac.new(password, salt + block.to_bytes(4, "big"), "sm3").digest()
        t = int.from_bytes(u, "big")
        for _ in range(iterations - 1):
            u = hmac.new(password, u, "sm3").digest()
            t ^= int.from_bytes(u, "big")
        out += t.to_bytes(32, "big")
        block += 1
    return out[:size]


@pytest.mark.parametrize("case", VECTORS["kdf"], ids=lambda c: c["name"])
def test_kdf_known_answers(case: dict[str, Any]) -> None:
    params = _params(case["kdf"])
    password = case["password"].encode()
    key = derive_key(params, password, case["size"])
    assert key.hex() == case["key"]
    if isinstance(params, ScryptParams):
        again = hashlib.scrypt(
            password, salt=params.salt, n=params.n, r=params.r, p=params.p, dklen=case["size"]
        )
    else:
        again = _pbkdf2_hmac_sm3(password, params.salt, params.iterations, case["size"])
    assert again.hex() == case["key"]


@pytest.mark.parametrize("case", VECTORS["wrapped"], ids=lambda c: c["name"])
def test_wrapped_key_known_answers(case: dict[str, Any]) -> None:
    suite = suite_for(case["suite"])
    blob, address = bytes.fromhex(case["blob"]), bytes.fromhex(case["address"])
    password = case["password"].encode()
    assert unwrap_secret(suite, blob, password, address).hex() == case["secret"]
    wrapped = WrappedKey.from_cbor(blob)
    key = derive_key(wrapped.kdf, password, suite.aead_key_size)
    nonce = wrapped.sealed[:12]
    body = suite._aead_encrypt(key, nonce, bytes.fromhex(case["secret"]), WRAP_DOMAIN + address)
    assert nonce + body == wrapped.sealed
    assert WrappedKey(wrapped.kdf, nonce + body).to_cbor() == blob
    with pytest.raises(WrongPasswordError):
        unwrap_secret(suite, blob, password + b"!", address)
