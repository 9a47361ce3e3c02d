"""Envelopes: every kind round-trips, and decoding is strict (ValidationError, nothing else)."""

from __future__ import annotations

import contextlib
import os

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from govchain.codec import encode
from govchain.consensus.evidence import DuplicateVote
from govchain.network import (
    MAX_BLOCKS_PER_REQUEST,
    MAX_GOSSIP_TXS,
    BlocksRequest,
    BlocksResponse,
    ConsensusPayload,
    Envelope,
    EvidencePayload,
    Hello,
    Status,
    TxPayload,
    TxsPayload,
    decode_envelope,
    encode_envelope,
)
from govchain.network.envelope import envelope_limits
from govchain.types.errors import ValidationError

from ...chain_support import CHAIN_ID, ChainMaker
from .net_support import signed_vote

MAKER = ChainMaker.make("intl", 3)


def samples() -> list[Envelope]:
    """One envelope of every kind."""
    first, second = signed_vote(MAKER, 0), signed_vote(MAKER, 0)
    return [
        Hello("n1", CHAIN_ID, 7),
        ConsensusPayload(b"\xa1\x00\x00"),
        TxPayload(os.urandom(300)),
        TxsPayload((os.urandom(200), os.urandom(300))),
        TxsPayload(tuple(os.urandom(10) for _ in range(MAX_GOSSIP_TXS))),
        EvidencePayload(DuplicateVote.of(first, second)),
        Status(12),
        BlocksRequest(5, MAX_BLOCKS_PER_REQUEST),
        BlocksResponse(((b"block-1", b"commit-1"), (b"block-2", b"commit-2"))),
        BlocksResponse(()),
    ]


@pytest.mark.parametrize("envelope", samples(), ids=lambda e: e.KIND)
def test_every_kind_round_trips(envelope: Envelope) -> None:
    data = encode_envelope(envelope)
    assert decode_envelope(data) == envelope
    assert encode_envelope(decode_envelope(data)) == data


def _raw(kind: object, body: object) -> bytes:
    return encode({"kind": kind, "body": body})


def _evidence_with_vote_type(vote_type: int) -> dict[str, object]:
    evidence = DuplicateVote.of(signed_vote(MAKER, 0), signed_vote(MAKER, 0)).to_cbor()
    first = evidence["first"]
    assert isinstance(first, dict)
    return {**evidence, "first": {**first, "type": vote_type}}


STRICT_CASES = {
    "not cbor": b"\xff\xff",
    "not a map": encode([1, 2]),
    "extra key": encode({"kind": "status", "body": {"height": 1}, "x": 1}),
    "unknown kind": _raw("gossip", {}),
    "kind not text": _raw(1, {"height": 1}),
    "body not a map": _raw("status", [1]),
    "missing field": _raw("hello", {"node": "n1", "chain_id": CHAIN_ID}),
    "negative height": _raw("status", {"height": -1}),
    "bool height": _raw("status", {"height": True}),
    "empty node name": _raw("hello", {"node": "", "chain_id": CHAIN_ID, "height": 0}),
    "bad chain id": _raw("hello", {"node": "n1", "chain_id": "no spaces", "height": 0}),
    "count zero": _raw("blocks_request", {"from_height": 1, "count": 0}),
    "count over limit": _raw(
        "blocks_request", {"from_height": 1, "count": MAX_BLOCKS_PER_REQUEST + 1}
    ),
    "height zero": _raw("blocks_request", {"from_height": 0, "count": 1}),
    "too many pairs": _raw("blocks", {"pairs": [[b"b", b"c"]] * (MAX_BLOCKS_PER_REQUEST + 1)}),
    "pair of three": _raw("blocks", {"pairs": [[b"b", b"c", b"d"]]}),
    "pair of text": _raw("blocks", {"pairs": [["b", b"c"]]}),
    "empty block": _raw("blocks", {"pairs": [[b"", b"c"]]}),
    "empty tx": _raw("tx", {"tx": b""}),
    "tx not bytes": _raw("tx", {"tx": "abc"}),
    "oversize tx": _raw("tx", {"tx": b"t" * (64 * 1024 + 1)}),
    "no txs": _raw("txs", {"txs": []}),
    "txs not a list": _raw("txs", {"txs": b"tx"}),
    "one tx empty": _raw("txs", {"txs": [b"a", b""]}),
    "one tx text": _raw("txs", {"txs": [b"a", "b"]}),
    "one tx oversize": _raw("txs", {"txs": [b"a", b"t" * (64 * 1024 + 1)]}),
    "too many txs": _raw("txs", {"txs": [b"t"] * (MAX_GOSSIP_TXS + 1)}),
    "empty consensus": _raw("consensus", {"message": b""}),
    "evidence garbage": _raw("evidence", {"evidence": {"first": 1, "second": 2}}),
    "vote type unknown": _raw("evidence", {"evidence": _evidence_with_vote_type(9)}),
}


@pytest.mark.parametrize("data", STRICT_CASES.values(), ids=STRICT_CASES.keys())
def test_malformed_envelopes_raise_validation_error(data: bytes) -> None:
    with pytest.raises(ValidationError):
        decode_envelope(data)


def test_the_decoder_respects_the_connection_frame_size() -> None:
    data = encode_envelope(TxPayload(b"t" * 2000))
    assert decode_envelope(data, envelope_limits(len(data))) == TxPayload(b"t" * 2000)
    with pytest.raises(ValidationError, match="not canonical CBOR"):
        decode_envelope(data, envelope_limits(len(data) - 1))


def test_encoding_refuses_an_invalid_envelope() -> None:
    with pytest.raises(ValidationError):
        encode_envelope(BlocksRequest(1, 0))
    with pytest.raises(ValidationError):
        encode_envelope(Hello("", CHAIN_ID, 0))


@settings(max_examples=400, deadline=None)
@given(st.binary(max_size=512))
def test_arbitrary_bytes_raise_only_validation_error(data: bytes) -> None:
    with contextlib.suppress(ValidationError):
        decode_envelope(data)


cbor_values = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**64), 2**64 - 1) | st.binary(max_size=40)
    | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=4)
    | st.dictionaries(st.text(max_size=12) | st.integers(0, 9), inner, max_size=5),
    max_leaves=20,
)  # fmt: skip
kinds = st.sampled_from(
    ["hello", "consensus", "tx", "evidence", "status", "blocks_request", "blocks", "x"]
)


@settings(max_examples=400, deadline=None)
@given(kinds, cbor_values)
def test_arbitrary_bodies_raise_only_validation_error(kind: str, body: object) -> None:
    with contextlib.suppress(ValidationError):
        decode_envelope(_raw(kind, body))
