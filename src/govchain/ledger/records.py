"""Byte encodings and hashes of the ledger records (docs/formats.md, section 5).

Records are canonical CBOR maps (``govchain.codec``). Hashes are
domain-tagged with the chain's suite hash, so a tx hash can never equal a
header hash. Decoding a record from untrusted bytes goes through the codec's
strict decoder, with limits, and then the record's own ``validate()``; both
kinds of failure surface as :class:`ValidationError`.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TypeVar

from govchain.codec import (
    CodecError,
    Encoded,
    Limits,
    decode,
    encode,
    encode_map_entries,
    encode_map_from_entries,
    tagged_bytes,
)
from govchain.crypto import CryptoSuite, SigningKey
from govchain.ledger.merkle import hasher_for, root
from govchain.types import Block, Commit, Header, Receipt, Tx, ValidatorSet, Vote
from govchain.types.errors import InvalidSignatureError, ValidationError
from govchain.types.fields import check_list, fields_of

TX_DOMAIN = "govchain/tx/v1"
VOTE_DOMAIN = "govchain/vote/v1"
HEADER_DOMAIN = "govchain/header/v1"
COMMIT_DOMAIN = "govchain/commit/v1"
VALIDATORS_DOMAIN = "govchain/validators/v1"
ADDRESS_DOMAIN = "govchain/address/v1"

TX_LIMITS = Limits(max_bytes=64 * 1024, max_depth=8, max_items=256, max_string_bytes=32 * 1024)
BLOCK_LIMITS = Limits(max_bytes=64 * 1024 * 1024, max_depth=12, max_items=10_000)
RECORD_LIMITS = Limits(max_bytes=4 * 1024 * 1024, max_depth=12, max_items=10_000)

_R = TypeVar("_R")


def decode_record(data: bytes, build: Callable[[object], _R], limits: Limits, what: str) -> _R:
    """Strictly decode ``data`` and build a validated record, or raise ValidationError."""
    try:
        obj = decode(data, limits)
    except CodecError as exc:
        raise ValidationError(f"{what}: not canonical CBOR: {exc}") from exc
    return build(obj)


# --- transactions -----------------------------------------------------------


def tx_signing_bytes(tx: Tx) -> bytes:
    """The exact bytes a sender signs: the domain and the tx body."""
    return tagged_bytes(TX_DOMAIN, tx.body())


def tx_hash(suite: CryptoSuite, tx: Tx) -> bytes:
    """The tx id: the hash of its signed bytes (not of the signature, which may vary)."""
    return suite.hash(tx_signing_bytes(tx))


def encode_tx(tx: Tx) -> bytes:
    """The tx with its signature, as stored in blocks and hashed into the tx tree."""
    return encode(tx.to_cbor())


_SIGNATURE_KEY = encode("signature")
_TX_DOMAIN_BYTES = encode(TX_DOMAIN)


@dataclass(frozen=True, slots=True)
class TxBytes:
    """A tx's signed bytes and its full encoding, made in one encoding pass."""

    signing: bytes
    """``tx_signing_bytes(tx)``: what the sender signs and the tx id hashes."""
    encoded: bytes
    """``encode_tx(tx)``: the tx with its signature, as blocks store it."""


def tx_bytes(tx: Tx) -> TxBytes:
    """Both encodings of ``tx``; equal to ``tx_signing_bytes`` and ``encode_tx``, but cheaper."""
    entries = encode_map_entries(tx.to_cbor())
    body = [entry for entry in entries if entry[0] != _SIGNATURE_KEY]
    return TxBytes(
        _TX_DOMAIN_BYTES + encode_map_from_entries(body), encode_map_from_entries(entries)
    )


def decode_tx(data: bytes) -> Tx:
    """Strictly decode a tx from untrusted bytes."""
    return decode_record(data, Tx.from_cbor, TX_LIMITS, "tx")


def sign_tx(key: SigningKey, tx: Tx) -> Tx:
    """``tx`` signed by ``key`` (its sender must be ``key``'s public key)."""
    if tx.sender_kind == "key" and tx.sender != key.public_key:
        raise ValidationError("tx.sender is not the signing key's public key")
    return dataclasses.replace(tx, signature=key.sign(tx_signing_bytes(tx)))


def verify_tx_signature(suite: CryptoSuite, tx: Tx, public_key: bytes | None = None) -> None:
    """Raise InvalidSignatureError unless the tx is signed by its sender.

    ``public_key`` is required when the sender is named by certificate id.
    """
    key = tx.sender if tx.sender_kind == "key" else public_key
    if key is None:
        raise InvalidSignatureError("tx names its sender by certificate; the key is unknown")
    suite.verify_or_raise(key, tx_signing_bytes(tx), tx.signature)


# --- votes, commits, validators ---------------------------------------------


