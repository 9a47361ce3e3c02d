"""Admission in steps (decision 0005): screen and verify off the loop, prepare and admit on it.

``admit`` checks again what may have changed while the signatures were being
checked elsewhere, so the outcome is the one a single ``add_batch`` would give.
"""

from __future__ import annotations

import pytest

from govchain.mempool import Mempool, MempoolError
from govchain.mempool.admission import Candidate

from .support import NEXT, SUITE_NAMES, FakeLedger, Signer, bad_signature, codes, make_pool


@pytest.fixture(scope="module", params=SUITE_NAMES)
def signer(request: pytest.FixtureRequest) -> Signer:
    return Signer.make(request.param)


def _admit_in_steps(pool: Mempool, raws: list[bytes], next_height: int = NEXT) -> list[str]:
    prepared = pool.prepare(pool.screen(raws, next_height))
    verdicts = pool.suite.batch_verify(prepared.verify_items())
    return codes(pool.admit(prepared, verdicts, next_height))


def test_the_steps_give_what_add_batch_gives(signer: Signer) -> None:
    good = [signer.raw() for _ in range(3)]
    batch = [good[0], bad_signature(signer, good[1]), b"\x00", good[2], good[0]]
    in_steps = _admit_in_steps(make_pool(signer.suite), batch)
    at_once = codes(make_pool(signer.suite).add_batch(batch, NEXT))
    assert in_steps == at_once == ["ok", "bad_signature", "malformed_tx", "ok", "tx_replayed"]


def test_screen_reads_nothing_of_the_pool(signer: Signer) -> None:
    ledger = FakeLedger()
    pool = make_pool(signer.suite, ledger=ledger)
    raw = signer.raw()
    pool.add(raw, NEXT)
    candidate, refused = pool.screen([raw, b"\x01"], NEXT)
    assert isinstance(candidate, Candidate)  # a tx already pending passes the stateless checks
    assert candidate.tx_hash == signer.hash_of(raw)
    assert isinstance(refused, MempoolError)
    assert refused.code == "malformed_tx"
    assert ledger.lookups == [signer.hash_of(raw)]  # only the add above asked the ledger


def test_a_tx_admitted_while_its_twin_was_being_verified_is_a_replay(signer: Signer) -> None:
    pool = make_pool(signer.suite)
    raw = signer.raw()
    prepared = pool.prepare(pool.screen([raw], NEXT))
    pool.add(raw, NEXT)  # meanwhile, the same tx came through another request
    verdicts = pool.suite.batch_verify(prepared.verify_items())
    assert codes(pool.admit(prepared, verdicts, NEXT)) == ["tx_replayed"]
    assert len(pool) == 1


def test_a_tx_committed_while_it_was_being_verified_is_a_replay(signer: Signer) -> None:
    pool = make_pool(signer.suite)
    raw = signer.raw()
    prepared = pool.prepare(pool.screen([raw], NEXT))
    pool.on_commit([signer.hash_of(raw)], NEXT)  # a block committed it meanwhile
    verdicts = pool.suite.batch_verify(prepared.verify_items())
    assert codes(pool.admit(prepared, verdicts, NEXT + 1)) == ["tx_replayed"]
    assert len(pool) == 0


def test_a_tx_that_expired_while_it_was_being_verified_is_refused(signer: Signer) -> None:
    pool = make_pool(signer.suite)
    raw = signer.raw(expiry=NEXT)
    prepared = pool.prepare(pool.screen([raw], NEXT))
    verdicts = pool.suite.batch_verify(prepared.verify_items())
    assert codes(pool.admit(prepared, verdicts, NEXT + 1)) == ["tx_expired"]
    assert len(pool) == 0


def test_a_pool_that_filled_meanwhile_refuses(signer: Signer) -> None:
    pool = make_pool(signer.suite, max_txs=1)
    raw = signer.raw()
    prepared = pool.prepare(pool.screen([raw], NEXT))
    pool.add(signer.raw(), NEXT)
    verdicts = pool.suite.batch_verify(prepared.verify_items())
    assert codes(pool.admit(prepared, verdicts, NEXT)) == ["mempool_full"]
