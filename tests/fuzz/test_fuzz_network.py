"""What a peer's socket delivers: frames (FrameError or IncompleteReadError) and envelopes."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from govchain.consensus.evidence import DuplicateVote
from govchain.consensus.wire import encode_message
from govchain.ledger import records
from govchain.network.envelope import (
    BlocksRequest,
    BlocksResponse,
    CompactProposalPayload,
    ConsensusPayload,
    EvidencePayload,
    Hello,
    ProposalRequest,
    Status,
    TxPayload,
    encode_envelope,
)
from govchain.network.framing import encode_frame
from govchain.types import VoteType

from . import targets
from .mutate import inputs
from .samples import samples

pytestmark = pytest.mark.timeout(120)

EXAMPLES = 300


@st.composite
def frame_streams(draw: st.DrawFn) -> bytes:
    """Frames whose length prefixes may lie, be zero or pass the limit, then any tail."""
    stream = b""
    for _ in range(draw(st.integers(0, 6))):
        payload = draw(st.binary(max_size=64))
        length = draw(
            st.one_of(
                st.just(len(payload)),
                st.integers(0, targets.MAX_FRAME_BYTES + 2),
                st.just(2**32 - 1),
            )
        )
        stream += length.to_bytes(4, "big") + payload
    return stream + draw(st.binary(max_size=8))


@settings(max_examples=EXAMPLES, deadline=None)
@given(data=st.one_of(frame_streams(), st.binary(max_size=256)))
def test_read_frame_raises_only_frame_or_incomplete_read_errors(data: bytes) -> None:
    targets.frame(data)


def _envelopes() -> list[bytes]:
    s = samples()
    nil_prevote = s.committee.vote(0, VoteType.PREVOTE, 0, b"")
    pair = (records.encode_block(s.block), records.encode_commit(s.commit))
    return [
        encode_envelope(Hello("node-1", s.genesis.chain_id, 1)),
        encode_envelope(Status(7)),
        encode_envelope(ConsensusPayload(encode_message(s.prevote))),
        encode_envelope(TxPayload(records.encode_tx(s.block.txs[0]))),
        encode_envelope(BlocksRequest(1, 2)),
        encode_envelope(ProposalRequest(1, 0)),
        encode_envelope(CompactProposalPayload(encode_message(s.prevote))),
        encode_envelope(BlocksResponse((pair,))),
        encode_envelope(EvidencePayload(DuplicateVote.of(s.prevote, nil_prevote))),
        encode_frame(b"not an envelope: a frame"),
    ]


@settings(max_examples=EXAMPLES, deadline=None)
@given(data=inputs(_envelopes()))
def test_decode_envelope_raises_only_validation_errors(data: bytes) -> None:
    targets.envelope(data)