def vote_signing_bytes(vote: Vote) -> bytes:
    """The exact bytes a validator signs for a vote."""
    return tagged_bytes(VOTE_DOMAIN, vote.sign_body())


def address_of(suite: CryptoSuite, public_key: bytes) -> bytes:
    """A validator's 20-byte address, derived from its public key."""
    return suite.tagged_hash(ADDRESS_DOMAIN, public_key)[:20]


def validators_hash(suite: CryptoSuite, validators: ValidatorSet) -> bytes:
    """The hash a header carries for a validator set."""
    return suite.tagged_hash(VALIDATORS_DOMAIN, validators.to_cbor())


def commit_hash(suite: CryptoSuite, commit: Commit | None) -> bytes:
    """``last_commit_hash`` of the next header (``b""`` when there is no commit)."""
    return b"" if commit is None else suite.tagged_hash(COMMIT_DOMAIN, commit.to_cbor())


def encode_commit(commit: Commit) -> bytes:
    """Canonical bytes of a commit certificate."""
    return encode(commit.to_cbor())


def decode_commit(data: bytes) -> Commit:
    """Strictly decode a commit certificate."""
    return decode_record(data, Commit.from_cbor, RECORD_LIMITS, "commit")


# --- headers, blocks, receipts ------------------------------------------------


def header_hash(suite: CryptoSuite, header: Header) -> bytes:
    """The block hash."""
    return suite.tagged_hash(HEADER_DOMAIN, header.to_cbor())


def encode_block(block: Block) -> bytes:
    """Canonical bytes of a block."""
    return encode(block.to_cbor())


def encode_block_with(block: Block, encoded_txs: Sequence[bytes]) -> bytes:
    """``encode_block(block)``, splicing in the txs' encodings already made."""
    if len(encoded_txs) != len(block.txs):
        raise ValueError("one encoding per tx is needed")
    commit = block.last_commit
    return encode(
        {
            "header": block.header.to_cbor(),
            "txs": [Encoded(raw) for raw in encoded_txs],
            "last_commit": None if commit is None else commit.to_cbor(),
        }
    )


def decode_block(data: bytes) -> Block:
    """Strictly decode a block."""
    return decode_record(data, Block.from_cbor, BLOCK_LIMITS, "block")


def decode_block_header(data: bytes) -> Header:
    """Strictly decode a block's header alone: its txs stay undecoded CBOR (a quick read)."""
    return decode_record(data, _header_of_block, BLOCK_LIMITS, "block")


def _header_of_block(obj: object) -> Header:
    return Header.from_cbor(fields_of("block", obj, ("header", "txs", "last_commit"))["header"])


def encode_header(header: Header) -> bytes:
    """Canonical bytes of a header."""
    return encode(header.to_cbor())


def decode_header(data: bytes) -> Header:
    """Strictly decode a header."""
    return decode_record(data, Header.from_cbor, RECORD_LIMITS, "header")


def encode_receipt(receipt: Receipt) -> bytes:
    """Canonical bytes of a receipt (the receipts tree leaf)."""
    return encode(receipt.to_cbor())


def decode_receipt(data: bytes) -> Receipt:
    """Strictly decode one receipt."""
    return decode_record(data, Receipt.from_cbor, RECORD_LIMITS, "receipt")


def encode_receipts(receipts: Sequence[Receipt]) -> bytes:
    """A block's receipts, as stored."""
    return encode([r.to_cbor() for r in receipts])


def encode_receipts_with(encoded_receipts: Sequence[bytes]) -> bytes:
    """``encode_receipts`` from each receipt's encoding already made."""
    return encode([Encoded(raw) for raw in encoded_receipts])


def decode_receipts(data: bytes) -> list[Receipt]:
    """Strictly decode a block's stored receipts."""

    def build(obj: object) -> list[Receipt]:
        return [Receipt.from_cbor(r) for r in check_list("receipts", obj, max_items=10_000)]

    return decode_record(data, build, BLOCK_LIMITS, "receipts")


def tx_root(suite: CryptoSuite, txs: Sequence[Tx]) -> bytes:
    """RFC 6962 root over the encoded txs, in block order."""
    return root_of_encoded(suite, [encode_tx(tx) for tx in txs])


def receipts_root(suite: CryptoSuite, receipts: Sequence[Receipt]) -> bytes:
    """RFC 6962 root over the encoded receipts, in block order."""
    return root_of_encoded(suite, [encode_receipt(r) for r in receipts])


def root_of_encoded(suite: CryptoSuite, leaves: Sequence[bytes]) -> bytes:
    """RFC 6962 root over records already encoded (``tx_root``, ``receipts_root``)."""
    hasher = hasher_for(suite.hash_name)
    return root(hasher, [hasher.hash_leaf(leaf) for leaf in leaves])
