"""State keys and the stored record of ``notary`` (docs/spec/notary.md, "State keys").

::

    b"notary/" || digest || b"/n"            anchorings so far, 4 bytes big-endian
    b"notary/" || digest || b"/" || index    record, index 4 bytes big-endian from 0

A record is canonical CBOR of ``{"owner", "time", "height", "tx_hash",
"title", "doc_type", "ref"}`` (absent optional fields are empty strings).
"""

from __future__ import annotations

from dataclasses import dataclass

from govchain.codec import encode
from govchain.execution.registry import ReadState
from govchain.ledger import records
from govchain.types.errors import ValidationError
from govchain.types.fields import check_bytes, check_hash, check_text, check_uint, fields_of
from govchain.types.validators import ADDRESS_SIZE

__all__ = [
    "MAX_ANCHORINGS",
    "NOTARY_KEY_PREFIX",
    "OPTIONAL_FIELDS",
    "Anchoring",
    "anchoring_count",
    "count_key",
    "read_anchoring",
    "record_key",
]

NOTARY_KEY_PREFIX = b"notary/"
MAX_ANCHORINGS = 2**32 - 1
"""Anchorings of one digest (the index is 4 bytes)."""
OPTIONAL_FIELDS = {"title": 256, "doc_type": 64, "ref": 256}
"""The optional text fields of an anchoring and their limits, in characters."""
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

    def validate(self) -> None:
        """Raise ValidationError naming the first field that breaks its rule."""
        check_hash("notary record: digest", self.digest)
        check_uint("notary record: index", self.index, maximum=MAX_ANCHORINGS - 1)
        check_bytes("notary record: owner", self.owner, size=ADDRESS_SIZE)
        check_uint("notary record: time", self.time)
        if check_uint("notary record: height", self.height) == 0:
            raise ValidationError("notary record: height: heights start at 1")
        check_hash("notary record: tx_hash", self.tx_hash)
        for name, limit in OPTIONAL_FIELDS.items():
            check_text(f"notary record: {name}", getattr(self, name), max_size=limit)

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

    def encode(self) -> bytes:
        """The stored value: canonical CBOR of :meth:`to_cbor`."""
        return encode(self.to_cbor())

    @classmethod
    def from_stored(cls, digest: bytes, index: int, raw: bytes) -> Anchoring:
        """The record stored under ``record_key(digest, index)``; ValidationError if malformed."""

        def build(obj: object) -> Anchoring:
            record = cls(digest, index, **fields_of("notary record", obj, _RECORD_FIELDS))
            record.validate()
            return record

        return records.decode_record(raw, build, records.RECORD_LIMITS, "notary record")


def count_key(digest: bytes) -> bytes:
    """State key of the number of anchorings of ``digest``."""
    return NOTARY_KEY_PREFIX + digest + b"/n"


def record_key(digest: bytes, index: int) -> bytes:
    """State key of anchoring ``index`` of ``digest``."""
    return NOTARY_KEY_PREFIX + digest + b"/" + index.to_bytes(4, "big")


def anchoring_count(read_state: ReadState, digest: bytes) -> int:
    """How many times ``digest`` was anchored (0 if never); ValidationError if malformed."""
    raw = read_state(count_key(digest))
    if raw is None:
        return 0
    if len(raw) != 4:
        raise ValidationError(f"notary count: expected 4 bytes, got {len(raw)}")
    return int.from_bytes(raw, "big")


def read_anchoring(read_state: ReadState, digest: bytes, index: int) -> Anchoring:
    """Anchoring ``index`` of ``digest``, which the count says exists; ValidationError if not."""
    raw = read_state(record_key(digest, index))
    if raw is None:
        raise ValidationError(f"notary: record {index} of a counted digest is missing")
    return Anchoring.from_stored(digest, index, raw)
