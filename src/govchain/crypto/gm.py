"""The ``gm`` suite: SM2 signatures (GM/T 0009), SM3 hashing, SM4-GCM at rest."""

from __future__ import annotations

import base64

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

from govchain.codec.hashing import digest
from govchain.crypto import sm2
from govchain.crypto.libcrypto import load
from govchain.crypto.suite import AEAD_TAG_SIZE, CryptoSuite, SigningKey
from govchain.types.errors import DecryptionError, InvalidKeyError

__all__ = ["GmSigningKey", "GmSuite", "spki_pem"]


def spki_pem(der: bytes) -> bytes:
    """Wrap a DER SubjectPublicKeyInfo as a PUBLIC KEY PEM block."""
    body = base64.encodebytes(der)
    return b"-----BEGIN PUBLIC KEY-----\n" + body + b"-----END PUBLIC KEY-----\n"


class GmSigningKey(SigningKey):
    """An SM2 private key bound to the suite's signer ID."""

    suite_name = "gm"

    def __init__(self, key: sm2.Sm2PrivateKey, user_id: bytes = sm2.DEFAULT_ID) -> None:
        self.sm2_key = key
        self.user_id = user_id

    @property
    def public_key(self) -> bytes:
        return self.sm2_key.public_key.point

    def sign(self, message: bytes) -> bytes:
        return self.sm2_key.sign(message, self.user_id)

    def decrypt(self, ciphertext: bytes) -> bytes:
        """Decrypt a GM/T 0009 DER SM2 ciphertext addressed to this key."""
        return self.sm2_key.decrypt(ciphertext)

    def to_pem(self, password: bytes | None = None) -> bytes:
        return self.sm2_key.to_pem(password)

    def public_key_pem(self) -> bytes:
        return spki_pem(self.sm2_key.public_key.spki_der())


class GmSuite(CryptoSuite):
    """SM2 + SM3 + SM4-GCM. ``user_id`` is the GM/T 0009 signer ID for the chain."""

    name = "gm"
    hash_name = "sm3"
    signature_algorithm = "sm2-sm3"
    public_key_size = sm2.POINT_SIZE
    signature_size_max = sm2.SIGNATURE_SIZE_MAX
    aead_key_size = 16

    def __init__(self, user_id: bytes = sm2.DEFAULT_ID) -> None:
        self.user_id = user_id

    def ensure_available(self) -> None:
        """Load libcrypto now; :class:`CryptoUnavailableError` if it lacks SM2 or SM3."""
        load()

    def hash(self, data: bytes) -> bytes:
        return digest("sm3", data)

    def generate_key(self) -> GmSigningKey:
        return GmSigningKey(sm2.Sm2PrivateKey.generate(), self.user_id)

    def verify(self, public_key: bytes, message: bytes, signature: bytes) -> bool:
        try:
            key = sm2.public_key(public_key)
        except InvalidKeyError:
            return False
        return key.verify(message, signature, self.user_id)

    def encrypt(self, public_key: bytes, plaintext: bytes) -> bytes:
        """SM2-encrypt to ``public_key``; GM/T 0009 DER, as ``openssl pkeyutl`` writes."""
        return sm2.public_key(public_key).encrypt(plaintext)

    def public_key_from_spki(self, der: bytes) -> bytes:
        return sm2.Sm2PublicKey.from_spki_der(der).point

    def public_key_to_spki(self, public_key: bytes) -> bytes:
        return sm2.public_key(public_key).spki_der()

    def _aead_encrypt(self, key: bytes, nonce: bytes, plaintext: bytes, aad: bytes) -> bytes:
        encryptor = Cipher(algorithms.SM4(key), modes.GCM(nonce)).encryptor()
        encryptor.authenticate_additional_data(aad)
        body = encryptor.update(plaintext) + encryptor.finalize()
        return body + encryptor.tag

    def _aead_decrypt(self, key: bytes, nonce: bytes, sealed: bytes, aad: bytes) -> bytes:
        body, tag = sealed[:-AEAD_TAG_SIZE], sealed[-AEAD_TAG_SIZE:]
        decryptor = Cipher(algorithms.SM4(key), modes.GCM(nonce, tag)).decryptor()
        decryptor.authenticate_additional_data(aad)
        try:
            return decryptor.update(body) + decryptor.finalize()
        except InvalidTag as exc:
            raise DecryptionError(
                "SM4-GCM tag mismatch: wrong key, or the data was altered"
            ) from exc
