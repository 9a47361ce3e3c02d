"""``add_batch``: one ``batch_verify`` call, results in input order, same outcome as ``add``."""

from __future__ import annotations

import pytest

from govchain.mempool import MempoolError

from .support import NEXT, SUITE_NAMES, Signer, VerifySpy, bad_signature, codes, make_pool


@pytest.fixture(scope="module", params=SUITE_NAMES)
def signer(request: pytest.FixtureRequest) -> Signer:
    return Signer.make(request.param)


def test_batch_results_keep_input_order_and_one_bad_signature_sinks_nothing(
    signer: Signer,
) -> None:
    suite = Signer.make(signer.suite.name).suite
    spy = VerifySpy.on(suite)
    pool = make_pool(suite)
    good = [signer.raw() for _ in range(3)]
    batch = [
        good[0],
        bad_signature(signer, signer.raw()),
        b"\xff garbage",
        good[1],
        good[0],
        signer.raw(expiry=NEXT - 1),
        good[2],
    ]
    results = pool.add_batch(batch, NEXT)
    assert codes(results) == [
        "ok",
        "bad_signature",
        "malformed_tx",
        "ok",
        "tx_replayed",
        "tx_expired",
        "ok",
    ]
    assert [results[i] for i in (0, 3, 6)] == [signer.hash_of(r) for r in good]
    assert spy.batches == [5]  # one call, for every tx that passed the cheap checks
    assert [pool.status(signer.hash_of(r)) for r in good] == ["pending"] * 3
    assert len(pool) == 3


def test_a_batch_larger_than_the_inline_limit_runs_on_the_thread_pool(signer: Signer) -> None:
    pool = make_pool(signer.suite)
    batch = [signer.raw() for _ in range(40)]
    for index in (3, 17, 39):
        batch[index] = bad_signature(signer, batch[index])
    results = pool.add_batch(batch, NEXT)
    assert [i for i, code in enumerate(codes(results)) if code != "ok"] == [3, 17, 39]
    assert len(pool) == 37


@pytest.mark.parametrize("max_txs", [1, 2, 3])
def test_a_batch_ends_like_the_same_adds_one_by_one(signer: Signer, max_txs: int) -> None:
    good = [signer.raw() for _ in range(3)]
    batch = [good[0], bad_signature(signer, signer.raw()), good[1], good[0], good[2]]
    batched = make_pool(signer.suite, max_txs=max_txs)
    one_by_one = make_pool(signer.suite, max_txs=max_txs)
    sequential: list[bytes | MempoolError] = []
    for raw in batch:
        try:
            sequential.append(one_by_one.add(raw, NEXT))
        except MempoolError as exc:
            sequential.append(exc)
    assert codes(batched.add_batch(batch, NEXT)) == codes(sequential)
    assert batched.reap(10, 10**6) == one_by_one.reap(10, 10**6)
    assert len(batched) == min(max_txs, 3)


def test_a_full_pool_refuses_a_batch_without_checking_signatures(signer: Signer) -> None:
    suite = Signer.make(signer.suite.name).suite
    spy = VerifySpy.on(suite)
    pool = make_pool(suite, max_txs=2)
    assert codes(pool.add_batch([signer.raw(), signer.raw()], NEXT)) == ["ok", "ok"]
    assert codes(pool.add_batch([signer.raw(), signer.raw()], NEXT)) == ["mempool_full"] * 2
    assert spy.batches == [2]
    assert pool.add_batch([], NEXT) == []
    assert spy.batches == [2]
