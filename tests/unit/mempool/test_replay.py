# ruff: noqa: N802  (test names carry the requirement: test_F_A7_...)
"""Replay protection (F-A7): pending and committed hashes are refused, and memory stays bounded."""

from __future__ import annotations

import dataclasses

import pytest

from govchain.ledger import records
from govchain.mempool import TxExpiredError, TxReplayedError

from .support import NEXT, SUITE_NAMES, FakeLedger, Signer, VerifySpy, make_pool


@pytest.fixture(scope="module", params=SUITE_NAMES)
def signer(request: pytest.FixtureRequest) -> Signer:
    return Signer.make(request.param)


def test_F_A7_replay_of_a_pending_tx_is_refused_without_a_signature_check(
    signer: Signer,
) -> None:
    suite = Signer.make(signer.suite.name).suite
    spy = VerifySpy.on(suite)
    pool = make_pool(suite)
    raw = signer.raw()
    pool.add(raw, NEXT)
    tx = records.decode_tx(raw)
    resigned = records.encode_tx(records.sign_tx(signer.key, tx))
    garbage_signature = records.encode_tx(dataclasses.replace(tx, signature=b"\x07" * 8))
    for replay in (raw, resigned, garbage_signature):
        with pytest.raises(TxReplayedError, match="already pending"):
            pool.add(replay, NEXT)
    assert spy.checks == 1
    assert (len(pool), pool.size_bytes) == (1, len(raw))


def test_F_A7_replay_of_a_committed_tx_is_refused_from_memory(signer: Signer) -> None:
    ledger = FakeLedger()
    pool = make_pool(signer.suite, ledger=ledger)
    raw = signer.raw(expiry=NEXT + 5)
    tx_hash = pool.add(raw, NEXT)
    assert pool.on_commit([tx_hash], NEXT) == []
    assert pool.status(tx_hash) is None
    assert (len(pool), pool.size_bytes) == (0, 0)
    ledger.lookups.clear()
    with pytest.raises(TxReplayedError, match="already committed"):
        pool.add(raw, NEXT + 1)
    assert ledger.lookups == []  # refused without a ledger lookup


def test_F_A7_replay_of_a_tx_committed_elsewhere_is_refused_by_the_ledger(
    signer: Signer,
) -> None:
    raw = signer.raw()
    ledger = FakeLedger({signer.hash_of(raw)})
    pool = make_pool(signer.suite, ledger=ledger)
    with pytest.raises(TxReplayedError, match="already committed"):
        pool.add(raw, NEXT)
    assert ledger.lookups == [signer.hash_of(raw)]
    assert len(pool) == 0


def test_F_A7_on_commit_removes_committed_txs_and_drops_expired_ones(signer: Signer) -> None:
    pool = make_pool(signer.suite)
    raws = {name: signer.raw(expiry=NEXT + k) for name, k in (("a", 2), ("b", 0), ("c", 9))}
    hashes = {name: pool.add(raw, NEXT) for name, raw in raws.items()}
    expired = pool.on_commit([hashes["a"]], NEXT)
    assert expired == [hashes["b"]]
    assert [pool.status(hashes[n]) for n in "abc"] == [None, None, "pending"]
    assert pool.size_bytes == len(raws["c"])
    # a's signature goes with a (committed, it is never checked again), b's with b
    assert set(pool.verified) == {hashes["c"]}
    assert pool.reap(10, 10**6) == [records.decode_tx(raws["c"])]


def test_F_A7_committed_hashes_are_forgotten_when_their_expiry_passes(signer: Signer) -> None:
    ledger = FakeLedger()
    pool = make_pool(signer.suite, ledger=ledger)
    raw = signer.raw(expiry=NEXT + 2)
    tx_hash = pool.add(raw, NEXT)
    pool.on_commit([tx_hash], NEXT)
    pool.on_commit([], NEXT + 1)
    ledger.lookups.clear()
    assert tx_hash not in pool.verified  # its signature went at its commit
    with pytest.raises(TxReplayedError):
        pool.add(raw, NEXT + 2)  # its last allowed height: still remembered
    assert tx_hash not in pool.verified  # a replay is refused before any signature check
    pool.on_commit([], NEXT + 2)
    with pytest.raises(TxExpiredError):
        pool.add(raw, NEXT + 3)  # forgotten, and refused by its expiry instead
    assert ledger.lookups == []


def test_F_A7_a_hash_committed_by_others_is_remembered_for_the_horizon(signer: Signer) -> None:
    raw = signer.raw(expiry=NEXT + 20)
    tx_hash = signer.hash_of(raw)
    ledger = FakeLedger({tx_hash})
    pool = make_pool(signer.suite, ledger=ledger, expiry_horizon=30)
    pool.on_commit([tx_hash], NEXT)
    with pytest.raises(TxReplayedError):
        pool.add(raw, NEXT + 1)
    assert ledger.lookups == []
    pool.on_commit([], NEXT + 29)
    with pytest.raises(TxReplayedError):
        pool.add(raw, NEXT + 1)
    assert ledger.lookups == []
    pool.on_commit([], NEXT + 30)  # the horizon passed: only the ledger knows now
    with pytest.raises(TxReplayedError):
        pool.add(raw, NEXT + 1)
    assert ledger.lookups == [tx_hash]


def test_F_A7_replay_memory_is_bounded_by_the_expiry_window(signer: Signer) -> None:
    pool = make_pool(signer.suite, expiry_horizon=4)
    for height in range(1, 30):
        tx_hash = pool.add(signer.raw(expiry=height + 3), height)
        pool.on_commit([tx_hash], height)
        assert len(pool) == 0
        assert len(pool.verified) == 0  # a committed tx's signature is not kept
    pool.on_commit([], 40)
    assert len(pool.verified) == 0


def test_on_commit_twice_for_the_same_hash_changes_nothing(signer: Signer) -> None:
    pool = make_pool(signer.suite)
    kept = pool.add(signer.raw(), NEXT)
    tx_hash = pool.add(signer.raw(), NEXT)
    pool.on_commit([tx_hash], NEXT)
    pool.on_commit([tx_hash], NEXT + 1)
    assert (len(pool), pool.status(kept)) == (1, "pending")


def test_F_A7_expired_txs_are_reported_by_expiry_then_admission_order(signer: Signer) -> None:
    pool = make_pool(signer.suite)
    late_first = pool.add(signer.raw(expiry=NEXT + 1), NEXT)
    early = pool.add(signer.raw(expiry=NEXT), NEXT)
    late_second = pool.add(signer.raw(expiry=NEXT + 1), NEXT)
    kept = pool.add(signer.raw(expiry=NEXT + 2), NEXT)
    assert pool.on_commit([], NEXT + 1) == [early, late_first, late_second]
    assert (len(pool), pool.status(kept)) == (1, "pending")
    assert set(pool.verified) == {kept}
