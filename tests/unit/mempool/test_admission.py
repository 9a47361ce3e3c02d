# ruff: noqa: N802  (test names carry the requirement: test_F_A7_...)
"""Admission rules of the mempool, each at its boundary (F-A7 replay window, F-A3 limits)."""

from __future__ import annotations

import dataclasses
import os
from typing import Any

import pytest

from govchain import mempool
from govchain.codec import encode
from govchain.ledger import records
from govchain.mempool import (
    MAX_EXPIRY_HORIZON,
    BadSignatureError,
    ExpiryTooFarError,
    MalformedTxError,
    Mempool,
    MempoolError,
    MempoolFullError,
    TxExpiredError,
    TxTooLargeError,
    UnsupportedSenderError,
    WrongChainError,
)

from ...chain_support import CHAIN_ID
from .support import NEXT, SUITE_NAMES, Signer, VerifySpy, make_pool


@pytest.fixture(scope="module", params=SUITE_NAMES)
def signer(request: pytest.FixtureRequest) -> Signer:
    return Signer.make(request.param)


def test_every_refusal_has_its_stable_code() -> None:
    expected = {
        "MempoolError": "mempool_error",
        "MalformedTxError": "malformed_tx",
        "TxTooLargeError": "tx_too_large",
        "WrongChainError": "wrong_chain",
        "PermissionDeniedError": "permission_denied",
        "TxExpiredError": "tx_expired",
        "ExpiryTooFarError": "expiry_too_far",
        "UnsupportedSenderError": "unsupported_sender",
        "TxReplayedError": "tx_replayed",
        "BadSignatureError": "bad_signature",
        "MempoolFullError": "mempool_full",
    }
    found = {
        name: getattr(mempool, name).code
        for name in mempool.__all__
        if isinstance(getattr(mempool, name), type)
        and issubclass(getattr(mempool, name), MempoolError)
    }
    assert found == expected
    assert all(issubclass(getattr(mempool, n), MempoolError) for n in expected)


def test_exports_are_explicit_and_importable() -> None:
    assert sorted(mempool.__all__) == sorted(set(mempool.__all__))
    for name in mempool.__all__:
        assert hasattr(mempool, name), name


def test_valid_tx_is_admitted_and_pending(signer: Signer) -> None:
    pool = make_pool(signer.suite)
    raw = signer.raw()
    tx_hash = pool.add(raw, NEXT)
    assert tx_hash == signer.hash_of(raw)
    assert pool.status(tx_hash) == "pending"
    assert tx_hash in pool
    assert len(pool) == 1
    assert pool.size_bytes == len(raw)
    assert pool.status(os.urandom(32)) is None


def test_size_at_max_tx_bytes_is_admitted_one_byte_over_is_tx_too_large(signer: Signer) -> None:
    raw = signer.raw(pad=300)
    assert make_pool(signer.suite, max_tx_bytes=len(raw)).add(raw, NEXT)
    pool = make_pool(signer.suite, max_tx_bytes=len(raw) - 1)
    with pytest.raises(TxTooLargeError, match=f"{len(raw)} bytes.*at most {len(raw) - 1}"):
        pool.add(raw, NEXT)
    assert len(pool) == 0


def test_tx_over_the_decoders_limit_is_tx_too_large_not_malformed(signer: Signer) -> None:
    raw = b"\x00" * (records.TX_LIMITS.max_bytes + 1)
    with pytest.raises(TxTooLargeError):
        make_pool(signer.suite).add(raw, NEXT)


def test_F_A7_expiry_at_next_height_is_admitted_one_below_is_tx_expired(signer: Signer) -> None:
    pool = make_pool(signer.suite)
    assert pool.add(signer.raw(expiry=NEXT), NEXT)
    with pytest.raises(TxExpiredError, match=f"expired at height {NEXT - 1}.*height {NEXT}"):
        pool.add(signer.raw(expiry=NEXT - 1), NEXT)
    assert len(pool) == 1


def test_F_A7_expiry_at_the_horizon_is_admitted_one_above_is_expiry_too_far(
    signer: Signer,
) -> None:
    pool = make_pool(signer.suite)
    assert pool.add(signer.raw(expiry=NEXT + MAX_EXPIRY_HORIZON), NEXT)
    with pytest.raises(ExpiryTooFarError, match=f"at most {NEXT + MAX_EXPIRY_HORIZON}"):
        pool.add(signer.raw(expiry=NEXT + MAX_EXPIRY_HORIZON + 1), NEXT)
    small = make_pool(signer.suite, expiry_horizon=5)
    assert small.add(signer.raw(expiry=NEXT + 5), NEXT)
    with pytest.raises(ExpiryTooFarError):
        small.add(signer.raw(expiry=NEXT + 6), NEXT)


def test_tx_for_another_chain_is_wrong_chain(signer: Signer) -> None:
    with pytest.raises(WrongChainError, match=r"'other-chain'.*'test-chain'"):
        make_pool(signer.suite).add(signer.raw(chain_id="other-chain"), NEXT)


