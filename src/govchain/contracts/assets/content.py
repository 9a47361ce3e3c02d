"""Where an asset version's content is and who can open it: blob references and envelopes.

docs/spec/assets.md, "Content". Nested records of the asset and locker
records (``govchain.contracts.assets.records``), each with ``validate()``,
``to_cbor()`` and ``from_cbor()``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from govchain.contracts.registry.records import StoredRecord
from govchain.storage.blobs.base import MAX_BLOB
from govchain.types.errors import ValidationError
from govchain.types.fields import (
    check_bytes,
    check_hash,
    check_list,
    check_text,
    check_uint,
    fields_of,
)
from govchain.types.network_registry import NODE_NAME_PATTERN
from govchain.types.validators import ADDRESS_SIZE

__all__ = [
    "ENVELOPE_KINDS",
    "MAX_BLOB",
    "MAX_ENVELOPE",
    "MAX_ENVELOPES",
    "MAX_LOCATORS",
    "BlobRef",
    "Content",
    "Envelope",
]

ENVELOPE_KINDS = ("holder", "regulator")
MAX_ENVELOPES = 4
MAX_ENVELOPE = 256
MAX_LOCATORS = 8


def _tuple(what: str, value: object) -> tuple[Any, ...]:
    return tuple(check_list(what, value, max_items=64))


@dataclass(frozen=True, slots=True)
class BlobRef(StoredRecord):
    """Where a blob is: its suite hash, size and the storage nodes holding it."""

    hash: bytes
    size: int
    locators: tuple[str, ...]

    _FIELDS = ("hash", "size", "locators")

    def validate(self) -> None:
        """Raise ValidationError naming the first field that breaks its rule."""
        check_hash("blob.hash", self.hash)
        if not check_uint("blob.size", self.size, maximum=MAX_BLOB) >= 1:
            raise ValidationError(f"blob.size: expected 1..{MAX_BLOB}")
        names = check_list("blob.locators", list(self.locators), max_items=MAX_LOCATORS)
        if not names or len(set(names)) != len(names):
            raise ValidationError(f"blob.locators: expected 1..{MAX_LOCATORS} distinct node names")
        for name in names:
            check_text("blob.locators", name, max_size=63, pattern=NODE_NAME_PATTERN)

    def to_cbor(self) -> dict[str, object]:
        """The stored map."""
        return {"hash": self.hash, "size": self.size, "locators": list(self.locators)}

    @classmethod
    def from_cbor(cls, obj: object, what: str = "blob") -> BlobRef:
        """A blob reference from its map; ValidationError if malformed."""
        found = fields_of(what, obj, cls._FIELDS)
        ref = cls(found["hash"], found["size"], _tuple(what, found["locators"]))
        ref.validate()
        return ref


@dataclass(frozen=True, slots=True)
class Envelope(StoredRecord):
    """A data key encrypted to one reader's locker key."""

    reader: bytes
    kind: str
    sealed: bytes

    _FIELDS = ("reader", "kind", "sealed")

    def validate(self) -> None:
        """Raise ValidationError naming the first field that breaks its rule."""
        check_bytes("envelope.reader", self.reader, size=ADDRESS_SIZE)
        if self.kind not in ENVELOPE_KINDS:
            raise ValidationError(f"envelope.kind: expected one of {ENVELOPE_KINDS}")
        if not check_bytes("envelope.sealed", self.sealed, max_size=MAX_ENVELOPE):
            raise ValidationError("envelope.sealed: empty")

    def to_cbor(self) -> dict[str, object]:
        """The stored map."""
        return {"reader": self.reader, "kind": self.kind, "sealed": self.sealed}

    @classmethod
    def from_cbor(cls, obj: object) -> Envelope:
        """An envelope from its map; ValidationError if malformed."""
        envelope = cls(**fields_of("envelope", obj, cls._FIELDS))
        envelope.validate()
        return envelope


@dataclass(frozen=True, slots=True)
class Content(StoredRecord):
    """The encrypted content of one asset version: where it is and who can open it."""

    blob: BlobRef
    method: str
    envelopes: tuple[Envelope, ...]

    _FIELDS = ("hash", "size", "locators", "method", "envelopes")

    def validate(self) -> None:
        """Raise ValidationError naming the first field that breaks its rule."""
        self.blob.validate()
        check_text("content.method", self.method, max_size=32)
        check_list("content.envelopes", list(self.envelopes), max_items=MAX_ENVELOPES)
        readers = [envelope.reader for envelope in self.envelopes]
        if not readers or len(set(readers)) != len(readers):
            raise ValidationError("content.envelopes: expected 1..4 envelopes to distinct readers")
        for envelope in self.envelopes:
            envelope.validate()

    def envelope_of(self, reader: bytes) -> Envelope | None:
        """The envelope for ``reader``, if it has one."""
        return next((e for e in self.envelopes if e.reader == reader), None)

    def to_cbor(self) -> dict[str, object]:
        """The stored map (the blob's fields inline)."""
        return {
            **self.blob.to_cbor(),
            "method": self.method,
            "envelopes": [envelope.to_cbor() for envelope in self.envelopes],
        }

    @classmethod
    def from_cbor(cls, obj: object) -> Content:
        """Content from its map; ValidationError if malformed."""
        found = fields_of("content", obj, cls._FIELDS)
        blob = BlobRef.from_cbor({name: found[name] for name in BlobRef._FIELDS}, "content")
        envelopes = check_list("content.envelopes", found["envelopes"], max_items=MAX_ENVELOPES)
        content = cls(blob, found["method"], tuple(Envelope.from_cbor(e) for e in envelopes))
        content.validate()
        return content
