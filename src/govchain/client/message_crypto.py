"""Sealed messages: their bytes, their ids, sealing and opening (docs/spec/messages.md, F-C6).

A message is sealed on the sender's client to the recipient's locker public
key, as asset content is: a fresh data key, the plaintext under the suite
AEAD with associated data ``"govchain/message/v1" || recipient``, the data
key in an envelope (:mod:`govchain.crypto.envelopes`). A storage node checks
only the sealed form's shape (:func:`parse_sealed`); it never sees a key.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from govchain.codec import CodecError, Limits, decode, encode
from govchain.crypto.envelopes import SEALED_SIZE_MAX, EnvelopeError, LockerKey, seal_envelope
from govchain.crypto.suite import AEAD_NONCE_SIZE, AEAD_TAG_SIZE, CryptoSuite
from govchain.types.errors import DecryptionError, ValidationError
from govchain.types.validators import ADDRESS_SIZE

__all__ = [
    "MESSAGE_DOMAIN",
    "MESSAGE_ID_DOMAIN",
    "MESSAGE_KEY_PATTERN",
    "MESSAGE_KINDS",
    "MESSAGE_MAX",
    "MessagePlaintext",
    "SealedMessage",
    "keyed_message_id",
    "message_id",
    "open_message",
    "parse_sealed",
    "seal_message",
]

MESSAGE_DOMAIN = b"govchain/message/v1"
MESSAGE_ID_DOMAIN = "govchain/message-id/v1"
MESSAGE_MAX = 256 * 1024
"""The largest sealed message, in bytes."""
MESSAGE_KINDS = ("text", "file", "reminder")
MESSAGE_KEY_PATTERN = re.compile(r"[A-Za-z0-9._/-]{1,64}")
"""What a sender's message key (``Govchain-Message-Key``) looks like."""
_NAME_MAX = 255
_OVERHEAD = 1024
"""Room in a sealed message for the envelope, the CBOR framing and the plaintext's fields."""
BODY_MAX = MESSAGE_MAX - _OVERHEAD - AEAD_NONCE_SIZE - AEAD_TAG_SIZE
_SEALED_LIMITS = Limits(
    max_bytes=MESSAGE_MAX, max_depth=2, max_items=4, max_string_bytes=MESSAGE_MAX
)
_PLAIN_LIMITS = Limits(
    max_bytes=MESSAGE_MAX, max_depth=2, max_items=8, max_string_bytes=MESSAGE_MAX
)


@dataclass(frozen=True, slots=True)
class SealedMessage:
    """A sealed message: the envelope of its data key and the AEAD box."""

    key: bytes
    box: bytes

    def to_bytes(self) -> bytes:
        """Canonical CBOR ``{"v": 1, "key", "box"}``."""
        return encode({"v": 1, "key": self.key, "box": self.box})


@dataclass(frozen=True, slots=True)
class MessagePlaintext:
    """What a message says, and who says it to whom."""

    sender: bytes
    recipient: bytes
    kind: str
    name: str
    body: bytes
    time: int

    def validate(self) -> None:
        """:class:`ValidationError` naming the first rule broken."""
        for what, address in (("sender", self.sender), ("recipient", self.recipient)):
            if not isinstance(address, bytes) or len(address) != ADDRESS_SIZE:
                raise ValidationError(f"a message's {what} is a {ADDRESS_SIZE}-byte address")
        if self.kind not in MESSAGE_KINDS:
            raise ValidationError(f"a message's kind is one of {', '.join(MESSAGE_KINDS)}")
        if not isinstance(self.name, str) or len(self.name) > _NAME_MAX:
            raise ValidationError(f"a message's name is at most {_NAME_MAX} characters")
        if self.name in {".", ".."} or any(c in self.name for c in "/\\\0"):
            raise ValidationError("a message's name is a plain file name: no path")
        if not self.name.isprintable():
            raise ValidationError("a message's name has no control characters")
        if not isinstance(self.body, bytes) or len(self.body) > BODY_MAX:
            raise ValidationError(f"a message's body is at most {BODY_MAX} bytes")
        if isinstance(self.time, bool) or not isinstance(self.time, int) or self.time < 0:
            raise ValidationError("a message's time is a whole number of milliseconds")

    def to_cbor(self) -> bytes:
        """The canonical CBOR that is sealed."""
        return encode(
            {
                "sender": self.sender,
                "recipient": self.recipient,
                "kind": self.kind,
                "name": self.name,
                "body": self.body,
                "time": self.time,
            }
        )

    @classmethod
    def from_cbor(cls, data: bytes) -> MessagePlaintext:
        """Parse an opened message; ValidationError unless it is one."""
        try:
            value = decode(data, _PLAIN_LIMITS)
        except CodecError as exc:
            raise ValidationError(f"the opened message is not canonical CBOR: {exc}") from exc
        names = ("sender", "recipient", "kind", "name", "body", "time")
        if not isinstance(value, dict) or set(value) != set(names):
            raise ValidationError(f"the opened message is not a map of {', '.join(names)}")
        plaintext = cls(*(value[name] for name in names))
        plaintext.validate()
        return plaintext


