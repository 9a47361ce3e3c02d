"""Envelopes: a short secret (an asset's data key) sealed to a locker public key.

A locker key is a subject's encryption key pair, separate from its signing
key (``docs/spec/assets.md``, "Content"). One scheme per suite:

=========  ===================================  ==========================================
suite      locker public key                    envelope (``sealed``)
=========  ===================================  ==========================================
``gm``     SM2 point ``04 || x || y`` (65 B)    SM2 encryption (GM/T 0003.4), the GM/T 0009
                                                DER ``SEQUENCE{x, y, hash, ciphertext}``
                                                that ``openssl pkeyutl -encrypt`` writes
``intl``   X25519 raw key (32 B)                ``ephemeral_pub(32) || nonce(12) || ct || tag(16)``
=========  ===================================  ==========================================

The ``intl`` scheme (``X25519-HKDF-SHA256-AES-256-GCM``): a fresh X25519 key
pair per envelope; ``shared = X25519(ephemeral, recipient)``; the AES-256-GCM
key is ``HKDF-SHA256(salt = none, ikm = shared, info = INFO || ephemeral_pub
|| recipient_pub, length 32)`` with ``INFO`` =
``"govchain/envelope/v1/X25519-HKDF-SHA256-AES-256-GCM"``; no associated
data (both public keys are already bound into the key). Byte layouts and
vectors: ``docs/formats.md`` section 9.

Anything that does not open (wrong key, a changed byte, a malformed
envelope) raises :class:`EnvelopeError`, a :class:`DecryptionError`.
"""

from __future__ import annotations

import os
from abc import ABC, abstractmethod

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import x25519
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from govchain.crypto import sm2
from govchain.crypto.gm import GmSuite
from govchain.crypto.sm2_cipher import der_to_c1c3c2
from govchain.crypto.suite import AEAD_NONCE_SIZE, AEAD_TAG_SIZE, CryptoSuite
from govchain.types.errors import CryptoError, DecryptionError, InvalidKeyError

__all__ = [
    "SCHEMES",
    "SEALED_SIZE_MAX",
    "SECRET_SIZE_MAX",
    "X25519_HKDF_INFO",
    "EnvelopeError",
    "GmLockerKey",
    "IntlLockerKey",
    "LockerKey",
    "generate_locker_key",
    "locker_key_from_bytes",
    "seal_envelope",
    "x25519_envelope",
]

SECRET_SIZE_MAX = 64
"""The largest secret an envelope carries (a data key is 16 or 32 bytes)."""
SEALED_SIZE_MAX = 256
"""The largest envelope accepted (``docs/spec/assets.md``, "Content")."""
SCHEMES = {"gm": "SM2", "intl": "X25519-HKDF-SHA256-AES-256-GCM"}
"""The envelope scheme of each suite, by suite name."""
X25519_HKDF_INFO = b"govchain/envelope/v1/X25519-HKDF-SHA256-AES-256-GCM"

_X25519_SIZE = 32
_PRIVATE_SIZE = 32


class EnvelopeError(DecryptionError):
    """An envelope does not open: wrong locker key, altered, or malformed."""

    code = "envelope_not_opened"


class LockerKey(ABC):
    """A locker's private key: it opens envelopes sealed to its public key."""

    suite_name: str

    @property
    @abstractmethod
    def public_key(self) -> bytes:
        """The public key: a 65-byte SM2 point (gm) or 32 raw X25519 bytes (intl)."""

    @abstractmethod
    def private_bytes(self) -> bytes:
        """The 32-byte private key (SM2 scalar ``d``, or the X25519 private key)."""

    @abstractmethod
    def open(self, sealed: bytes) -> bytes:
        """The secret inside ``sealed``; :class:`EnvelopeError` if it does not open."""


class GmLockerKey(LockerKey):
    """An SM2 encryption key pair."""

    suite_name = "gm"

    def __init__(self, key: sm2.Sm2PrivateKey) -> None:
        self.sm2_key = key

    @property
    def public_key(self) -> bytes:
        return self.sm2_key.public_key.point

    def private_bytes(self) -> bytes:
        return self.sm2_key.to_scalar()

    def open(self, sealed: bytes) -> bytes:
        _check_sealed_size(sealed)
        try:
            der_to_c1c3c2(sealed)  # refuses anything but canonical GM/T 0009 DER
            secret = self.sm2_key.decrypt(sealed)
        except DecryptionError as exc:
            raise EnvelopeError(_NOT_OPENED + " (SM2)") from exc
        return _checked_secret(secret)


