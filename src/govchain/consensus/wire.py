"""Consensus messages as bytes: the one place they are encoded for a peer and decoded from one.

A message is a canonical CBOR map whose ``kind`` names it:

=============  ==========================================================
``kind``       other keys
=============  ==========================================================
``vote``       ``vote``: the signed vote (``govchain.types.Vote``)
``proposal``   ``proposal``: the signed proposal; ``block``: its block
``decision``   ``block``: a committed block; ``commit``: its certificate
=============  ==========================================================

Decoding is strict: anything else raises :class:`ValidationError`, which a
peer connection counts against the sender. No other exception comes out.
"""

from __future__ import annotations

from govchain.codec import CodecError, Limits, decode, encode
from govchain.consensus.messages import Decision, Message, Proposal, ProposalMessage
from govchain.types import Block, Commit, Vote
from govchain.types.errors import ValidationError

MESSAGE_LIMITS = Limits(max_bytes=64 * 1024 * 1024, max_depth=12, max_items=10_000)
"""A proposal carries a whole block, so messages share the block's limits."""

_KEYS = {
    "vote": ("kind", "vote"),
    "proposal": ("block", "kind", "proposal"),
    "decision": ("block", "commit", "kind"),
}


def encode_message(message: Message) -> bytes:
    """Canonical bytes of a consensus message."""
    if isinstance(message, Vote):
        return encode({"kind": "vote", "vote": message.to_cbor()})
    if isinstance(message, ProposalMessage):
        return encode(
            {
                "kind": "proposal",
                "proposal": message.proposal.to_cbor(),
                "block": message.block.to_cbor(),
            }
        )
    return encode(
        {"kind": "decision", "block": message.block.to_cbor(), "commit": message.commit.to_cbor()}
    )


def decode_message(data: bytes, limits: Limits = MESSAGE_LIMITS) -> Message:
    """Strictly decode a consensus message; ValidationError names what is wrong."""
    try:
        obj = decode(data, limits)
    except CodecError as exc:
        raise ValidationError(f"consensus message: not canonical CBOR: {exc}") from exc
    if not isinstance(obj, dict):
        raise ValidationError("consensus message: expected a map")
    kind = obj.get("kind")
    if not isinstance(kind, str) or kind not in _KEYS:
        raise ValidationError(f"consensus message: unknown kind {kind!r}")
    if tuple(sorted(obj)) != _KEYS[kind]:
        raise ValidationError(f"consensus message: a {kind} has exactly the keys {_KEYS[kind]}")
    try:
        if kind == "vote":
            vote = Vote.from_cbor(obj["vote"])
            vote.validate()
            return vote
        block = Block.from_cbor(obj["block"])
        if kind == "proposal":
            return ProposalMessage(Proposal.from_cbor(obj["proposal"]), block)
        return Decision(block, Commit.from_cbor(obj["commit"]))
    except (TypeError, ValueError, KeyError) as exc:  # a field of the wrong type deep inside
        raise ValidationError(f"consensus message: malformed {kind}: {exc}") from exc
