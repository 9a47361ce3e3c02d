"""Capacity by count and by bytes (F-A3), and FIFO reaping for proposals."""

from __future__ import annotations

import pytest

from govchain.ledger import records
from govchain.mempool import MempoolFullError

from .support import NEXT, SUITE_NAMES, Signer, make_pool


@pytest.fixture(scope="module", params=SUITE_NAMES)
def signer(request: pytest.FixtureRequest) -> Signer:
    return Signer.make(request.param)


def test_full_by_count_refuses_and_keeps_every_admitted_tx(signer: Signer) -> None:
    pool = make_pool(signer.suite, max_txs=3)
    raws = [signer.raw() for _ in range(3)]
    hashes = [pool.add(raw, NEXT) for raw in raws]
    with pytest.raises(MempoolFullError, match="holds 3 txs"):
        pool.add(signer.raw(), NEXT)
    assert [pool.status(h) for h in hashes] == ["pending"] * 3
    assert pool.reap(10, 10**6) == [records.decode_tx(r) for r in raws]


def test_full_by_bytes_at_the_limit_admits_one_byte_over_refuses(signer: Signer) -> None:
    first, second = signer.raw(pad=100), signer.raw(pad=200)
    total = len(first) + len(second)
    exact = make_pool(signer.suite, max_bytes=total, max_tx_bytes=len(second))
    exact.add(first, NEXT)
    exact.add(second, NEXT)
    assert exact.size_bytes == total
    with pytest.raises(MempoolFullError, match=f"{total} of {total} bytes"):
        exact.add(signer.raw(), NEXT)

    short = make_pool(signer.suite, max_bytes=total - 1, max_tx_bytes=len(second))
    kept = short.add(first, NEXT)
    with pytest.raises(MempoolFullError, match="bytes are pending"):
        short.add(second, NEXT)
    assert (len(short), short.size_bytes, short.status(kept)) == (1, len(first), "pending")


def test_room_frees_when_txs_are_committed(signer: Signer) -> None:
    pool = make_pool(signer.suite, max_txs=1)
    tx_hash = pool.add(signer.raw(), NEXT)
    with pytest.raises(MempoolFullError):
        pool.add(signer.raw(), NEXT)
    pool.on_commit([tx_hash], NEXT)
    assert pool.add(signer.raw(), NEXT + 1)


def test_reap_is_fifo_and_respects_max_txs(signer: Signer) -> None:
    pool = make_pool(signer.suite)
    txs = [signer.tx() for _ in range(5)]
    for tx in txs:
        pool.add(records.encode_tx(tx), NEXT)
    assert pool.reap(3, 10**6) == txs[:3]
    assert pool.reap(10, 10**6) == txs
    assert pool.reap(0, 10**6) == []
    assert len(pool) == 5  # reaping takes nothing out of the pool


def test_reap_respects_max_bytes_and_never_skips_a_tx(signer: Signer) -> None:
    pool = make_pool(signer.suite)
    small, big, small_again = signer.tx(pad=10), signer.tx(pad=500), signer.tx(pad=10)
    sizes = [len(records.encode_tx(tx)) for tx in (small, big, small_again)]
    for tx in (small, big, small_again):
        pool.add(records.encode_tx(tx), NEXT)
    assert pool.reap(10, sum(sizes)) == [small, big, small_again]
    assert pool.reap(10, sum(sizes) - 1) == [small, big]
    # small_again would fit beside small, but it never jumps ahead of big
    assert pool.reap(10, sizes[0] + sizes[2]) == [small]
    assert pool.reap(10, sizes[0] - 1) == []
    with pytest.raises(ValueError, match="not be negative"):
        pool.reap(-1, 10)


def test_two_pools_fed_the_same_calls_reap_the_same_txs(signer: Signer) -> None:
    raws = [signer.raw(expiry=NEXT + k % 3) for k in range(12)]
    pools = [make_pool(signer.suite, max_txs=8) for _ in range(2)]
    reaped = []
    for pool in pools:
        pool.add_batch(raws, NEXT)
        committed = [records.tx_hash(signer.suite, tx) for tx in pool.reap(2, 10**6)]
        pool.on_commit(committed, NEXT)
        reaped.append(pool.reap(100, 10**6))
    assert reaped[0] == reaped[1]
    assert len(reaped[0]) == 4  # 8 admitted, 2 committed, 2 expired at NEXT
