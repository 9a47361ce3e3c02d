"""What travels in a frame: one canonical CBOR map ``{"kind": ..., "body": ...}``.

====================  ======================================================================
``kind``              ``body``
====================  ======================================================================
``hello``             ``node`` (text), ``chain_id`` (text), ``height`` (uint)
``consensus``         ``message``: bytes from ``consensus.wire.encode_message``
``compact_proposal``  ``message``: bytes from ``consensus.wire.encode_compact_proposal``
``proposal_request``  ``height``, ``round`` (uint): send me that proposal whole
``tx``                ``tx``: the raw signed tx bytes
``txs``               ``txs``: 1..MAX_GOSSIP_TXS raw signed txs (gossip in batches)
``evidence``          ``evidence``: a ``DuplicateVote`` map
``status``            ``height`` (uint)
``blocks_request``    ``from_height`` (uint >= 1), ``count`` (1..MAX_BLOCKS_PER_REQUEST)
``blocks``            ``pairs``: up to MAX_BLOCKS_PER_REQUEST ``[block, commit]`` byte pairs
====================  ======================================================================

Decoding is strict and raises only :class:`ValidationError`: a peer that
sends anything else is counted against (``network.peers``). Each kind is a
frozen dataclass with ``validate()``; the bytes inside ``consensus``,
``tx`` and ``blocks`` are checked by their own decoders, not here.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

from govchain.codec import CodecError, Limits, decode, encode
from govchain.consensus.evidence import DuplicateVote
from govchain.ledger.records import TX_LIMITS
from govchain.network.framing import MAX_FRAME_BYTES
from govchain.types.errors import ValidationError
from govchain.types.fields import (
    CHAIN_ID_PATTERN,
    check_bytes,
    check_list,
    check_text,
    check_uint,
    fields_of,
)

__all__ = [
    "MAX_BLOCKS_PER_REQUEST",
    "MAX_GOSSIP_TXS",
    "MAX_NODE_NAME",
    "MAX_TX_BYTES",
    "BlockPair",
    "BlocksRequest",
    "BlocksResponse",
    "CompactProposalPayload",
    "ConsensusPayload",
    "Envelope",
    "EvidencePayload",
    "Hello",
    "ProposalRequest",
    "Status",
    "TxPayload",
    "TxsPayload",
    "decode_envelope",
    "encode_envelope",
    "envelope_limits",
]

MAX_BLOCKS_PER_REQUEST = 64
"""The most blocks one ``blocks_request`` may ask for, and one ``blocks`` answer carry."""
MAX_NODE_NAME = 63
MAX_TX_BYTES = TX_LIMITS.max_bytes
_ENVELOPE_DEPTH = 8
_PART_BYTES_MAX = 2**32 - 1
"""No byte string can be longer than a frame's length prefix can say."""
_ENVELOPE_ITEMS = 256
MAX_GOSSIP_TXS = _ENVELOPE_ITEMS
"""The most txs one ``txs`` envelope carries (the frame limit bounds their bytes too)."""

BlockPair = tuple[bytes, bytes]
"""An encoded block and the encoded commit certificate for it."""


@dataclass(frozen=True, slots=True)
class Hello:
    """The first envelope on every connection, both ways: who I am, on which chain, how far."""

    KIND: ClassVar[str] = "hello"
    node: str
    chain_id: str
    height: int

    def validate(self) -> None:
        """Raise ValidationError if a field breaks its rule."""
        if not check_text("hello.node", self.node, max_size=MAX_NODE_NAME):
            raise ValidationError("hello.node: must not be empty")
        check_text("hello.chain_id", self.chain_id, max_size=64, pattern=CHAIN_ID_PATTERN)
        check_uint("hello.height", self.height)

    def to_body(self) -> dict[str, object]:
        """CBOR-ready body."""
        return {"node": self.node, "chain_id": self.chain_id, "height": self.height}

    @classmethod
    def from_body(cls, obj: object) -> Hello:
        """Build and validate from a decoded body."""
        return cls(**fields_of("hello", obj, ("node", "chain_id", "height")))


@dataclass(frozen=True, slots=True)
class ConsensusPayload:
    """One consensus message, as ``consensus.wire`` encodes it."""

    KIND: ClassVar[str] = "consensus"
    message: bytes

    def validate(self) -> None:
        """Raise ValidationError if the payload is empty."""
        if not check_bytes("consensus.message", self.message, max_size=_PART_BYTES_MAX):
            raise ValidationError("consensus.message: must not be empty")

    def to_body(self) -> dict[str, object]:
        """CBOR-ready body."""
        return {"message": self.message}

    @classmethod
    def from_body(cls, obj: object) -> ConsensusPayload:
        """Build and validate from a decoded body."""
        return cls(**fields_of("consensus", obj, ("message",)))


