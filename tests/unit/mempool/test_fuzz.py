"""Untrusted bytes: the pool refuses with a MempoolError and nothing else (F-A7, F-A3)."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from govchain.mempool import MempoolError

from .support import NEXT, Signer, make_pool

SIGNER = Signer.make("intl")
VALID = SIGNER.raw()


@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow], deadline=None)
@given(st.binary(max_size=512))
def test_arbitrary_bytes_never_raise_anything_but_mempool_error(raw: bytes) -> None:
    pool = make_pool(SIGNER.suite, max_tx_bytes=256, max_bytes=1024)
    try:
        pool.add(raw, NEXT)
    except MempoolError:
        assert len(pool) == 0
    assert pool.size_bytes <= 1024


@settings(max_examples=300, deadline=None)
@given(st.integers(0, len(VALID) - 1), st.integers(1, 255))
def test_a_valid_tx_with_one_byte_changed_is_refused_with_a_mempool_error(
    index: int, flip: int
) -> None:
    mutated = bytearray(VALID)
    mutated[index] ^= flip
    pool = make_pool(SIGNER.suite)
    try:
        pool.add(bytes(mutated), NEXT)
    except MempoolError:
        assert len(pool) == 0
    else:  # a change inside the args or nonce that the signature still covers
        raise AssertionError("a changed tx must not verify")


@settings(max_examples=100, deadline=None)
@given(st.lists(st.binary(max_size=64), max_size=8))
def test_batches_of_garbage_give_one_mempool_error_per_input(raws: list[bytes]) -> None:
    pool = make_pool(SIGNER.suite)
    results = pool.add_batch([*raws, VALID], NEXT)
    assert len(results) == len(raws) + 1
    assert all(isinstance(r, MempoolError) for r in results[:-1])
    assert isinstance(results[-1], bytes)
