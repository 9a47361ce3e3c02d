"""``codec.decode`` and the record decoders: only their typed errors, for any bytes."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from govchain.ledger import records

from . import targets
from .mutate import inputs
from .samples import corpus_inputs, samples

pytestmark = pytest.mark.timeout(120)

EXAMPLES = 300


def _seeds() -> list[bytes]:
    return [data for files in corpus_inputs().values() for data in files.values()]


@settings(max_examples=EXAMPLES, deadline=None)
@given(data=inputs(_seeds()))
def test_decode_raises_only_codec_errors(data: bytes) -> None:
    targets.codec(data)


# Heads that open a container or a string, so a long run of them nests or claims a lot.
_HEADS = [b"\x81", b"\x9f", b"\xa1\x00", b"\xbf", b"\xc0", b"\xd8\x18", b"\x5b", b"\x7b"]


@settings(max_examples=EXAMPLES, deadline=None)
@given(
    head=st.sampled_from(_HEADS),
    repeat=st.integers(1, 100_000),
    tail=st.binary(max_size=16),
)
def test_deep_nesting_and_huge_claims_end_in_codec_errors(
    head: bytes, repeat: int, tail: bytes
) -> None:
    targets.codec(head * repeat + tail)


@settings(max_examples=EXAMPLES, deadline=None)
@given(data=inputs([records.encode_tx(samples().block.txs[0])]))
def test_decode_tx_raises_only_validation_errors(data: bytes) -> None:
    targets.records_tx(data)


@settings(max_examples=EXAMPLES, deadline=None)
@given(data=inputs([records.encode_block(samples().block)]))
def test_decode_block_raises_only_validation_errors(data: bytes) -> None:
    targets.records_block(data)


@settings(max_examples=EXAMPLES, deadline=None)
@given(data=inputs([records.encode_commit(samples().commit)]))
def test_decode_commit_raises_only_validation_errors(data: bytes) -> None:
    targets.records_commit(data)


@settings(max_examples=EXAMPLES, deadline=None)
@given(data=inputs([records.encode_receipt(samples().bundle.receipt)]))
def test_decode_receipt_raises_only_validation_errors(data: bytes) -> None:
    targets.records_receipt(data)