@dataclass(frozen=True, slots=True)
class CompactProposalPayload:
    """A proposal with its txs by hash (docs/spec/consensus.md, "Proposals travel compact")."""

    KIND: ClassVar[str] = "compact_proposal"
    message: bytes

    def validate(self) -> None:
        """Raise ValidationError if the payload is empty."""
        if not check_bytes("compact_proposal.message", self.message, max_size=_PART_BYTES_MAX):
            raise ValidationError("compact_proposal.message: must not be empty")

    def to_body(self) -> dict[str, object]:
        """CBOR-ready body."""
        return {"message": self.message}

    @classmethod
    def from_body(cls, obj: object) -> CompactProposalPayload:
        """Build and validate from a decoded body."""
        return cls(**fields_of("compact_proposal", obj, ("message",)))


@dataclass(frozen=True, slots=True)
class ProposalRequest:
    """Ask the sender of a compact proposal for the whole of it: a tx of it was missing."""

    KIND: ClassVar[str] = "proposal_request"
    height: int
    round: int

    def validate(self) -> None:
        """Raise ValidationError unless both are uint64 and the height is at least 1."""
        if check_uint("proposal_request.height", self.height) == 0:
            raise ValidationError("proposal_request.height: heights start at 1")
        check_uint("proposal_request.round", self.round)

    def to_body(self) -> dict[str, object]:
        """CBOR-ready body."""
        return {"height": self.height, "round": self.round}

    @classmethod
    def from_body(cls, obj: object) -> ProposalRequest:
        """Build and validate from a decoded body."""
        return cls(**fields_of("proposal_request", obj, ("height", "round")))


@dataclass(frozen=True, slots=True)
class TxPayload:
    """One raw signed transaction, gossiped on its way to the validators."""

    KIND: ClassVar[str] = "tx"
    tx: bytes

    def validate(self) -> None:
        """Raise ValidationError if the tx is empty or over ``MAX_TX_BYTES``."""
        if not check_bytes("tx.tx", self.tx, max_size=MAX_TX_BYTES):
            raise ValidationError("tx.tx: must not be empty")

    def to_body(self) -> dict[str, object]:
        """CBOR-ready body."""
        return {"tx": self.tx}

    @classmethod
    def from_body(cls, obj: object) -> TxPayload:
        """Build and validate from a decoded body."""
        return cls(**fields_of("tx", obj, ("tx",)))


@dataclass(frozen=True, slots=True)
class TxsPayload:
    """Raw signed transactions gossiped together: one frame, one admission batch."""

    KIND: ClassVar[str] = "txs"
    txs: tuple[bytes, ...]

    def validate(self) -> None:
        """Raise ValidationError if there are none, too many, or one is empty or too large."""
        check_list("txs.txs", self.txs, max_items=MAX_GOSSIP_TXS)
        if not self.txs:
            raise ValidationError("txs.txs: must hold at least one tx")
        for index, tx in enumerate(self.txs):
            if not check_bytes(f"txs.txs[{index}]", tx, max_size=MAX_TX_BYTES):
                raise ValidationError(f"txs.txs[{index}]: must not be empty")

    def to_body(self) -> dict[str, object]:
        """CBOR-ready body."""
        return {"txs": list(self.txs)}

    @classmethod
    def from_body(cls, obj: object) -> TxsPayload:
        """Build and validate from a decoded body."""
        data = fields_of("txs", obj, ("txs",))
        txs = check_list("txs.txs", data["txs"], max_items=MAX_GOSSIP_TXS)
        return cls(tuple(txs))  # type: ignore[arg-type]  # validate() checks the types


@dataclass(frozen=True, slots=True)
class EvidencePayload:
    """Duplicate-vote evidence; whether it proves anything is for the receiver to check."""

    KIND: ClassVar[str] = "evidence"
    evidence: DuplicateVote

    def validate(self) -> None:
        """Raise ValidationError if either vote is malformed."""
        if not isinstance(self.evidence, DuplicateVote):
            raise ValidationError("evidence.evidence: expected a DuplicateVote")
        self.evidence.first.validate()
        self.evidence.second.validate()

    def to_body(self) -> dict[str, object]:
        """CBOR-ready body."""
        return {"evidence": self.evidence.to_cbor()}

    @classmethod
    def from_body(cls, obj: object) -> EvidencePayload:
        """Build and validate from a decoded body."""
        data = fields_of("evidence", obj, ("evidence",))
        return cls(DuplicateVote.from_cbor(data["evidence"]))


@dataclass(frozen=True, slots=True)
class Status:
    """A node's committed height, sent every few seconds."""

    KIND: ClassVar[str] = "status"
    height: int

    def validate(self) -> None:
        """Raise ValidationError if the height is not a uint64."""
        check_uint("status.height", self.height)

    def to_body(self) -> dict[str, object]:
        """CBOR-ready body."""
        return {"height": self.height}

    @classmethod
    def from_body(cls, obj: object) -> Status:
        """Build and validate from a decoded body."""
        return cls(**fields_of("status", obj, ("height",)))


