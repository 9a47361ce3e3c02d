"""System contract ``notary.anchor`` (存证, F-C5): a document digest anchored on the chain.

A client hashes a document with the chain's suite hash (SM3 under ``gm``) and
submits the digest; the document itself never leaves the client. The record
says who anchored it (the signer's address), when (the block's BFT time) and
at which height. The same digest may be anchored again, by anyone: every
anchoring is kept, in order.

Args: ``{"digest": 32 bytes}`` plus, optionally, ``"title"`` (text, at most
256 characters), ``"doc_type"`` (at most 64) and ``"ref"`` (an external
reference, at most 256).

State keys::

    b"notary/" || digest || b"/n"            anchorings so far, 4 bytes big-endian
    b"notary/" || digest || b"/" || index    record, index 4 bytes big-endian from 0

A record is canonical CBOR of ``{"owner", "time", "height", "tx_hash",
"title", "doc_type", "ref"}`` (absent optional fields are empty strings).
Event: ``notary.anchored`` with ``digest``, ``index`` and ``owner``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from govchain.codec import decode, encode
from govchain.crypto import CryptoSuite, SigningKey
from govchain.execution.registry import ContractError, Handler, ReadState, Registry, TxContext
from govchain.ledger import records
from govchain.types import Tx
from govchain.types.errors import ValidationError
from govchain.types.fields import check_hash, check_text, check_uint, fields_of

NOTARY_TX_TYPE = "notary.anchor"
NOTARY_EVENT = "notary.anchored"
NOTARY_KEY_PREFIX = b"notary/"
MAX_ANCHORINGS = 2**32 - 1
"""Anchorings of one digest (the index is 4 bytes)."""

_OPTIONAL = {"title": 256, "doc_type": 64, "ref": 256}
_RECORD_FIELDS = ("owner", "time", "height", "tx_hash", "title", "doc_type", "ref")


@dataclass(frozen=True, slots=True)
class Anchoring:
    """One anchoring of a digest, as stored."""

    digest: bytes
    index: int
    owner: bytes
    time: int
    height: int
    tx_hash: bytes
    title: str = ""
    doc_type: str = ""
    ref: str = ""

    def to_cbor(self) -> dict[str, object]:
        """The stored map (the digest and index are in the key)."""
        return {
            "owner": self.owner,
            "time": self.time,
            "height": self.height,
            "tx_hash": self.tx_hash,
            "title": self.title,
            "doc_type": self.doc_type,
            "ref": self.ref,
        }


def count_key(digest: bytes) -> bytes:
    """State key of the number of anchorings of ``digest``."""
    return NOTARY_KEY_PREFIX + digest + b"/n"


def record_key(digest: bytes, index: int) -> bytes:
    """State key of anchoring ``index`` of ``digest``."""
    return NOTARY_KEY_PREFIX + digest + b"/" + index.to_bytes(4, "big")


def notary_handler(suite: CryptoSuite) -> Handler:
    """The handler of ``notary.anchor`` txs for a chain of ``suite``."""

    def handle(ctx: TxContext, tx: Tx) -> None:
        digest, optional = _parse_args(tx.args)
        raw_count = ctx.get(count_key(digest))
        count = 0 if raw_count is None else int.from_bytes(raw_count, "big")
        if count >= MAX_ANCHORINGS:
            raise ContractError("notary: this digest has the most anchorings a key can hold")
        owner = records.address_of(suite, tx.sender)
        record = Anchoring(digest, count, owner, ctx.time, ctx.height, ctx.tx_hash, **optional)
        ctx.put(record_key(digest, count), encode(record.to_cbor()))
        ctx.put(count_key(digest), (count + 1).to_bytes(4, "big"))
        ctx.emit(NOTARY_EVENT, digest=digest, index=count, owner=owner)

    return handle


def _parse_args(args: Mapping[str, object]) -> tuple[bytes, dict[str, str]]:
    names = tuple(sorted(args))
    allowed = {"digest", *_OPTIONAL}
    if "digest" not in args or not set(names) <= allowed:
        raise ContractError(
            f"{NOTARY_TX_TYPE} args: need 'digest' and at most {sorted(_OPTIONAL)}, "
            f"got {list(names)}"
        )
    try:
        digest = check_hash(f"{NOTARY_TX_TYPE} digest", args["digest"])
        optional = {
            name: check_text(f"{NOTARY_TX_TYPE} {name}", args[name], max_size=limit)
            for name, limit in _OPTIONAL.items()
            if name in args
        }
    except ValidationError as exc:
        raise ContractError(str(exc)) from exc
    return digest, optional


def register_notary(registry: Registry, suite: CryptoSuite) -> None:
    """Add the ``notary.anchor`` contract to ``registry``."""
    registry.register(NOTARY_TX_TYPE, notary_handler(suite))


def anchor_tx(
    key: SigningKey,
    chain_id: str,
    digest: bytes,
    nonce: bytes,
    expiry: int,
    **optional: str,
) -> Tx:
    """A signed ``notary.anchor`` tx for ``digest`` (title, doc_type, ref optional)."""
    args: dict[str, object] = {"digest": digest, **{k: v for k, v in optional.items() if v}}
    _parse_args(args)
    unsigned = Tx(chain_id, NOTARY_TX_TYPE, args, "key", key.public_key, nonce, expiry)
    unsigned.validate()
    return records.sign_tx(key, unsigned)


def read_anchorings(read_state: ReadState, digest: bytes) -> list[Anchoring]:
    """Every anchoring of ``digest``, oldest first (``read_state`` reads one state version)."""
    raw_count = read_state(count_key(digest))
    count = 0 if raw_count is None else int.from_bytes(raw_count, "big")
    found = []
    for index in range(count):
        raw = read_state(record_key(digest, index))
        if raw is None:
            raise ValidationError(f"notary: record {index} of a digest with {count} is missing")
        data = fields_of("notary record", decode(raw), _RECORD_FIELDS)
        check_uint("notary record: height", data["height"])
        found.append(Anchoring(digest, index, **data))
    return found
