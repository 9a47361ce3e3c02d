"""Annotated copies (加注件): who read what, why and when, signed by the node that served it.

docs/spec/grants.md "Storage nodes and annotated copies"; docs/formats.md
"Annotated copies". A storage node that serves a blob against a committed
usage record (``GET /v1/blobs/{hash}?use=<tx>``) returns, with the bytes,
an :class:`Annotation`: the reader (viewer), the purpose, the block time and
hash of the usage tx, the asset and the blob's hash, and the node's name,
signed by the node's registered transport key (Ed25519, decision 0004) over
the chain suite's tagged hash ``govchain/annotated-copy/v1`` of those
fields. The annotation carries the key's DER SubjectPublicKeyInfo; its
SHA-256 is the ``transport_key`` the genesis registry lists for the node.

An **annotated copy** (``COPY.json``, :class:`AnnotatedCopy`) is the
annotation with the usage tx's receipt bundle. :func:`verify_annotated_copy`
checks it offline against a trusted genesis: the receipt (a committed,
successful ``grants.use``), that the tx says what the annotation says, and
the node's signature by a storage node of the genesis registry.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
from dataclasses import dataclass
from typing import Any

from govchain.client.verify import VerifiedTx, check_genesis, verify_tx_receipt
from govchain.codec import decode, encode
from govchain.codec.errors import CodecError
from govchain.contracts.grants import UseArgs
from govchain.crypto import CryptoSuite, suite_for
from govchain.crypto.intl import ED25519_SPKI_PREFIX
from govchain.ledger import records
from govchain.ledger.proofs import TxReceiptBundle
from govchain.types import Genesis, NodeEntry
from govchain.types.errors import GovChainError, ProofError, ValidationError
from govchain.types.fields import check_bytes, check_hash, check_text, check_uint, fields_of
from govchain.types.network_registry import NODE_NAME_PATTERN
from govchain.types.validators import ADDRESS_SIZE

__all__ = [
    "ANNOTATION_DOMAIN",
    "ANNOTATION_HEADER",
    "COPY_FORMAT",
    "AnnotatedCopy",
    "Annotation",
    "VerifiedCopy",
    "annotation_digest",
    "load_annotated_copy",
    "verify_annotated_copy",
    "verify_annotation_signature",
]

ANNOTATION_DOMAIN = "govchain/annotated-copy/v1"
"""The tag of the hash a storage node signs (docs/formats.md)."""
ANNOTATION_HEADER = "Govchain-Annotation"
"""The response header that carries the annotation: base64url of its canonical CBOR."""
COPY_FORMAT = "govchain-annotated-copy/v1"
"""The ``format`` of a ``COPY.json`` file."""
ANNOTATION_BYTES_MAX = 4096
"""The largest encoded annotation accepted (a purpose of 256 characters fits with room)."""
TRANSPORT_SUITE = "intl"
"""The suite of transport keys (Ed25519; decision 0004)."""
CONTENT_ID_SIZE = 16
SIGNATURE_SIZE = 64
_SPKI_SIZE = len(ED25519_SPKI_PREFIX) + 32
_FIELDS = (
    "chain_id", "viewer", "purpose", "time", "tx_hash", "asset", "content_hash", "node", "key",
    "signature",
)  # fmt: skip


@dataclass(frozen=True, slots=True)
class Annotation:
    """What a storage node attests it served: to whom, why, against which usage tx.

    ``time`` is the usage tx's block time (BFT, ms): the trusted timestamp of
    the read. ``key`` is the DER SubjectPublicKeyInfo of the node's transport
    key, ``signature`` its Ed25519 signature over :func:`annotation_digest`.
    """

    chain_id: str
    viewer: bytes
    purpose: str
    time: int
    tx_hash: bytes
    asset: bytes
    content_hash: bytes
    node: str
    key: bytes
    signature: bytes = b""

    def validate(self) -> None:
        """Raise ValidationError naming the first field that breaks its rule."""
        check_text("annotation.chain_id", self.chain_id, max_size=64)
        check_bytes("annotation.viewer", self.viewer, size=ADDRESS_SIZE)
        if not check_text("annotation.purpose", self.purpose, max_size=256):
            raise ValidationError("annotation.purpose: empty")
        check_uint("annotation.time", self.time)
        check_hash("annotation.tx_hash", self.tx_hash)
        check_bytes("annotation.asset", self.asset, size=CONTENT_ID_SIZE)
        check_hash("annotation.content_hash", self.content_hash)
        check_text("annotation.node", self.node, max_size=63, pattern=NODE_NAME_PATTERN)
        key = check_bytes("annotation.key", self.key, size=_SPKI_SIZE)
        if not key.startswith(ED25519_SPKI_PREFIX):
            raise ValidationError("annotation.key: not an Ed25519 SubjectPublicKeyInfo")
        if self.signature:
            check_bytes("annotation.signature", self.signature, size=SIGNATURE_SIZE)

    def body(self) -> dict[str, object]:
        """The signed fields: every field but the signature."""
        return {name: getattr(self, name) for name in _FIELDS[:-1]}

    def encode(self) -> bytes:
        """Canonical CBOR of the whole annotation."""
        self.validate()
        return encode({**self.body(), "signature": self.signature})

    @classmethod
    def decode(cls, data: bytes) -> Annotation:
        """Parse canonical CBOR; ValidationError names what is wrong."""
        if len(data) > ANNOTATION_BYTES_MAX:
            raise ValidationError(f"annotation: over {ANNOTATION_BYTES_MAX} bytes")
        try:
            obj = decode(data)
        except CodecError as exc:
            raise ValidationError(f"annotation: not canonical CBOR: {exc}") from exc
        annotation = cls(**fields_of("annotation", obj, _FIELDS))
        annotation.validate()
        return annotation

    def to_header(self) -> str:
        """The ``Govchain-Annotation`` header value: base64url (unpadded) of :meth:`encode`."""
        return base64.urlsafe_b64encode(self.encode()).rstrip(b"=").decode("ascii")

    @classmethod
    def from_header(cls, value: str) -> Annotation:
        """Parse a ``Govchain-Annotation`` header value; ValidationError if malformed."""
        text = value.strip()
        if len(text) > 2 * ANNOTATION_BYTES_MAX or not text.isascii():
            raise ValidationError("annotation header: not base64url")
        try:
            data = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
        except (binascii.Error, ValueError) as exc:
            raise ValidationError("annotation header: not base64url") from exc
        return cls.decode(data)


def annotation_digest(suite: CryptoSuite, annotation: Annotation) -> bytes:
    """The chain suite's tagged hash of the annotation's signed fields (what the node signs)."""
    annotation.validate()
    return suite.tagged_hash(ANNOTATION_DOMAIN, annotation.body())


def verify_annotation_signature(genesis: Genesis, annotation: Annotation) -> NodeEntry:
    """The storage node of the genesis registry that signed ``annotation``; ProofError if none.

    The node is the one named ``annotation.node``, of role ``storage``, whose
    ``transport_key`` is the SHA-256 of ``annotation.key``; the signature must
    verify under that key.
    """
    suite = check_genesis(genesis)
    if annotation.chain_id != genesis.chain_id:
        raise ProofError(
            f"the annotation is for chain {annotation.chain_id!r}, not {genesis.chain_id!r}",
            "annotation",
        )
    fingerprint = hashlib.sha256(annotation.key).digest()
    node = next((n for n in genesis.network.nodes if n.name == annotation.node), None)
    if node is None or node.role != "storage":
        raise ProofError(
            f"the genesis registry has no storage node {annotation.node!r}", "annotation_node"
        )
    if node.transport_key != fingerprint:
        raise ProofError(
            f"the annotation's key is not the transport key registered for {node.name}",
            "annotation_node",
        )
    transport = suite_for(TRANSPORT_SUITE)
    public_key = transport.public_key_from_spki(annotation.key)
    digest = annotation_digest(suite, annotation)
    if not annotation.signature or not transport.verify(public_key, digest, annotation.signature):
        raise ProofError(
            f"the signature of storage node {node.name} does not verify", "annotation_signature"
        )
    return node


@dataclass(frozen=True, slots=True)
class AnnotatedCopy:
    """A ``COPY.json``: an annotation and the receipt bundle of its usage tx."""

    annotation: Annotation
    receipt: TxReceiptBundle

    def to_json(self) -> dict[str, Any]:
        """The file's JSON object (the annotation as hex of its canonical CBOR)."""
        return {
            "format": COPY_FORMAT,
            "annotation": self.annotation.encode().hex(),
            "receipt": self.receipt.to_json(),
        }

    @classmethod
    def from_json(cls, obj: object) -> AnnotatedCopy:
        """Parse the file's object; ProofError (check ``format``) names what is wrong."""
        if not isinstance(obj, dict) or set(obj) != {"format", "annotation", "receipt"}:
            raise ProofError("an annotated copy has format, annotation and receipt", "format")
        if obj["format"] != COPY_FORMAT:
            raise ProofError(
                f"annotated copy format {obj['format']!r} is not {COPY_FORMAT!r}", "format"
            )
        text = obj["annotation"]
        try:
            if not isinstance(text, str) or len(text) > 2 * ANNOTATION_BYTES_MAX:
                raise ValueError("not a string of at most the annotation's size")
            annotation = Annotation.decode(bytes.fromhex(text))
            receipt = TxReceiptBundle.from_json(obj["receipt"])
        except (ValueError, ValidationError) as exc:
            raise ProofError(f"annotated copy: {exc}", "format") from exc
        return cls(annotation, receipt)

    @staticmethod
    def is_copy(obj: object) -> bool:
        """True when a parsed JSON file says it is an annotated copy."""
        return isinstance(obj, dict) and obj.get("format") == COPY_FORMAT