def test_certificate_sender_is_unsupported_sender(signer: Signer) -> None:
    raw = signer.raw(sender_kind="cert", sender=os.urandom(32))
    with pytest.raises(UnsupportedSenderError, match="public key"):
        make_pool(signer.suite).add(raw, NEXT)


def test_signature_of_another_key_or_altered_body_is_bad_signature(signer: Signer) -> None:
    pool = make_pool(signer.suite)
    tx = signer.tx()
    other = signer.suite.generate_key()
    by_other = dataclasses.replace(tx, signature=other.sign(records.tx_signing_bytes(tx)))
    altered = dataclasses.replace(tx, args={**tx.args, "value": b"changed"})
    for forged in (by_other, altered, dataclasses.replace(tx, signature=b"")):
        with pytest.raises(BadSignatureError, match="does not verify"):
            pool.add(records.encode_tx(forged), NEXT)
    assert len(pool) == 0
    assert not pool.verified


def _canonical_but_not_a_tx(signer: Signer) -> list[bytes]:
    body = signer.tx().to_cbor()
    missing = {k: v for k, v in body.items() if k != "nonce"}
    extra = {**body, "memo": "hi"}
    short_nonce = {**body, "nonce": b"1234567"}
    return [encode(missing), encode(extra), encode(short_nonce), encode([1, 2]), encode(7)]


def test_bytes_that_are_not_strict_canonical_cbor_or_not_a_tx_are_malformed(
    signer: Signer,
) -> None:
    pool = make_pool(signer.suite)
    raw = signer.raw()
    non_shortest = b"\xb8\x08" + raw[1:]  # map head of 8 entries in two bytes
    for bad in (b"", raw + b"\x00", raw[:-1], non_shortest, *_canonical_but_not_a_tx(signer)):
        with pytest.raises(MalformedTxError, match=r"malformed tx|must be bytes"):
            pool.add(bad, NEXT)
    with pytest.raises(MalformedTxError, match="must be bytes"):
        pool.add("text", NEXT)  # type: ignore[arg-type]
    assert len(pool) == 0


def test_cheap_checks_come_before_the_signature(signer: Signer) -> None:
    suite = Signer.make(signer.suite.name).suite
    spy = VerifySpy.on(suite)
    pool = make_pool(suite, max_txs=1)
    stale_and_forged = dataclasses.replace(signer.tx(expiry=NEXT - 1), signature=b"\x01" * 64)
    with pytest.raises(TxExpiredError):
        pool.add(records.encode_tx(stale_and_forged), NEXT)
    assert pool.add(signer.raw(), NEXT)
    assert spy.checks == 1
    with pytest.raises(MempoolFullError):
        pool.add(signer.raw(), NEXT)
    assert spy.checks == 1  # a full pool spends no signature check


@pytest.mark.parametrize(
    ("limits", "message"),
    [
        ({"max_txs": 0}, "max_txs must be a positive integer"),
        ({"max_bytes": 0}, "max_bytes must be a positive integer"),
        ({"max_tx_bytes": 0}, "max_tx_bytes must be a positive integer"),
        ({"expiry_horizon": 0}, "expiry_horizon must be a positive integer"),
        ({"max_txs": True}, "max_txs must be a positive integer"),
        ({"max_tx_bytes": records.TX_LIMITS.max_bytes + 1}, "decoder's limit"),
        ({"max_bytes": 1000, "max_tx_bytes": 1001}, "over max_bytes"),
    ],
)
def test_limits_are_checked_when_the_pool_is_built(limits: dict[str, Any], message: str) -> None:
    suite = Signer.make("intl").suite
    with pytest.raises(ValueError, match=message):
        make_pool(suite, **limits)


def test_limits_at_their_smallest_and_largest_are_accepted() -> None:
    suite = Signer.make("intl").suite
    pool = make_pool(suite, max_txs=1, max_bytes=1, max_tx_bytes=1, expiry_horizon=1)
    assert (pool.limits.max_txs, pool.limits.max_bytes, pool.limits.max_tx_bytes) == (1, 1, 1)
    largest = make_pool(suite, max_tx_bytes=records.TX_LIMITS.max_bytes)
    assert largest.limits.max_tx_bytes == records.TX_LIMITS.max_bytes


def test_defaults_are_named() -> None:
    pool = make_pool(Signer.make("intl").suite)
    assert pool.limits.max_txs == mempool.DEFAULT_MAX_TXS == 10_000
    assert pool.limits.max_bytes == mempool.DEFAULT_MAX_BYTES == 64 * 1024 * 1024
    assert pool.limits.max_tx_bytes == mempool.DEFAULT_MAX_TX_BYTES == 64 * 1024
    assert pool.limits.expiry_horizon == MAX_EXPIRY_HORIZON == 10_000


def test_bad_chain_id_and_heights_are_programmer_errors() -> None:
    suite = Signer.make("intl").suite
    with pytest.raises(ValueError, match="chain id"):
        Mempool(suite, "", is_committed=lambda _: False)
    pool = Mempool(suite, CHAIN_ID, is_committed=lambda _: False)
    with pytest.raises(ValueError, match="heights start at 1"):
        pool.add(b"", 0)
    with pytest.raises(ValueError, match="heights start at 1"):
        pool.on_commit([], 0)
