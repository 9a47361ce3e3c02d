"""Asset content encryption and envelopes on the client (F-C1, F-C7; docs/spec/assets.md)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from govchain.client.asset_crypto import (
    Plaintext,
    content_aad,
    content_method,
    decrypt_content,
    encrypt_content,
    envelope_for,
    new_content_id,
    open_envelope,
)
from govchain.client.locker_keys import new_locker, unwrap, wrap
from govchain.codec import decode, encode
from govchain.codes.demo import demo_uscc
from govchain.crypto import CryptoSuite, suite_for
from govchain.crypto.envelopes import EnvelopeError, seal_envelope
from govchain.types.errors import DecryptionError, ValidationError

VECTORS = json.loads(
    (Path(__file__).resolve().parents[2] / "vectors" / "asset_crypto.json").read_text()
)
SUITES = ["gm", "intl"]
MARKER = "MARKER-7f3a-licence-body"
FIELDS: dict[str, Any] = {
    "统一社会信用代码": demo_uscc(7),
    "名称": "示例科技有限公司",
    "注册资本万元": 500,
}
FILE = ("licence.pdf", b"%PDF-1.7 " + MARKER.encode())


@pytest.fixture(scope="module", params=SUITES)
def suite(request: pytest.FixtureRequest) -> CryptoSuite:
    return suite_for(request.param)


def test_content_id_is_16_fresh_random_bytes() -> None:
    ids = {new_content_id() for _ in range(64)}
    assert len(ids) == 64
    assert all(len(i) == 16 for i in ids)


def test_content_aad_is_domain_content_id_and_three_digit_version() -> None:
    content_id = bytes(range(16))
    assert content_aad(content_id, 1) == b"govchain/asset/v1" + content_id + b"001"
    assert content_aad(content_id, 42).endswith(b"042")
    assert content_aad(content_id, 999).endswith(b"999")
    for version in (0, 1000, -1, True):
        with pytest.raises(ValidationError, match="version"):
            content_aad(content_id, version)
    for bad_id in (b"", b"\x00" * 15, b"\x00" * 17):
        with pytest.raises(ValidationError, match="content id"):
            content_aad(bad_id, 1)


def test_content_method_names_the_suite_aead() -> None:
    assert content_method(suite_for("gm")) == "SM4-GCM"
    assert content_method(suite_for("intl")) == "AES-256-GCM"


@pytest.mark.parametrize("file", [FILE, None], ids=["with-file", "fields-only"])
def test_f_c1_content_round_trip(suite: CryptoSuite, file: tuple[str, bytes] | None) -> None:
    content_id = new_content_id()
    data_key, blob = encrypt_content(suite, content_id, 1, FIELDS, file)
    assert len(data_key) == suite.aead_key_size
    assert MARKER.encode() not in blob
    assert FIELDS["名称"].encode() not in blob
    plaintext = decrypt_content(suite, data_key, content_id, 1, blob)
    assert plaintext == Plaintext(FIELDS, file)


def test_plaintext_is_canonical_cbor_fields_and_file(suite: CryptoSuite) -> None:
    content_id = new_content_id()
    data_key, blob = encrypt_content(suite, content_id, 2, FIELDS, FILE)
    inner = suite.open(data_key, blob, content_aad(content_id, 2))
    assert inner == encode({"fields": FIELDS, "file": {"name": FILE[0], "bytes": FILE[1]}})
    data_key, blob = encrypt_content(suite, content_id, 2, FIELDS, None)
    assert decode(suite.open(data_key, blob, content_aad(content_id, 2))) == {"fields": FIELDS}


def test_every_version_gets_a_fresh_data_key(suite: CryptoSuite) -> None:
    content_id = new_content_id()
    first = encrypt_content(suite, content_id, 1, FIELDS, FILE)
    second = encrypt_content(suite, content_id, 1, FIELDS, FILE)
    assert first[0] != second[0]
    assert first[1] != second[1]


def test_f_c1_content_refuses_wrong_key_and_flipped_bytes(suite: CryptoSuite) -> None:
    content_id = new_content_id()
    data_key, blob = encrypt_content(suite, content_id, 1, FIELDS, FILE)
    with pytest.raises(DecryptionError, match="does not decrypt"):
        decrypt_content(suite, suite.new_aead_key(), content_id, 1, blob)
    for index in range(len(blob)):
        changed = blob[:index] + bytes([blob[index] ^ 0x80]) + blob[index + 1 :]
        with pytest.raises(DecryptionError):
            decrypt_content(suite, data_key, content_id, 1, changed)
    for cut in (blob[:-1], blob[:27], b""):
        with pytest.raises(DecryptionError):
            decrypt_content(suite, data_key, content_id, 1, cut)


def test_f_c1_content_is_bound_to_its_content_id_and_version(suite: CryptoSuite) -> None:
    content_id, other_id = new_content_id(), new_content_id()
    data_key, blob = encrypt_content(suite, content_id, 1, FIELDS, FILE)
    with pytest.raises(DecryptionError, match="another asset or version"):
        decrypt_content(suite, data_key, other_id, 1, blob)
    with pytest.raises(DecryptionError):
        decrypt_content(suite, data_key, content_id, 2, blob)
    assert decrypt_content(suite, data_key, content_id, 1, blob).fields == FIELDS


@pytest.mark.parametrize(
    ("fields", "file", "message"),
    [
        ({"": "x"}, None, "field name"),
        ({"n" * 65: "x"}, None, "field name"),
        ({"flag": True}, None, "text or an integer"),
        ({"ratio": 0.5}, None, "text or an integer"),
        ({"list": ["a"]}, None, "text or an integer"),
        ({"long": "x" * 4097}, None, "over 4096"),
        ({"huge": 2**64}, None, "cannot be encoded"),
        ({"text": "\ud800"}, None, "cannot be encoded"),
        ({f"f{i}": i for i in range(65)}, None, "at most 64"),
        ({}, ("", b"x"), "file name"),
        ({}, ("../etc/passwd", b"x"), "plain name"),
        ({}, ("dir/doc.pdf", b"x"), "plain name"),
        ({}, ("doc\\x.pdf", b"x"), "plain name"),
        ({}, ("..", b"x"), "plain name"),
        ({}, ("line\nbreak.pdf", b"x"), "plain name"),
        ({}, ("doc.pdf", "text"), "bytes"),
    ],
)
def test_content_checks_fields_and_file_before_encrypting(
    fields: dict[str, Any], file: Any, message: str
) -> None:
    with pytest.raises(ValidationError, match=message):
        encrypt_content(suite_for("gm"), new_content_id(), 1, fields, file)


@pytest.mark.parametrize(
    "value",
    [
        [1, 2],
        {"fields": {}, "extra": 1},
        {"fields": {}, "file": {"name": "a"}},
        {"fields": {}, "file": {"name": "../a", "bytes": b""}},
        {"fields": {"x": b"raw bytes"}},
        {"fields": []},
    ],
)
def test_an_authenticated_but_malformed_plaintext_is_a_validation_error(value: object) -> None:
    suite = suite_for("intl")
    content_id, key = new_content_id(), suite.new_aead_key()
    blob = suite.seal(key, encode(value), content_aad(content_id, 1))
    with pytest.raises(ValidationError):
        decrypt_content(suite, key, content_id, 1, blob)


def test_f_c1_holder_and_regulator_envelopes_open_the_content(suite: CryptoSuite) -> None:
    holder, holder_public = new_locker(suite)
    regulator, regulator_public = new_locker(suite)
    content_id = new_content_id()
    data_key, blob = encrypt_content(suite, content_id, 1, FIELDS, FILE)
    envelopes = {
        "holder": envelope_for(suite, holder_public, data_key),
        "regulator": envelope_for(suite, regulator_public, data_key),
    }
    assert all(len(sealed) <= 256 for sealed in envelopes.values())
    # the holder unlocks its locker key with its password, as `asset fetch` does
    address = bytes.fromhex("c3" * 20)
    stored = wrap(suite, holder, b"holder password", address)
    unlocked = unwrap(suite, stored, b"holder password", address, holder_public)
    key = open_envelope(suite, unlocked, envelopes["holder"])
    assert decrypt_content(suite, key, content_id, 1, blob).file == FILE
    key = open_envelope(suite, regulator, envelopes["regulator"])
    assert decrypt_content(suite, key, content_id, 1, blob).fields == FIELDS
    with pytest.raises(EnvelopeError):
        open_envelope(suite, regulator, envelopes["holder"])


def test_envelopes_carry_only_data_keys_of_the_suite(suite: CryptoSuite) -> None:
    locker, public = new_locker(suite)
    with pytest.raises(ValidationError, match="data key"):
        envelope_for(suite, public, b"\x01" * (suite.aead_key_size + 1))
    wrong_size = seal_envelope(suite, public, b"\x01" * (48 - suite.aead_key_size))
    with pytest.raises(EnvelopeError, match="not a"):
        open_envelope(suite, locker, wrong_size)
    other_suite = suite_for("intl" if suite.name == "gm" else "gm")
    other_locker, _ = new_locker(other_suite)
    with pytest.raises(EnvelopeError, match="cannot open"):
        open_envelope(suite, other_locker, envelope_for(suite, public, suite.new_aead_key()))


def test_oversize_content_is_refused_before_encrypting() -> None:
    big = ("big.bin", bytes(64 * 1024 * 1024))
    with pytest.raises(ValidationError, match="at most"):
        encrypt_content(suite_for("intl"), new_content_id(), 1, {}, big)


@settings(max_examples=40, deadline=None)
@given(
    name=st.sampled_from(SUITES),
    version=st.integers(min_value=1, max_value=999),
    fields=st.dictionaries(
        st.text(min_size=1, max_size=64),
        st.one_of(st.text(max_size=200), st.integers(min_value=-(2**63), max_value=2**64 - 1)),
        max_size=8,
    ),
    file=st.one_of(
        st.none(),
        st.tuples(
            st.text(alphabet=st.characters(categories=["L", "N"]), min_size=1, max_size=40),
            st.binary(max_size=2048),
        ),
    ),
)
def test_f_c1_content_round_trip_property(
    name: str, version: int, fields: dict[str, Any], file: tuple[str, bytes] | None
) -> None:
    suite = suite_for(name)
    content_id = new_content_id()
    data_key, blob = encrypt_content(suite, content_id, version, fields, file)
    assert decrypt_content(suite, data_key, content_id, version, blob) == Plaintext(fields, file)


# Known answers (scripts/make_asset_crypto_vectors.py) ------------------------


@pytest.mark.parametrize("case", VECTORS["content"], ids=lambda c: c["name"])
def test_content_known_answers(case: dict[str, Any]) -> None:
    suite = suite_for(case["suite"])
    key, content_id = bytes.fromhex(case["data_key"]), bytes.fromhex(case["content_id"])
    blob = bytes.fromhex(case["blob"])
    file = (case["file_name"], bytes.fromhex(case["file_bytes"]))
    plaintext = Plaintext(case["fields"], file)
    assert plaintext.to_cbor().hex() == case["plaintext"]
    aad = content_aad(content_id, case["version"])
    assert aad.hex() == case["aad"]
    nonce = blob[:12]
    assert nonce + suite._aead_encrypt(key, nonce, plaintext.to_cbor(), aad) == blob
    assert decrypt_content(suite, key, content_id, case["version"], blob) == plaintext
    assert content_method(suite) == {"gm": "SM4-GCM", "intl": "AES-256-GCM"}[case["suite"]]
