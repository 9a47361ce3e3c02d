"""Asset content encryption and key envelopes, on the client only (F-C1, F-C7).

``docs/spec/assets.md`` ("Content") fixes the forms; ``docs/formats.md``
section 9 gives the byte layouts and vectors. Each asset version gets a
fresh data key (the suite AEAD key: SM4-GCM under ``gm``, AES-256-GCM under
``intl``). The plaintext is canonical CBOR ``{"fields": {...}, "file":
{"name", "bytes"}}`` (``file`` absent when there is no document); the blob
is ``nonce(12) || ciphertext || tag(16)`` with associated data
``"govchain/asset/v1" || content_id(16) || version`` (3 ASCII digits), so a
blob moved to another asset or version does not decrypt. The data key then
travels only in envelopes sealed to readers' locker keys
(:mod:`govchain.crypto.envelopes`). None of this runs on a node.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import Any

from govchain.codec import CodecError, Limits, decode, encode
from govchain.contracts.assets.checks import CONTENT_METHODS
from govchain.contracts.assets.content import MAX_BLOB
from govchain.contracts.assets.records import CONTENT_ID_SIZE
from govchain.crypto.envelopes import EnvelopeError, LockerKey, seal_envelope
from govchain.crypto.suite import AEAD_NONCE_SIZE, AEAD_TAG_SIZE, CryptoSuite
from govchain.types.errors import DecryptionError, ValidationError

__all__ = [
    "CONTENT_DOMAIN",
    "Plaintext",
    "content_aad",
    "content_method",
    "decrypt_content",
    "encrypt_content",
    "envelope_for",
    "new_content_id",
    "open_envelope",
]

CONTENT_DOMAIN = b"govchain/asset/v1"
"""The associated data's prefix: it binds a blob to its content id and version."""

_VERSION_MAX = 999
_FIELDS_MAX = 64
_FIELD_NAME_MAX = 64
_FIELD_TEXT_MAX = 4096
_FILE_NAME_MAX = 255
_PLAINTEXT_MAX = MAX_BLOB - AEAD_NONCE_SIZE - AEAD_TAG_SIZE
_PLAINTEXT_LIMITS = Limits(
    max_bytes=_PLAINTEXT_MAX, max_depth=3, max_items=_FIELDS_MAX, max_string_bytes=_PLAINTEXT_MAX
)


@dataclass(frozen=True, slots=True)
class Plaintext:
    """An asset version's content: its fields and, optionally, its document ``(name, bytes)``."""

    fields: dict[str, Any] = field(default_factory=dict)
    file: tuple[str, bytes] | None = None

    def validate(self) -> None:
        """:class:`ValidationError` naming the first rule broken."""
        if not isinstance(self.fields, dict) or len(self.fields) > _FIELDS_MAX:
            raise ValidationError(f"content fields must be a map of at most {_FIELDS_MAX} entries")
        for name, value in self.fields.items():
            if not isinstance(name, str) or not 0 < len(name) <= _FIELD_NAME_MAX:
                raise ValidationError(f"a field name is 1 to {_FIELD_NAME_MAX} characters")
            if isinstance(value, bool) or not isinstance(value, str | int):
                raise ValidationError(f"field {name!r} must be text or an integer")
            if isinstance(value, str) and len(value) > _FIELD_TEXT_MAX:
                raise ValidationError(f"field {name!r} is over {_FIELD_TEXT_MAX} characters")
        if self.file is not None:
            _check_file(self.file)

    def to_cbor(self) -> bytes:
        """The canonical CBOR plaintext that is encrypted."""
        value: dict[str, object] = {"fields": self.fields}
        if self.file is not None:
            value["file"] = {"name": self.file[0], "bytes": self.file[1]}
        try:
            return encode(value)
        except CodecError as exc:  # an integer beyond 64 bits, a lone surrogate
            raise ValidationError(f"the content cannot be encoded: {exc}") from exc

    @classmethod
    def from_cbor(cls, data: bytes) -> Plaintext:
        """Parse a decrypted plaintext; :class:`ValidationError` unless ``{fields, file?}``."""
        try:
            value = decode(data, _PLAINTEXT_LIMITS)
        except CodecError as exc:
            raise ValidationError(f"the decrypted content is not canonical CBOR: {exc}") from exc
        if not isinstance(value, dict) or set(value) not in ({"fields"}, {"fields", "file"}):
            raise ValidationError("the decrypted content is not a map {fields, file?}")
        file = value.get("file")
        if file is not None:
            if not isinstance(file, dict) or set(file) != {"name", "bytes"}:
                raise ValidationError("the content's file is not a map {name, bytes}")
            file = (file["name"], file["bytes"])
        plaintext = cls(value["fields"], file)
        plaintext.validate()
        return plaintext