@dataclass(frozen=True, slots=True)
class VerifiedCopy:
    """What a verified annotated copy proves: the usage tx, and the node that served the read."""

    tx: VerifiedTx
    annotation: Annotation
    node: NodeEntry
    action: str
    by: bytes
    """The account that sent the usage tx: the viewer, or the agent reading for it."""


def verify_annotated_copy(genesis: Genesis, copy: AnnotatedCopy) -> VerifiedCopy:
    """Check an annotated copy offline; ProofError names the check that failed.

    (a) the receipt verifies (``verify_tx_receipt``) and is a successful
    ``grants.use`` whose reader, asset, purpose and block time are the
    annotation's viewer, asset, purpose and time, and whose hash is its
    ``tx_hash``; (b) the signature is by a storage node of the genesis
    registry (:func:`verify_annotation_signature`).
    """
    checked = verify_tx_receipt(genesis, copy.receipt)
    args, by = _usage_tx(genesis, copy.receipt, checked)
    note = copy.annotation
    reader = args.on_behalf or by
    mismatches = [
        name
        for name, ok in (
            ("tx_hash", note.tx_hash == checked.tx_hash),
            ("viewer", note.viewer == reader),
            ("asset", note.asset == args.asset),
            ("purpose", note.purpose == args.purpose),
            ("time", note.time == checked.block_time),
        )
        if not ok
    ]
    if mismatches:
        raise ProofError(
            "the annotation does not match its usage tx: " + ", ".join(mismatches),
            "annotation_match",
        )
    node = verify_annotation_signature(genesis, note)
    return VerifiedCopy(checked, note, node, args.action, by)


def _usage_tx(
    genesis: Genesis, bundle: TxReceiptBundle, checked: VerifiedTx
) -> tuple[UseArgs, bytes]:
    """The parsed args and the sender's address of a committed, successful ``grants.use``."""
    if checked.tx_type != UseArgs.TX_TYPE:
        raise ProofError(f"the receipt is of a {checked.tx_type}, not a grants.use", "usage_tx")
    if checked.status != 0:
        raise ProofError(f"the usage tx failed: {checked.error}", "usage_tx")
    try:
        args = UseArgs.from_args(bundle.tx.args)
        sender = records.address_of(suite_for(genesis.suite), bundle.tx.sender)
    except (GovChainError, ValueError) as exc:
        raise ProofError(f"the usage tx's args do not parse: {exc}", "usage_tx") from exc
    return args, sender


def load_annotated_copy(data: bytes) -> AnnotatedCopy:
    """Parse a ``COPY.json`` file's bytes; ProofError (check ``format``) if malformed."""
    try:
        obj = json.loads(data)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ProofError(f"not JSON: {exc}", "format") from exc
    return AnnotatedCopy.from_json(obj)