def aad_of(recipient: bytes) -> bytes:
    """The associated data of a message to ``recipient``."""
    return MESSAGE_DOMAIN + recipient


def seal_message(
    suite: CryptoSuite, locker_public_key: bytes, plaintext: MessagePlaintext
) -> bytes:
    """Seal ``plaintext`` to the recipient's locker key: the sealed bytes that are posted."""
    plaintext.validate()
    data_key = suite.new_aead_key()
    box = suite.seal(data_key, plaintext.to_cbor(), aad_of(plaintext.recipient))
    sealed = SealedMessage(seal_envelope(suite, locker_public_key, data_key), box).to_bytes()
    if len(sealed) > MESSAGE_MAX:
        raise ValidationError(f"the sealed message is {len(sealed)} bytes, over {MESSAGE_MAX}")
    return sealed


def parse_sealed(data: bytes) -> SealedMessage:
    """The sealed form of ``data``; ValidationError unless it is one (a storage node checks it)."""
    if not 0 < len(data) <= MESSAGE_MAX:
        raise ValidationError(f"a sealed message is 1 to {MESSAGE_MAX} bytes")
    try:
        value = decode(data, _SEALED_LIMITS)
    except CodecError as exc:
        raise ValidationError(f"a sealed message is canonical CBOR: {exc}") from exc
    if not isinstance(value, dict) or set(value) != {"v", "key", "box"} or value["v"] != 1:
        raise ValidationError('a sealed message is a map {"v": 1, "key", "box"}')
    key, box = value["key"], value["box"]
    if not isinstance(key, bytes) or not 0 < len(key) <= SEALED_SIZE_MAX:
        raise ValidationError(f"a sealed message's key is 1 to {SEALED_SIZE_MAX} bytes")
    if not isinstance(box, bytes) or len(box) < AEAD_NONCE_SIZE + AEAD_TAG_SIZE:
        raise ValidationError("a sealed message's box is nonce, ciphertext and tag")
    return SealedMessage(key, box)


def open_message(
    suite: CryptoSuite, locker_private: LockerKey, recipient: bytes, data: bytes
) -> MessagePlaintext:
    """Open a message sealed to ``recipient``; DecryptionError if this key cannot."""
    try:
        sealed = parse_sealed(data)
        data_key = locker_private.open(sealed.key)
    except (ValidationError, EnvelopeError) as exc:
        raise DecryptionError(f"the message does not open with this locker key: {exc}") from exc
    if len(data_key) != suite.aead_key_size:
        raise DecryptionError("the message's envelope does not hold a data key")
    try:
        opened = suite.open(data_key, sealed.box, aad_of(recipient))
    except DecryptionError as exc:
        raise DecryptionError(
            "the message does not decrypt: altered, or not to this account"
        ) from exc
    plaintext = MessagePlaintext.from_cbor(opened)
    if plaintext.recipient != recipient:
        raise DecryptionError("the message names another recipient")
    return plaintext


def message_id(suite: CryptoSuite, sealed: bytes) -> bytes:
    """The id of a message posted without a key: the suite hash of its sealed bytes."""
    return suite.hash(sealed)


def keyed_message_id(suite: CryptoSuite, sender: bytes, recipient: bytes, key: str) -> bytes:
    """The id of a message posted under a sender's key (the same message however often sent)."""
    if not MESSAGE_KEY_PATTERN.fullmatch(key):
        raise ValidationError("a message key is 1 to 64 characters of A-Z a-z 0-9 . _ / -")
    return suite.tagged_hash(MESSAGE_ID_DOMAIN, [sender, recipient, key])
