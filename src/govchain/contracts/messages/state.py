"""State keys and the stored record of ``messages`` (docs/spec/messages.md).

::

    b"messages/notice/" || hash (32) || b"/" || sender (20)    notice record

A record is canonical CBOR of ``{"recipient", "height", "time", "tx_hash"}``
(the hash and the sender are in the key). Written once, never changed.
"""

from __future__ import annotations

from dataclasses import dataclass

from govchain.codec import encode
from govchain.ledger import records
from govchain.types.errors import ValidationError
from govchain.types.fields import check_bytes, check_hash, check_uint, fields_of
from govchain.types.validators import ADDRESS_SIZE

__all__ = ["MESSAGES_KEY_PREFIX", "Notice", "notice_key"]

MESSAGES_KEY_PREFIX = b"messages/"
_NOTICE_PREFIX = MESSAGES_KEY_PREFIX + b"notice/"
_FIELDS = ("recipient", "height", "time", "tx_hash")


@dataclass(frozen=True, slots=True)
class Notice:
    """A sender's notice that it sent message ``hash`` to ``recipient``, at a height and time."""

    hash: bytes
    sender: bytes
    recipient: bytes
    height: int
    time: int
    tx_hash: bytes

    def validate(self) -> None:
        """Raise ValidationError naming the first field that breaks its rule."""
        check_hash("notice: hash", self.hash)
        check_bytes("notice: sender", self.sender, size=ADDRESS_SIZE)
        check_bytes("notice: recipient", self.recipient, size=ADDRESS_SIZE)
        if check_uint("notice: height", self.height) == 0:
            raise ValidationError("notice: height: heights start at 1")
        check_uint("notice: time", self.time)
        check_hash("notice: tx_hash", self.tx_hash)

    def encode(self) -> bytes:
        """The stored value."""
        return encode(
            {
                "recipient": self.recipient,
                "height": self.height,
                "time": self.time,
                "tx_hash": self.tx_hash,
            }
        )

    def to_json(self) -> dict[str, object]:
        """The record as the API shows it (bytes as hex)."""
        return {
            "hash": self.hash.hex(),
            "sender": self.sender.hex(),
            "recipient": self.recipient.hex(),
            "height": self.height,
            "time": self.time,
            "tx_hash": self.tx_hash.hex(),
        }

    @classmethod
    def from_stored(cls, message_hash: bytes, sender: bytes, raw: bytes) -> Notice:
        """The record stored under ``notice_key(hash, sender)``; ValidationError if malformed."""

        def build(obj: object) -> Notice:
            record = cls(message_hash, sender, **fields_of("notice", obj, _FIELDS))
            record.validate()
            return record

        return records.decode_record(raw, build, records.RECORD_LIMITS, "notice")


def notice_key(message_hash: bytes, sender: bytes) -> bytes:
    """State key of ``sender``'s notice of message ``message_hash``."""
    return _NOTICE_PREFIX + message_hash + b"/" + sender
