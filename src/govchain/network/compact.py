"""Proposals between nodes by tx hash (docs/spec/consensus.md, "Proposals travel compact").

A proposer sends each peer its proposal with the txs as ``[hash, signature]``
pairs; the peer rebuilds the block from the txs in its own pool, which
already holds nearly all of them, checked. A peer that misses one asks once
for the whole proposal, and the proposer answers from the few it sent last.
What the pool is, and how a tx is hashed, the node says through
:class:`ProposalTxs`; without one a network sends proposals whole.
"""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass
from typing import Protocol

from govchain.consensus.messages import ProposalMessage
from govchain.consensus.wire import (
    CompactProposal,
    decode_compact_proposal,
    encode_compact_proposal,
    encode_message,
)
from govchain.network.envelope import CompactProposalPayload, ConsensusPayload
from govchain.types import Block, Tx
from govchain.types.errors import ValidationError

__all__ = ["SENT_KEPT", "CompactCounts", "CompactProposals", "ProposalTxs", "RebuildFailedError"]

SENT_KEPT = 8
"""Proposals a node keeps to answer ``proposal_request`` (its latest rounds)."""
REQUESTS_KEPT = 256
"""(peer, height, round) already asked for, or answered, so each is done once (memory bound)."""


class ProposalTxs(Protocol):
    """The txs a node holds, as the compact proposals need them."""

    def hashes(self, block: Block) -> list[bytes]:
        """The tx hash of each of ``block``'s txs, in order."""
        ...

    def lookup(self, tx_hash: bytes) -> Tx | None:
        """The tx with that hash, if this node holds it (checked)."""
        ...


class RebuildFailedError(Exception):
    """``ProposalTxs.lookup`` raised: this node's failure, not the peer's."""


@dataclass
class CompactCounts:
    """What compact proposals did on one node (``govchain_compact_proposals`` in ``/metrics``)."""

    sent: int = 0
    """Proposals this node sent compact (once per proposal and round, however many peers)."""
    rebuilt: int = 0
    """Compact proposals received and rebuilt from this node's pool."""
    requested: int = 0
    """Compact proposals received with a tx missing, for which the whole was asked."""
    answered: int = 0
    """Requests of peers answered with a whole proposal."""


class CompactProposals:
    """The compact side of one node's peer network: what it sent, what it asked for."""

    def __init__(self) -> None:
        self.counts = CompactCounts()
        self._sent: OrderedDict[tuple[int, int], _Sent] = OrderedDict()
        self._requested: OrderedDict[tuple[str, int, int], None] = OrderedDict()
        self._answered: OrderedDict[tuple[str, int, int], None] = OrderedDict()

    def payload(self, message: ProposalMessage, txs: ProposalTxs) -> CompactProposalPayload:
        """The compact envelope of ``message`` (made once per proposal, then kept)."""
        proposal = message.proposal
        key = (proposal.height, proposal.round)
        kept = self._sent.get(key)
        if kept is not None and kept.message.proposal == proposal:
            return kept.compact
        payload = CompactProposalPayload(
            encode_compact_proposal(message, txs.hashes(message.block))
        )
        self._sent[key] = _Sent(message, payload)
        self._sent.move_to_end(key)
        while len(self._sent) > SENT_KEPT:
            self._sent.popitem(last=False)
        self.counts.sent += 1
        return payload

    def whole(self, peer: str, height: int, round_: int) -> ConsensusPayload | None:
        """The whole proposal this node sent for ``(height, round)``, if it still keeps it.

        Once per (peer, height, round): a peer asking again gets nothing, so
        asks cannot make a node encode and send blocks without bound.
        """
        kept = self._sent.get((height, round_))
        if kept is None or not _once(self._answered, (peer, height, round_)):
            return None
        if kept.whole is None:
            kept.whole = ConsensusPayload(encode_message(kept.message))
        self.counts.answered += 1
        return kept.whole

    def rebuild(
        self, payload: CompactProposalPayload, txs: ProposalTxs | None
    ) -> tuple[CompactProposal, ProposalMessage | None]:
        """Decode a received compact proposal and rebuild it from ``txs``.

        Returns the decoded proposal and the full message, or None for the
        message when a tx is missing (or this node has no pool). Raises
        ValidationError for the peer's bad bytes, and RebuildFailedError
        when the lookup itself fails.
        """
        compact = decode_compact_proposal(payload.message)
        if txs is None:
            return compact, None
        try:
            message = compact.rebuild(txs.lookup)
        except ValidationError:
            raise
        except Exception as exc:  # the pool's lookup is ours: a bug, not the peer's doing
            raise RebuildFailedError(f"{type(exc).__name__}: {exc}") from exc
        if message is not None:
            self.counts.rebuilt += 1
        return compact, message

    def should_request(self, peer: str, height: int, round_: int) -> bool:
        """Whether to ask ``peer`` for the whole proposal: once per (peer, height, round)."""
        if not _once(self._requested, (peer, height, round_)):
            return False
        self.counts.requested += 1
        return True


@dataclass
class _Sent:
    """A proposal this node sent, compact, and whole once a peer asked for it."""

    message: ProposalMessage
    compact: CompactProposalPayload
    whole: ConsensusPayload | None = None


def _once(done: OrderedDict[tuple[str, int, int], None], key: tuple[str, int, int]) -> bool:
    """True the first time ``key`` is seen (of the last ``REQUESTS_KEPT``), and remember it."""
    if key in done:
        return False
    done[key] = None
    while len(done) > REQUESTS_KEPT:
        done.popitem(last=False)
    return True
