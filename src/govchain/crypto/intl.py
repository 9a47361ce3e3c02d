"""The ``intl`` suite: Ed25519, SHA-256 and AES-256-GCM, from ``cryptography``."""

from __future__ import annotations

import hashlib

from cryptography.exceptions import InvalidSignature, InvalidTag
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ed25519
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from govchain.crypto.suite import CryptoSuite, SigningKey
from govchain.types.errors import DecryptionError, InvalidKeyError

__all__ = ["ED25519_SPKI_PREFIX", "IntlSigningKey", "IntlSuite"]

ED25519_SPKI_PREFIX = bytes.fromhex("302a300506032b6570032100")
_PUBLIC_KEY_SIZE = 32
_SIGNATURE_SIZE = 64


class IntlSigningKey(SigningKey):
    """An Ed25519 private key."""

    suite_name = "intl"

    def __init__(self, key: ed25519.Ed25519PrivateKey) -> None:
        self.ed25519_key = key
        self._public = key.public_key().public_bytes(
            serialization.Encoding.Raw, serialization.PublicFormat.Raw
        )

    @property
    def public_key(self) -> bytes:
        return self._public

    def sign(self, message: bytes) -> bytes:
        return self.ed25519_key.sign(message)

    def to_pem(self, password: bytes | None = None) -> bytes:
        encryption: serialization.KeySerializationEncryption = (
            serialization.BestAvailableEncryption(password)
            if password
            else serialization.NoEncryption()
        )
        return self.ed25519_key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, encryption
        )

    def public_key_pem(self) -> bytes:
        return self.ed25519_key.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        )


class IntlSuite(CryptoSuite):
    """Ed25519 + SHA-256 + AES-256-GCM."""

    name = "intl"
    hash_name = "sha256"
    signature_algorithm = "ed25519"
    public_key_size = _PUBLIC_KEY_SIZE
    signature_size_max = _SIGNATURE_SIZE
    aead_key_size = 32

    def hash(self, data: bytes) -> bytes:
        return hashlib.sha256(data).digest()

    def generate_key(self) -> IntlSigningKey:
        return IntlSigningKey(ed25519.Ed25519PrivateKey.generate())

    def verify(self, public_key: bytes, message: bytes, signature: bytes) -> bool:
        if len(public_key) != _PUBLIC_KEY_SIZE or len(signature) != _SIGNATURE_SIZE:
            return False
        try:
            ed25519.Ed25519PublicKey.from_public_bytes(public_key).verify(signature, message)
        except (InvalidSignature, ValueError):
            return False
        return True

    def public_key_from_spki(self, der: bytes) -> bytes:
        if len(der) != len(ED25519_SPKI_PREFIX) + _PUBLIC_KEY_SIZE or not der.startswith(
            ED25519_SPKI_PREFIX
        ):
            raise InvalidKeyError("not an Ed25519 SubjectPublicKeyInfo")
        return der[len(ED25519_SPKI_PREFIX) :]

    def public_key_to_spki(self, public_key: bytes) -> bytes:
        if len(public_key) != _PUBLIC_KEY_SIZE:
            raise InvalidKeyError(f"Ed25519 public keys are {_PUBLIC_KEY_SIZE} bytes")
        return ED25519_SPKI_PREFIX + public_key

    def _aead_encrypt(self, key: bytes, nonce: bytes, plaintext: bytes, aad: bytes) -> bytes:
        return AESGCM(key).encrypt(nonce, plaintext, aad)

    def _aead_decrypt(self, key: bytes, nonce: bytes, sealed: bytes, aad: bytes) -> bytes:
        try:
            return AESGCM(key).decrypt(nonce, sealed, aad)
        except InvalidTag as exc:
            raise DecryptionError(
                "AES-256-GCM tag mismatch: wrong key, or the data was altered"
            ) from exc
