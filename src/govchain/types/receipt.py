"""Receipts and events (F-A7): the outcome of each tx, committed in the block."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from govchain.types.errors import ValidationError
from govchain.types.fields import (
    NAME_PATTERN,
    check_hash,
    check_list,
    check_map,
    check_text,
    check_uint,
    fields_of,
)

STATUS_OK = 0
MAX_EVENTS = 64


@dataclass(frozen=True, slots=True)
class Event:
    """Something a contract reports, e.g. ``notary.anchored`` with its attributes."""

    type: str
    attributes: dict[str, Any] = field(default_factory=dict)

    def validate(self) -> None:
        """Raise ValidationError if a field breaks its rule."""
        check_text("event.type", self.type, max_size=64, pattern=NAME_PATTERN)
        check_map("event.attributes", self.attributes)

    def to_cbor(self) -> dict[str, object]:
        """CBOR-ready map."""
        return {"type": self.type, "attributes": self.attributes}

    @classmethod
    def from_cbor(cls, obj: object) -> Event:
        """Build and validate from a decoded map."""
        event = cls(**fields_of("event", obj, ("type", "attributes")))
        event.validate()
        return event


@dataclass(frozen=True, slots=True)
class Receipt:
    """The result of one tx: ``status`` 0 is success; otherwise ``error`` says why.

    A failed tx is committed with its failure receipt, so the audit trail
    stays whole; its state writes are discarded.
    """

    tx_hash: bytes
    status: int
    events: tuple[Event, ...] = ()
    error: str = ""

    def validate(self) -> None:
        """Raise ValidationError if a field breaks its rule."""
        check_hash("receipt.tx_hash", self.tx_hash)
        check_uint("receipt.status", self.status, maximum=2**16 - 1)
        if len(self.events) > MAX_EVENTS:
            raise ValidationError(f"receipt.events: more than {MAX_EVENTS}")
        for event in self.events:
            event.validate()
        check_text("receipt.error", self.error, max_size=1024)
        if (self.status == STATUS_OK) != (self.error == ""):
            raise ValidationError("receipt: an error message goes with a failure status only")

    @property
    def ok(self) -> bool:
        """True when the tx succeeded."""
        return self.status == STATUS_OK

    def to_cbor(self) -> dict[str, object]:
        """CBOR-ready map."""
        return {
            "tx_hash": self.tx_hash,
            "status": self.status,
            "events": [event.to_cbor() for event in self.events],
            "error": self.error,
        }

    @classmethod
    def from_cbor(cls, obj: object) -> Receipt:
        """Build and validate from a decoded map."""
        data = fields_of("receipt", obj, ("tx_hash", "status", "events", "error"))
        events = check_list("receipt.events", data["events"], max_items=MAX_EVENTS)
        receipt = cls(**{**data, "events": tuple(Event.from_cbor(e) for e in events)})
        receipt.validate()
        return receipt