class IntlLockerKey(LockerKey):
    """An X25519 key pair."""

    suite_name = "intl"

    def __init__(self, key: x25519.X25519PrivateKey) -> None:
        self.x25519_key = key
        self._public = _raw_public(key.public_key())

    @property
    def public_key(self) -> bytes:
        return self._public

    def private_bytes(self) -> bytes:
        return self.x25519_key.private_bytes(
            serialization.Encoding.Raw,
            serialization.PrivateFormat.Raw,
            serialization.NoEncryption(),
        )

    def open(self, sealed: bytes) -> bytes:
        _check_sealed_size(sealed)
        head = _X25519_SIZE + AEAD_NONCE_SIZE
        if len(sealed) <= head + AEAD_TAG_SIZE:
            raise EnvelopeError(
                f"an X25519 envelope is longer than {head + AEAD_TAG_SIZE} bytes, got {len(sealed)}"
            )
        ephemeral_pub, nonce, body = sealed[:_X25519_SIZE], sealed[_X25519_SIZE:head], sealed[head:]
        try:
            peer = x25519.X25519PublicKey.from_public_bytes(ephemeral_pub)
            shared = self.x25519_key.exchange(peer)
        except ValueError as exc:  # a low-order point gives an all-zero secret
            raise EnvelopeError(_NOT_OPENED + " (bad ephemeral key)") from exc
        key = _hkdf(shared, ephemeral_pub, self._public)
        try:
            secret = AESGCM(key).decrypt(nonce, body, None)
        except InvalidTag as exc:
            raise EnvelopeError(_NOT_OPENED + " (X25519/AES-256-GCM)") from exc
        return _checked_secret(secret)


_NOT_OPENED = "the envelope does not open with this locker key: wrong key, or it was altered"


def generate_locker_key(suite: CryptoSuite) -> LockerKey:
    """A fresh locker key pair for ``suite``, from the operating system's CSPRNG."""
    if suite.name == "gm":
        return GmLockerKey(sm2.Sm2PrivateKey.generate())
    if suite.name == "intl":
        return IntlLockerKey(x25519.X25519PrivateKey.generate())
    raise CryptoError(f"no locker key scheme for suite {suite.name!r}")


def locker_key_from_bytes(suite: CryptoSuite, private: bytes) -> LockerKey:
    """Rebuild a locker key from :meth:`LockerKey.private_bytes`; :class:`InvalidKeyError`."""
    if len(private) != _PRIVATE_SIZE:
        raise InvalidKeyError(f"a locker private key is {_PRIVATE_SIZE} bytes, got {len(private)}")
    if suite.name == "gm":
        return GmLockerKey(sm2.Sm2PrivateKey.from_scalar(private))
    if suite.name == "intl":
        return IntlLockerKey(x25519.X25519PrivateKey.from_private_bytes(private))
    raise CryptoError(f"no locker key scheme for suite {suite.name!r}")


def seal_envelope(suite: CryptoSuite, public_key: bytes, secret: bytes) -> bytes:
    """Seal ``secret`` (1..64 bytes) to a locker public key of ``suite``.

    :class:`InvalidKeyError` if ``public_key`` is not a key of the suite's scheme.
    """
    _check_secret_to_seal(secret)
    if isinstance(suite, GmSuite):
        return suite.encrypt(public_key, secret)
    if suite.name == "intl":
        return x25519_envelope(
            public_key, secret, os.urandom(_PRIVATE_SIZE), os.urandom(AEAD_NONCE_SIZE)
        )
    raise CryptoError(f"no envelope scheme for suite {suite.name!r}")


def x25519_envelope(
    recipient_public: bytes, secret: bytes, ephemeral_private: bytes, nonce: bytes
) -> bytes:
    """The ``intl`` envelope with a given ephemeral key and nonce (deterministic).

    :func:`seal_envelope` calls it with fresh random ones; known-answer
    vectors call it with fixed ones. Never reuse an ephemeral key.
    """
    _check_secret_to_seal(secret)
    if len(recipient_public) != _X25519_SIZE:
        raise InvalidKeyError(
            f"an X25519 locker public key is {_X25519_SIZE} bytes, got {len(recipient_public)}"
        )
    if len(ephemeral_private) != _PRIVATE_SIZE or len(nonce) != AEAD_NONCE_SIZE:
        raise CryptoError("an X25519 envelope needs a 32-byte ephemeral key and a 12-byte nonce")
    ephemeral = x25519.X25519PrivateKey.from_private_bytes(ephemeral_private)
    ephemeral_pub = _raw_public(ephemeral.public_key())
    try:
        shared = ephemeral.exchange(x25519.X25519PublicKey.from_public_bytes(recipient_public))
    except ValueError as exc:
        raise InvalidKeyError("the X25519 locker public key is a low-order point") from exc
    key = _hkdf(shared, ephemeral_pub, recipient_public)
    return ephemeral_pub + nonce + AESGCM(key).encrypt(nonce, secret, None)


def _hkdf(shared: bytes, ephemeral_pub: bytes, recipient_pub: bytes) -> bytes:
    info = X25519_HKDF_INFO + ephemeral_pub + recipient_pub
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=info).derive(shared)


def _raw_public(key: x25519.X25519PublicKey) -> bytes:
    return key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


def _check_sealed_size(sealed: bytes) -> None:
    if not 0 < len(sealed) <= SEALED_SIZE_MAX:
        raise EnvelopeError(f"an envelope is 1 to {SEALED_SIZE_MAX} bytes, got {len(sealed)}")


def _check_secret_to_seal(secret: bytes) -> None:
    if not 0 < len(secret) <= SECRET_SIZE_MAX:
        raise CryptoError(f"an envelope seals 1 to {SECRET_SIZE_MAX} bytes, got {len(secret)}")


def _checked_secret(secret: bytes) -> bytes:
    if not 0 < len(secret) <= SECRET_SIZE_MAX:
        raise EnvelopeError(f"an envelope holds 1 to {SECRET_SIZE_MAX} bytes, got {len(secret)}")
    return secret