@dataclass(frozen=True, slots=True)
class BlocksRequest:
    """Ask for up to ``count`` committed blocks starting at ``from_height``."""

    KIND: ClassVar[str] = "blocks_request"
    from_height: int
    count: int

    def validate(self) -> None:
        """Raise ValidationError unless ``from_height >= 1`` and ``1 <= count <= limit``."""
        if check_uint("blocks_request.from_height", self.from_height) == 0:
            raise ValidationError("blocks_request.from_height: heights start at 1")
        if check_uint("blocks_request.count", self.count, maximum=MAX_BLOCKS_PER_REQUEST) == 0:
            raise ValidationError("blocks_request.count: ask for at least one block")

    def to_body(self) -> dict[str, object]:
        """CBOR-ready body."""
        return {"from_height": self.from_height, "count": self.count}

    @classmethod
    def from_body(cls, obj: object) -> BlocksRequest:
        """Build and validate from a decoded body."""
        return cls(**fields_of("blocks_request", obj, ("from_height", "count")))


@dataclass(frozen=True, slots=True)
class BlocksResponse:
    """Consecutive committed blocks with their commit certificates (possibly none)."""

    KIND: ClassVar[str] = "blocks"
    pairs: tuple[BlockPair, ...]

    def validate(self) -> None:
        """Raise ValidationError if there are too many pairs or one is malformed."""
        check_list("blocks.pairs", self.pairs, max_items=MAX_BLOCKS_PER_REQUEST)
        for index, pair in enumerate(self.pairs):
            if not isinstance(pair, tuple) or len(pair) != 2:
                raise ValidationError(f"blocks.pairs[{index}]: expected a (block, commit) pair")
            for part, value in zip(("block", "commit"), pair, strict=True):
                if not check_bytes(
                    f"blocks.pairs[{index}].{part}", value, max_size=_PART_BYTES_MAX
                ):
                    raise ValidationError(f"blocks.pairs[{index}].{part}: must not be empty")

    def to_body(self) -> dict[str, object]:
        """CBOR-ready body."""
        return {"pairs": [list(pair) for pair in self.pairs]}

    @classmethod
    def from_body(cls, obj: object) -> BlocksResponse:
        """Build and validate from a decoded body."""
        data = fields_of("blocks", obj, ("pairs",))
        items = check_list("blocks.pairs", data["pairs"], max_items=MAX_BLOCKS_PER_REQUEST)
        pairs = []
        for index, item in enumerate(items):
            pair = check_list(f"blocks.pairs[{index}]", item, max_items=2)
            if len(pair) != 2:
                raise ValidationError(f"blocks.pairs[{index}]: expected [block, commit]")
            pairs.append((pair[0], pair[1]))
        return cls(tuple(pairs))  # type: ignore[arg-type]  # validate() checks the types


Envelope = (
    Hello
    | ConsensusPayload
    | CompactProposalPayload
    | ProposalRequest
    | TxPayload
    | TxsPayload
    | EvidencePayload
    | Status
    | BlocksRequest
    | BlocksResponse
)
"""Everything a frame may carry."""

_KINDS: dict[str, Any] = {
    kind.KIND: kind
    for kind in (
        Hello,
        ConsensusPayload,
        CompactProposalPayload,
        ProposalRequest,
        TxPayload,
        TxsPayload,
        EvidencePayload,
        Status,
        BlocksRequest,
        BlocksResponse,
    )
}


def envelope_limits(max_frame_bytes: int = MAX_FRAME_BYTES) -> Limits:
    """The decoder limits for envelopes on a connection whose frames hold ``max_frame_bytes``."""
    return Limits(
        max_bytes=max_frame_bytes,
        max_depth=_ENVELOPE_DEPTH,
        max_items=_ENVELOPE_ITEMS,
        max_string_bytes=max_frame_bytes,
    )


def encode_envelope(envelope: Envelope) -> bytes:
    """Canonical bytes of ``envelope``; ValidationError if it breaks a rule of its kind."""
    envelope.validate()
    return encode({"kind": envelope.KIND, "body": envelope.to_body()})


def decode_envelope(data: bytes, limits: Limits | None = None) -> Envelope:
    """Strictly decode an envelope; ValidationError (only) names what is wrong.

    Parameters:
        data: one frame's payload.
        limits: decoder limits; :func:`envelope_limits` of the default frame size if None.

    Returns:
        The envelope, validated.
    """
    try:
        obj = decode(data, limits or envelope_limits())
    except CodecError as exc:
        raise ValidationError(f"envelope: not canonical CBOR: {exc}") from exc
    fields = fields_of("envelope", obj, ("kind", "body"))
    kind = _KINDS.get(fields["kind"]) if isinstance(fields["kind"], str) else None
    if kind is None:
        raise ValidationError(f"envelope: unknown kind {fields['kind']!r}")
    try:
        envelope: Envelope = kind.from_body(fields["body"])
        envelope.validate()
    except (TypeError, ValueError, KeyError) as exc:  # a wrong type deep inside a record
        raise ValidationError(f"envelope: malformed {kind.KIND}: {exc}") from exc
    return envelope
