"""What a node does with each envelope a peer sends it.

Only decoding failures raise (``ValidationError``), and they count against
the link. A handler that fails is our own bug, not the peer's: it is logged
with its traceback and the link stays up.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import TYPE_CHECKING

from govchain.codec import Limits
from govchain.consensus.wire import decode_message
from govchain.network.connection import PeerConnection
from govchain.network.envelope import (
    BlocksRequest,
    BlocksResponse,
    ConsensusPayload,
    EvidencePayload,
    Hello,
    Status,
    TxPayload,
    TxsPayload,
    decode_envelope,
)
from govchain.types.errors import ValidationError

if TYPE_CHECKING:
    from govchain.network.peers import PeerNetwork

__all__ = ["BLOCKS_ENVELOPE_OVERHEAD", "Dispatcher"]

logger = logging.getLogger("govchain.network")

BLOCKS_ENVELOPE_OVERHEAD = 1024
"""Room kept in a ``blocks`` frame for the envelope around the pairs."""
_PAIR_OVERHEAD = 16
"""CBOR headers of one ``[block, commit]`` pair, generously."""


class Dispatcher:
    """Routes decoded envelopes of one network to its handlers."""

    def __init__(self, network: PeerNetwork, limits: Limits) -> None:
        self._network = network
        self._limits = limits

    def dispatch(self, link: PeerConnection, payload: bytes) -> None:
        """Decode one frame from ``link`` and act on it; ValidationError if it does not decode."""
        envelope = decode_envelope(payload, self._limits)
        handlers = self._network.handlers
        peer = link.peer
        if isinstance(envelope, ConsensusPayload):
            message = decode_message(envelope.message)
            _call("consensus", handlers.on_consensus, peer, message)
        elif isinstance(envelope, TxPayload):
            _call("tx", handlers.on_tx, peer, envelope.tx)
        elif isinstance(envelope, TxsPayload):
            for tx in envelope.txs:
                _call("tx", handlers.on_tx, peer, tx)
        elif isinstance(envelope, EvidencePayload):
            _call("evidence", handlers.on_evidence, peer, envelope.evidence)
        elif isinstance(envelope, Status):
            if self._network.peer_heights.get(peer) is not None:
                self._network.peer_heights[peer] = envelope.height
        elif isinstance(envelope, BlocksRequest):
            self._answer_blocks(link, envelope)
        elif isinstance(envelope, BlocksResponse):
            _call("blocks", handlers.on_blocks, peer, list(envelope.pairs))
        else:
            assert isinstance(envelope, Hello)
            raise ValidationError("hello: a link says hello once")

    def _answer_blocks(self, link: PeerConnection, request: BlocksRequest) -> None:
        serve = self._network.handlers.serve_blocks
        pairs: list[tuple[bytes, bytes]] = []
        if serve is not None:
            try:
                pairs = list(serve(request.from_height, request.count))[: request.count]
            except Exception:
                logger.exception("serve_blocks(%d, %d) failed", request.from_height, request.count)
        budget = self._limits.max_bytes - BLOCKS_ENVELOPE_OVERHEAD
        kept: list[tuple[bytes, bytes]] = []
        for block, commit in pairs:
            budget -= len(block) + len(commit) + _PAIR_OVERHEAD
            if budget < 0:
                break  # the rest in a later request
            kept.append((block, commit))
        self._network.send_envelope(link.peer, BlocksResponse(tuple(kept)))


def _call(kind: str, handler: Callable[..., object] | None, *args: object) -> None:
    if handler is None:
        return
    try:
        handler(*args)
    except Exception:
        logger.exception("the %s handler failed", kind)