def new_content_id() -> bytes:
    """16 random bytes naming one asset version (chosen before encrypting)."""
    return os.urandom(CONTENT_ID_SIZE)


def content_aad(content_id: bytes, version: int) -> bytes:
    """The associated data of a content blob: domain, content id, version as 3 digits."""
    if not isinstance(content_id, bytes) or len(content_id) != CONTENT_ID_SIZE:
        raise ValidationError(f"a content id is {CONTENT_ID_SIZE} bytes")
    if isinstance(version, bool) or not isinstance(version, int):
        raise ValidationError("an asset version is an integer")
    if not 1 <= version <= _VERSION_MAX:
        raise ValidationError(f"an asset version is 1..{_VERSION_MAX}, got {version}")
    return CONTENT_DOMAIN + content_id + b"%03d" % version


def content_method(suite: CryptoSuite) -> str:
    """``SM4-GCM`` (gm) or ``AES-256-GCM`` (intl): the record's ``content.method``."""
    try:
        return CONTENT_METHODS[suite.name]
    except KeyError:
        raise ValidationError(f"no content method for suite {suite.name!r}") from None


def encrypt_content(
    suite: CryptoSuite,
    content_id: bytes,
    version: int,
    fields: dict[str, Any],
    file: tuple[str, bytes] | None,
    data_key: bytes | None = None,
) -> tuple[bytes, bytes]:
    """Encrypt one asset version under a fresh data key (or the one given, of the suite's
    size): ``(data_key, blob)``."""
    aad = content_aad(content_id, version)
    plaintext = Plaintext(dict(fields), file)
    plaintext.validate()
    data = plaintext.to_cbor()
    if len(data) > _PLAINTEXT_MAX:
        raise ValidationError(
            f"the content is {len(data)} bytes; at most {_PLAINTEXT_MAX} fit in a blob "
            f"of {MAX_BLOB} bytes"
        )
    if data_key is None:
        data_key = suite.new_aead_key()
    elif len(data_key) != suite.aead_key_size:
        raise ValidationError(f"a {suite.name} data key is {suite.aead_key_size} bytes")
    return data_key, suite.seal(data_key, data, aad)


def decrypt_content(
    suite: CryptoSuite, data_key: bytes, content_id: bytes, version: int, blob: bytes
) -> Plaintext:
    """Decrypt a content blob of (content id, version); :class:`DecryptionError` if it fails."""
    aad = content_aad(content_id, version)
    if len(blob) > MAX_BLOB:
        raise DecryptionError(f"a content blob is at most {MAX_BLOB} bytes, got {len(blob)}")
    try:
        data = suite.open(data_key, blob, aad)
    except DecryptionError as exc:
        raise DecryptionError(
            "the content does not decrypt: wrong data key, an altered blob, "
            "or the blob of another asset or version"
        ) from exc
    return Plaintext.from_cbor(data)


def envelope_for(suite: CryptoSuite, locker_public_key: bytes, data_key: bytes) -> bytes:
    """Seal ``data_key`` to a reader's locker public key (the envelope's ``sealed``)."""
    if len(data_key) != suite.aead_key_size:
        raise ValidationError(f"a {suite.name} data key is {suite.aead_key_size} bytes")
    return seal_envelope(suite, locker_public_key, data_key)


def open_envelope(suite: CryptoSuite, locker_private: LockerKey, sealed: bytes) -> bytes:
    """The data key in ``sealed``; :class:`EnvelopeError` if this locker key does not open it."""
    if locker_private.suite_name != suite.name:
        raise EnvelopeError(
            f"a {locker_private.suite_name} locker key cannot open a {suite.name} envelope"
        )
    data_key = locker_private.open(sealed)
    if len(data_key) != suite.aead_key_size:
        raise EnvelopeError(
            f"the envelope holds {len(data_key)} bytes, not a {suite.aead_key_size}-byte data key"
        )
    return data_key


def _check_file(file: object) -> None:
    if not isinstance(file, tuple) or len(file) != 2:
        raise ValidationError("a content file is a pair (name, bytes)")
    name, data = file
    if not isinstance(name, str) or not 0 < len(name) <= _FILE_NAME_MAX:
        raise ValidationError(f"a file name is 1 to {_FILE_NAME_MAX} characters")
    if name in {".", ".."} or any(c in name for c in "/\\\0") or not name.isprintable():
        raise ValidationError("a file name is a plain name: no path, no control characters")
    if not isinstance(data, bytes):
        raise ValidationError("a content file's bytes must be bytes")
