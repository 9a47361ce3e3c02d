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

A proposal also travels *compact* between nodes (docs/spec/consensus.md,
"Proposals travel compact"): a canonical CBOR map ``{"proposal", "header",
"last_commit", "txs"}`` whose ``txs`` are ``[tx hash, signature]`` pairs in
block order. :meth:`CompactProposal.rebuild` makes the full message again from
the txs a node holds. The signature is listed because a tx hash does not cover
it: a pool may hold the same tx with another valid signature, and the block
must be the proposer's, byte for byte.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace

from govchain.codec import CodecError, Limits, decode, encode
from govchain.consensus.messages import Decision, Message, Proposal, ProposalMessage
from govchain.types import Block, Commit, Header, Tx, Vote
from govchain.types.block import MAX_BLOCK_TXS
from govchain.types.errors import ValidationError
from govchain.types.fields import check_bytes, check_list, fields_of
from govchain.types.tx import MAX_SIGNATURE

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
    return build_message(read_message(data, limits))


def read_message(data: bytes, limits: Limits = MESSAGE_LIMITS) -> dict[str, object]:
    """The decoded map of a consensus message whose kind and keys are right; no record built."""
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
    return obj


def decision_height(obj: dict[str, object]) -> int | None:
    """The height a decision's map (from ``read_message``) is for, before its block is built.

    None for another kind, or when the height is not where it belongs (``build_message``
    then says what is wrong).
    """
    if obj["kind"] != "decision":
        return None
    block = obj["block"]
    header = block.get("header") if isinstance(block, dict) else None
    height = header.get("height") if isinstance(header, dict) else None
    return height if type(height) is int else None


def build_message(obj: dict[str, object]) -> Message:
    """The message of a map ``read_message`` returned, built and validated."""
    kind = obj["kind"]
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


TX_HASH_SIZE = 32
_COMPACT_KEYS = ("header", "last_commit", "proposal", "txs")


@dataclass(frozen=True, slots=True)
class CompactProposal:
    """A signed proposal with its block's header and last commit, and its txs by reference."""

    proposal: Proposal
    header: Header
    last_commit: Commit | None
    txs: tuple[tuple[bytes, bytes], ...]
    """``(tx hash, signature)`` of each tx, in block order."""

    def rebuild(self, lookup: Callable[[bytes], Tx | None]) -> ProposalMessage | None:
        """The full message, with each tx ``lookup(tx hash)`` gives; None if one is missing.

        A tx held with another signature than the listed one takes the listed
        signature, so the block is the proposer's (its signature is checked
        with the block, as any tx's the pool did not check).
        """
        txs = []
        for tx_hash, signature in self.txs:
            tx = lookup(tx_hash)
            if tx is None:
                return None
            if tx.signature != signature:
                tx = replace(tx, signature=signature)
            txs.append(tx)
        try:
            block = Block.assemble(self.header, tuple(txs), self.last_commit)
        except ValidationError as exc:
            raise ValidationError(f"compact proposal: {exc}") from exc
        return ProposalMessage(self.proposal, block)


def encode_compact_proposal(message: ProposalMessage, tx_hashes: Sequence[bytes]) -> bytes:
    """Canonical bytes of ``message`` with its txs given by ``tx_hashes`` (block order)."""
    block = message.block
    assert len(tx_hashes) == len(block.txs), "one hash per tx"
    return encode(
        {
            "proposal": message.proposal.to_cbor(),
            "header": block.header.to_cbor(),
            "last_commit": None if block.last_commit is None else block.last_commit.to_cbor(),
            "txs": [[h, tx.signature] for h, tx in zip(tx_hashes, block.txs, strict=True)],
        }
    )


def decode_compact_proposal(data: bytes, limits: Limits = MESSAGE_LIMITS) -> CompactProposal:
    """Strictly decode a compact proposal; ValidationError names what is wrong."""
    try:
        obj = decode(data, limits)
    except CodecError as exc:
        raise ValidationError(f"compact proposal: not canonical CBOR: {exc}") from exc
    try:
        fields = fields_of("compact proposal", obj, _COMPACT_KEYS)
        items = check_list("compact proposal.txs", fields["txs"], max_items=MAX_BLOCK_TXS)
        txs = []
        for index, item in enumerate(items):
            where = f"compact proposal.txs[{index}]"
            pair = check_list(where, item, max_items=2)
            if len(pair) != 2:
                raise ValidationError(f"{where}: expected [tx hash, signature]")
            tx_hash = check_bytes(f"{where}[0]", pair[0], size=TX_HASH_SIZE)
            txs.append((tx_hash, check_bytes(f"{where}[1]", pair[1], max_size=MAX_SIGNATURE)))
        last = fields["last_commit"]
        return CompactProposal(
            Proposal.from_cbor(fields["proposal"]),
            Header.from_cbor(fields["header"]),
            None if last is None else Commit.from_cbor(last),
            tuple(txs),
        )
    except (TypeError, ValueError, KeyError) as exc:  # a field of the wrong type deep inside
        raise ValidationError(f"compact proposal: malformed: {exc}") from exc
