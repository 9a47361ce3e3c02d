"""Both suites behind one interface: sign, verify, batch, seal/open (F-A5)."""

from __future__ import annotations

import pytest

from govchain.crypto import SUITE_NAMES, CryptoSuite, suite_for
from govchain.crypto.batch import BATCH_INLINE_MAX, run_batch
from govchain.types.errors import CryptoError, DecryptionError, InvalidSignatureError


@pytest.fixture(params=SUITE_NAMES)
def suite(request: pytest.FixtureRequest) -> CryptoSuite:
    return suite_for(request.param)


def test_unknown_suite_is_refused() -> None:
    with pytest.raises(CryptoError, match="unknown crypto suite"):
        suite_for("rsa")


def test_sign_and_verify(suite: CryptoSuite) -> None:
    key = suite.generate_key()
    assert len(key.public_key) == suite.public_key_size
    sig = key.sign(b"message")
    assert len(sig) <= suite.signature_size_max
    assert suite.verify(key.public_key, b"message", sig)
    assert not suite.verify(key.public_key, b"messagE", sig)
    suite.verify_or_raise(key.public_key, b"message", sig)
    with pytest.raises(InvalidSignatureError):
        suite.verify_or_raise(key.public_key, b"other", sig)


@pytest.mark.parametrize(
    ("public_key", "signature"),
    [(b"", b""), (b"\x04" * 65, b"\x30" * 70), (b"\x00" * 32, b"\x00" * 64), (b"x" * 500, b"y")],
)
def test_malformed_keys_and_signatures_are_false_not_errors(
    suite: CryptoSuite, public_key: bytes, signature: bytes
) -> None:
    assert suite.verify(public_key, b"m", signature) is False


@pytest.mark.parametrize("count", [0, 1, BATCH_INLINE_MAX, BATCH_INLINE_MAX + 1, 203])
def test_batch_verify_keeps_order_and_finds_bad_items(suite: CryptoSuite, count: int) -> None:
    keys = [suite.generate_key() for _ in range(3)]
    items = []
    for i in range(count):
        key = keys[i % 3]
        message = f"tx {i}".encode()
        sig = key.sign(message)
        if i % 7 == 3:
            message += b"!"  # tampered
        items.append((key.public_key, message, sig))
    expected = [i % 7 != 3 for i in range(count)]
    assert suite.batch_verify(items) == expected


def test_run_batch_uses_every_requested_chunk() -> None:
    seen: list[bytes] = []

    def record(key: bytes, message: bytes, signature: bytes) -> bool:
        seen.append(message)
        return message.endswith(b"0")

    items = [(b"k", str(i).encode(), b"s") for i in range(100)]
    assert run_batch(record, items, workers=4) == [str(i).endswith("0") for i in range(100)]
    assert sorted(seen) == sorted(m for _, m, _ in items)


def test_hash_is_the_suite_hash(suite: CryptoSuite) -> None:
    expected = {
        "gm": "66c7f0f462eeedd9d1f2d46bdc10e4e24167c4875cf2f7a2297da02b8f4ba8e0",
        "intl": "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad",
    }
    assert suite.hash(b"abc").hex() == expected[suite.name]


def test_tagged_hash_separates_domains(suite: CryptoSuite) -> None:
    assert suite.tagged_hash("govchain/tx/v1", {"a": 1}) != suite.tagged_hash(
        "govchain/vote/v1", {"a": 1}
    )


def test_seal_and_open(suite: CryptoSuite) -> None:
    key = suite.new_aead_key()
    sealed = suite.seal(key, b"citizen record", b"record-7")
    assert suite.open(key, sealed, b"record-7") == b"citizen record"
    assert suite.seal(key, b"citizen record") != suite.seal(key, b"citizen record")
    for bad in (
        lambda: suite.open(key, sealed, b"record-8"),
        lambda: suite.open(suite.new_aead_key(), sealed, b"record-7"),
        lambda: suite.open(key, sealed[:-1] + bytes([sealed[-1] ^ 1]), b"record-7"),
        lambda: suite.open(key, sealed[:20]),
        lambda: suite.open(key[:-1], sealed),
    ):
        with pytest.raises(DecryptionError):
            bad()


def test_spki_round_trip(suite: CryptoSuite) -> None:
    key = suite.generate_key()
    spki = suite.public_key_to_spki(key.public_key)
    assert suite.public_key_from_spki(spki) == key.public_key
