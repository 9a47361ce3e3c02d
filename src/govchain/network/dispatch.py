"""What a node does with each envelope a peer sends it.

Decoding failures raise ``ValidationError``: the peer's fault, counted
against its link. A handler refuses a peer's bad content itself, with a
typed error it catches (bad evidence, a block that does not check out). Any
other exception out of a handler is this node's own failure (a store that
cannot be written, a bug): it is raised as :class:`HandlerFailedError`, which
ends the link's task and stops the node through the network's supervisor
(issue 13 item 1); it is never logged and forgotten.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from govchain.codec import Limits
from govchain.consensus.evidence import DuplicateVote
from govchain.consensus.messages import Message
from govchain.consensus.wire import build_message, decision_height, read_message
from govchain.network.compact import ProposalTxs, RebuildFailedError
from govchain.network.connection import PeerConnection
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
    TxsPayload,
    decode_envelope,
)
from govchain.types.errors import ValidationError

if TYPE_CHECKING:
    from govchain.network.peers import PeerNetwork

__all__ = ["BLOCKS_ENVELOPE_OVERHEAD", "Dispatcher", "HandlerFailedError", "PeerHandlers"]

BLOCKS_ENVELOPE_OVERHEAD = 1024
"""Room kept in a ``blocks`` frame for the envelope around the pairs."""
_PAIR_OVERHEAD = 16
"""CBOR headers of one ``[block, commit]`` pair, generously."""

BlockPairs = list[tuple[bytes, bytes]]


@dataclass
class PeerHandlers:
    """Where received traffic goes; None ignores that kind. Set before or after ``start()``."""

    on_consensus: Callable[[str, Message], object] | None = None
    """``(peer, message)``: e.g. ``Driver.receive``."""
    on_tx: Callable[[str, bytes], object] | None = None
    """``(peer, raw tx bytes)``: e.g. mempool admission."""
    on_evidence: Callable[[str, DuplicateVote], object] | None = None
    serve_blocks: Callable[[int, int], Sequence[tuple[bytes, bytes]]] | None = None
    """``(from_height, count) -> [(block bytes, commit bytes)]``: answers ``blocks_request``."""
    on_blocks: Callable[[str, BlockPairs], object] | None = None
    """``(peer, pairs)``: blocks a peer sent; their commits are the receiver's to verify."""
    proposal_txs: ProposalTxs | None = None
    """The txs this node holds: with them proposals travel compact; None: whole."""


class HandlerFailedError(Exception):
    """A handler of this node raised: our failure, not the peer's; the node must stop.

    Not an ``OSError`` or ``ValidationError`` on purpose: neither the link's
    reader (which ends a link quietly on OSError) nor its bad-frame count may
    take it for the peer's doing.
    """

    def __init__(self, kind: str, cause: Exception) -> None:
        super().__init__(f"the {kind} handler failed: {type(cause).__name__}: {cause}")
        self.kind = kind
        self.cause = cause


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
            obj = read_message(envelope.message)
            height = decision_height(obj)
            if height is not None:
                self._network.decisions += 1
            if height is not None and height <= self._network.committed_height:
                # the block is committed here already: the core would drop the decision, so
                # its block is not built (a validator one height behind gets one from each
                # peer that leaves the height first)
                self._network.stale_decisions += 1
                return
            _call("consensus", handlers.on_consensus, peer, build_message(obj))
        elif isinstance(envelope, CompactProposalPayload):
            self._compact_proposal(link, envelope)
        elif isinstance(envelope, ProposalRequest):
            whole = self._network.compact.whole(peer, envelope.height, envelope.round)
            if whole is not None:
                self._network.send_envelope(peer, whole)
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

    def _compact_proposal(self, link: PeerConnection, payload: CompactProposalPayload) -> None:
        """Rebuild a compact proposal from our pool, or ask its sender for the whole of it."""
        network, handlers = self._network, self._network.handlers
        try:
            compact, message = network.compact.rebuild(payload, handlers.proposal_txs)
        except RebuildFailedError as exc:
            raise HandlerFailedError("proposal_txs", exc) from exc
        if message is not None:
            _call("consensus", handlers.on_consensus, link.peer, message)
            return
        height, round_ = compact.proposal.height, compact.proposal.round
        if height > network.committed_height and network.compact.should_request(
            link.peer, height, round_
        ):
            network.send_envelope(link.peer, ProposalRequest(height, round_))

    def _answer_blocks(self, link: PeerConnection, request: BlocksRequest) -> None:
        serve = self._network.handlers.serve_blocks
        pairs: list[tuple[bytes, bytes]] = []
        if serve is not None:
            try:
                pairs = list(serve(request.from_height, request.count))[: request.count]
            except Exception as exc:  # our own store failed: not the peer's doing
                raise HandlerFailedError("serve_blocks", exc) from exc
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
    except Exception as exc:  # handlers catch what a peer can cause; the rest is ours
        raise HandlerFailedError(kind, exc) from exc
