"""The ``CryptoSuite`` interface: one suite per chain, fixed at genesis (F-A5).

A suite bundles a signature scheme, a hash and an AEAD cipher for data at
rest. Public keys and signatures are plain ``bytes`` in the suite's own
format, so records that carry them stay simple values:

===========  =================================  ===========================
suite        public key                         signature
===========  =================================  ===========================
``gm``       SM2 point ``04 || x || y`` (65 B)  DER ``SEQUENCE{r, s}`` (<= 72 B)
``intl``     Ed25519 raw key (32 B)             Ed25519 (64 B)
===========  =================================  ===========================
"""

from __future__ import annotations

import hmac
import os
from abc import ABC, abstractmethod
from collections.abc import Sequence

from govchain.codec import tagged_digest
from govchain.crypto.batch import run_batch
from govchain.types.errors import DecryptionError, InvalidSignatureError

__all__ = ["AEAD_NONCE_SIZE", "AEAD_TAG_SIZE", "CryptoSuite", "SigningKey", "VerifyItem"]

AEAD_NONCE_SIZE = 12
AEAD_TAG_SIZE = 16

VerifyItem = tuple[bytes, bytes, bytes]
"""One check for :meth:`CryptoSuite.batch_verify`: (public key, message, signature)."""


class SigningKey(ABC):
    """A private key of one suite; it signs and knows its public key."""

    suite_name: str

    @property
    @abstractmethod
    def public_key(self) -> bytes:
        """The public key in the suite's format."""

    @abstractmethod
    def sign(self, message: bytes) -> bytes:
        """Sign ``message``; the signature is in the suite's format."""

    @abstractmethod
    def to_pem(self, password: bytes | None = None) -> bytes:
        """PKCS#8 PEM, encrypted when ``password`` is given."""

    @abstractmethod
    def public_key_pem(self) -> bytes:
        """SubjectPublicKeyInfo PEM of the public key."""


class CryptoSuite(ABC):
    """Signatures, hashing and authenticated encryption for one chain."""

    name: str
    hash_name: str
    hash_size = 32
    signature_algorithm: str
    public_key_size: int
    signature_size_max: int
    aead_key_size: int

    def ensure_available(self) -> None:  # noqa: B027  # most suites need no check
        """Fail now, with a clear message, if the platform cannot run this suite."""

    @abstractmethod
    def hash(self, data: bytes) -> bytes:
        """The suite hash (SM3 or SHA-256) of ``data``."""

    def keyed_hash(self, key: bytes, data: bytes) -> bytes:
        """HMAC of ``data`` under ``key`` with the suite hash (HMAC-SM3 or HMAC-SHA-256)."""
        return hmac.new(key, data, self.hash_name).digest()

    def tagged_hash(self, domain: str, value: object) -> bytes:
        """Hash of a domain tag and a value's canonical CBOR (see ``docs/formats.md``)."""
        return tagged_digest(self.hash_name, domain, value)

    @abstractmethod
    def generate_key(self) -> SigningKey:
        """A fresh private key from the operating system's CSPRNG."""

    @abstractmethod
    def verify(self, public_key: bytes, message: bytes, signature: bytes) -> bool:
        """True when ``signature`` is valid; malformed keys or signatures give False."""

    def verify_or_raise(self, public_key: bytes, message: bytes, signature: bytes) -> None:
        """Like :meth:`verify`, but raise :class:`InvalidSignatureError` on failure."""
        if not self.verify(public_key, message, signature):
            raise InvalidSignatureError(f"{self.signature_algorithm} signature does not verify")

    def batch_verify(self, items: Sequence[VerifyItem]) -> list[bool]:
        """Check many signatures at once, spread over every core; results keep the order."""
        return run_batch(self.verify, items)

    @abstractmethod
    def public_key_from_spki(self, der: bytes) -> bytes:
        """Public key bytes from a DER SubjectPublicKeyInfo of this suite's algorithm."""

    @abstractmethod
    def public_key_to_spki(self, public_key: bytes) -> bytes:
        """DER SubjectPublicKeyInfo for the public key bytes."""

    @abstractmethod
    def _aead_encrypt(self, key: bytes, nonce: bytes, plaintext: bytes, aad: bytes) -> bytes:
        """Ciphertext followed by the 16-byte tag."""

    @abstractmethod
    def _aead_decrypt(self, key: bytes, nonce: bytes, sealed: bytes, aad: bytes) -> bytes:
        """Plaintext, or :class:`DecryptionError` when the tag fails."""

    def seal(self, key: bytes, plaintext: bytes, aad: bytes = b"") -> bytes:
        """Encrypt data at rest (SM4-GCM or AES-256-GCM): ``nonce || ciphertext || tag``."""
        self._check_aead_key(key)
        nonce = os.urandom(AEAD_NONCE_SIZE)
        return nonce + self._aead_encrypt(key, nonce, plaintext, aad)

    def open(self, key: bytes, sealed: bytes, aad: bytes = b"") -> bytes:
        """Decrypt what :meth:`seal` made; :class:`DecryptionError` if altered or wrong key."""
        self._check_aead_key(key)
        if len(sealed) < AEAD_NONCE_SIZE + AEAD_TAG_SIZE:
            raise DecryptionError(
                f"sealed data is {len(sealed)} bytes; at least "
                f"{AEAD_NONCE_SIZE + AEAD_TAG_SIZE} are needed for nonce and tag"
            )
        nonce, body = sealed[:AEAD_NONCE_SIZE], sealed[AEAD_NONCE_SIZE:]
        return self._aead_decrypt(key, nonce, body, aad)

    def new_aead_key(self) -> bytes:
        """A fresh random key for :meth:`seal`."""
        return os.urandom(self.aead_key_size)

    def _check_aead_key(self, key: bytes) -> None:
        if len(key) != self.aead_key_size:
            raise DecryptionError(
                f"{self.name} data keys are {self.aead_key_size} bytes, got {len(key)}"
            )
