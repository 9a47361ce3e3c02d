"""SM2 signatures and encryption (GM/T 0003, GM/T 0009) on OpenSSL 3 libcrypto.

Signing follows GM/T 0009: ``Z = SM3(ENTL || ID || a || b || xG || yG || xA || yA)``
and ``e = SM3(Z || M)``; the signature over ``e`` is DER ``SEQUENCE{r, s}``.
``Z`` depends only on the key and the ID, so it is computed once and cached
with the parsed key; each sign or verify then hashes the message and makes a
single ``EVP_PKEY_sign``/``EVP_PKEY_verify`` call on the digest. That is the
same signature ``EVP_DigestSign`` with ``EVP_PKEY_CTX_set1_id`` would make,
without rebuilding a digest context and ``Z`` on every call.

Public keys travel as the 65-byte uncompressed point ``04 || x || y``.
Encryption output is the GM/T 0009 DER form that ``openssl pkeyutl -encrypt``
writes; :mod:`govchain.crypto.sm2_cipher` converts it to and from raw C1C3C2.
"""

from __future__ import annotations

import base64
import threading
from collections import OrderedDict
from typing import Any

from asn1crypto import keys

from govchain.codec.hashing import digest
from govchain.crypto.libcrypto import Libcrypto, load, openssl_error
from govchain.types.errors import (
    CryptoError,
    DecryptionError,
    InvalidKeyError,
    KeyFileError,
)

__all__ = [
    "DEFAULT_ID",
    "POINT_SIZE",
    "SIGNATURE_SIZE_MAX",
    "Sm2PrivateKey",
    "Sm2PublicKey",
    "public_key",
    "scalar_from_uniform",
]

DEFAULT_ID = b"1234567812345678"
POINT_SIZE = 65
SIGNATURE_SIZE_MAX = 72
_SIGNATURE_SIZE_MIN = 8
_ID_SIZE_MAX = 8191  # ENTL is the ID's length in bits, in two bytes
_PLAINTEXT_SIZE_MAX = 1 << 20
_CIPHERTEXT_SIZE_MAX = _PLAINTEXT_SIZE_MAX + 256
_PUBLIC_KEY_CACHE_SIZE = 8192
_UNIFORM_SIZE_MIN = 40  # 64 bits above the order's 256: a bias of at most 2^-64

# Curve sm2p256v1 (GM/T 0003.5): the parameters that enter Z.
_CURVE_A = bytes.fromhex("FFFFFFFEFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF00000000FFFFFFFFFFFFFFFC")
_CURVE_B = bytes.fromhex("28E9FA9E9D9F5E344D5A9E4BCF6509A7F39789F515AB8F92DDBCBD414D940E93")
_CURVE_GX = bytes.fromhex("32C4AE2C1F1981195F9904466A39C9948FE30BBFF2660BE1715A4589334C74C7")
_CURVE_GY = bytes.fromhex("BC3736A2F4F6779C59BDCEE36B692153D0A9877CC62A474002DF32E52139F0A0")
_CURVE_ORDER = int("FFFFFFFEFFFFFFFFFFFFFFFFFFFFFFFF7203DF6B21C6052B53BBF40939D54123", 16)

# SubjectPublicKeyInfo{id-ecPublicKey, sm2p256v1} header before a 65-byte point,
# and SEC1 ECPrivateKey{1, d, [0] sm2p256v1} around a 32-byte scalar.
_SPKI_PREFIX = bytes.fromhex("3059301306072a8648ce3d020106082a811ccf5501822d034200")
_SEC1_PREFIX = bytes.fromhex("30310201010420")
_SEC1_SUFFIX = bytes.fromhex("a00a06082a811ccf5501822d")


def _sm3(data: bytes) -> bytes:
    return digest("sm3", data)


def _check_id(user_id: bytes) -> None:
    if len(user_id) > _ID_SIZE_MAX:
        raise CryptoError(f"SM2 user ID is {len(user_id)} bytes; at most {_ID_SIZE_MAX}")


class Sm2PublicKey:
    """A parsed SM2 public key; cheap to share between threads."""

    __slots__ = ("_crypto", "_pkey", "_z_lock", "_z_values", "point")

    def __init__(self, crypto: Libcrypto, pkey: Any, point: bytes) -> None:
        self._crypto = crypto
        self._pkey = pkey
        self.point = point
        self._z_values: dict[bytes, bytes] = {}
        self._z_lock = threading.Lock()

    @classmethod
    def from_point(cls, point: bytes) -> Sm2PublicKey:
        """Parse ``04 || x || y``; raises :class:`InvalidKeyError` if it is not on the curve."""
        if len(point) != POINT_SIZE or point[0] != 0x04:
            raise InvalidKeyError(
                f"SM2 public key must be {POINT_SIZE} bytes starting 04, got {len(point)} bytes"
            )
        return cls.from_spki_der(_SPKI_PREFIX + point)

    @classmethod
    def from_spki_der(cls, der: bytes) -> Sm2PublicKey:
        """Parse a DER SubjectPublicKeyInfo holding an SM2 key."""
        crypto = load()
        ffi, lib = crypto.ffi, crypto.lib
        src = ffi.new("const unsigned char **", ffi.from_buffer(der))
        pkey = lib.d2i_PUBKEY(ffi.NULL, src, len(der))
        if pkey == ffi.NULL:
            raise InvalidKeyError(openssl_error(crypto, "parsing the SM2 public key"))
        pkey = ffi.gc(pkey, lib.EVP_PKEY_free)
        if not lib.EVP_PKEY_is_a(pkey, b"SM2"):
            raise InvalidKeyError("the public key is not an SM2 key")
        return cls(crypto, pkey, _encoded_point(crypto, pkey))

    def spki_der(self) -> bytes:
        """The DER SubjectPublicKeyInfo of this key."""
        return _SPKI_PREFIX + self.point

    def z_value(self, user_id: bytes = DEFAULT_ID) -> bytes:
        """``Z_A`` of GM/T 0003.2 for this key and user ID (cached)."""
        z = self._z_values.get(user_id)
        if z is None:
            _check_id(user_id)
            bits = (len(user_id) * 8).to_bytes(2, "big")
            z = _sm3(bits + user_id + _CURVE_A + _CURVE_B + _CURVE_GX + _CURVE_GY + self.point[1:])
            with self._z_lock:
                if len(self._z_values) < 16:
                    self._z_values[user_id] = z
        return z

    def message_digest(self, message: bytes, user_id: bytes = DEFAULT_ID) -> bytes:
        """``e = SM3(Z || M)``, what the signature actually covers."""
        return _sm3(self.z_value(user_id) + message)

    def verify(self, message: bytes, signature: bytes, user_id: bytes = DEFAULT_ID) -> bool:
        """True when ``signature`` (strict DER) is this key's SM2 signature of ``message``."""
        if not _SIGNATURE_SIZE_MIN <= len(signature) <= SIGNATURE_SIZE_MAX:
            return False
        return self.verify_digest(self.message_digest(message, user_id), signature)

    def verify_digest(self, digest: bytes, signature: bytes) -> bool:
        """Verify a signature over a precomputed ``e`` (see :meth:`message_digest`)."""
        ffi, lib = self._crypto.ffi, self._crypto.lib
        ctx = lib.EVP_PKEY_CTX_new(self._pkey, ffi.NULL)
        if ctx == ffi.NULL:
            raise CryptoError(openssl_error(self._crypto, "EVP_PKEY_CTX_new"))
        try:
            if lib.EVP_PKEY_verify_init(ctx) != 1:
                raise CryptoError(openssl_error(self._crypto, "EVP_PKEY_verify_init"))
            result = lib.EVP_PKEY_verify(ctx, signature, len(signature), digest, len(digest))
        finally:
            lib.EVP_PKEY_CTX_free(ctx)
        if result != 1:
            lib.ERR_clear_error()
            return False
        return True

    def encrypt(self, plaintext: bytes) -> bytes:
        """SM2-encrypt to this key; returns the GM/T 0009 DER ciphertext."""
        if not 0 < len(plaintext) <= _PLAINTEXT_SIZE_MAX:
            raise CryptoError(f"SM2 plaintext must be 1 to {_PLAINTEXT_SIZE_MAX} bytes")
        return _pkey_crypt(self._crypto, self._pkey, plaintext, decrypt=False)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Sm2PublicKey) and other.point == self.point

    def __hash__(self) -> int:
        return hash(self.point)

    def __repr__(self) -> str:
        return f"Sm2PublicKey({self.point[:9].hex()}...)"


class Sm2PrivateKey:
    """An SM2 private key held by libcrypto."""

    __slots__ = ("_crypto", "_pkey", "public_key")

    def __init__(self, crypto: Libcrypto, pkey: Any) -> None:
        self._crypto = crypto
        self._pkey = pkey
        self.public_key = Sm2PublicKey(crypto, pkey, _encoded_point(crypto, pkey))

    @classmethod
    def generate(cls) -> Sm2PrivateKey:
        """A fresh key from OpenSSL's CSPRNG."""
        crypto = load()
        ffi, lib = crypto.ffi, crypto.lib
        ctx = lib.EVP_PKEY_CTX_new_from_name(ffi.NULL, b"SM2", ffi.NULL)
        if ctx == ffi.NULL:
            raise CryptoError(openssl_error(crypto, "EVP_PKEY_CTX_new_from_name(SM2)"))
        out = ffi.new("EVP_PKEY **")
        try:
            if lib.EVP_PKEY_keygen_init(ctx) != 1 or lib.EVP_PKEY_generate(ctx, out) != 1:
                raise CryptoError(openssl_error(crypto, "SM2 key generation"))
        finally:
            lib.EVP_PKEY_CTX_free(ctx)
        return cls(crypto, ffi.gc(out[0], lib.EVP_PKEY_free))

    @classmethod
    def from_scalar(cls, scalar: bytes) -> Sm2PrivateKey:
        """Build a key from its 32-byte secret ``d`` (1 <= d < n - 1), e.g. for test vectors."""
        d = int.from_bytes(scalar, "big")
        if len(scalar) != 32 or not 1 <= d < _CURVE_ORDER - 1:
            raise InvalidKeyError("an SM2 private scalar is 32 bytes with 1 <= d < n - 1")
        return cls.from_der(_SEC1_PREFIX + scalar + _SEC1_SUFFIX)

    @classmethod
    def from_der(cls, der: bytes) -> Sm2PrivateKey:
        """Parse an unencrypted PKCS#8 or SEC1 DER private key."""
        crypto = load()
        ffi, lib = crypto.ffi, crypto.lib
        src = ffi.new("const unsigned char **", ffi.from_buffer(der))
        pkey = lib.d2i_AutoPrivateKey(ffi.NULL, src, len(der))
        if pkey == ffi.NULL:
            raise InvalidKeyError(openssl_error(crypto, "parsing the SM2 private key"))
        return cls._checked(crypto, ffi.gc(pkey, lib.EVP_PKEY_free))

    @classmethod
    def from_pem(cls, pem: bytes, password: bytes | None = None) -> Sm2PrivateKey:
        """Read PKCS#8 PEM, encrypted when ``password`` is given."""
        crypto = load()
        ffi, lib = crypto.ffi, crypto.lib
        bio = lib.BIO_new_mem_buf(ffi.from_buffer(pem), len(pem))
        # A non-NULL pass phrase (empty when none is given) keeps OpenSSL from
        # ever prompting on the terminal for an encrypted key.
        phrase = ffi.new("char[]", password or b"")
        try:
            pkey = lib.PEM_read_bio_PrivateKey(bio, ffi.NULL, ffi.NULL, phrase)
        finally:
            lib.BIO_free(bio)
        if pkey == ffi.NULL:
            hint = " (wrong password?)" if b"ENCRYPTED" in pem else ""
            raise KeyFileError(openssl_error(crypto, "reading the SM2 private key") + hint)
        return cls._checked(crypto, ffi.gc(pkey, lib.EVP_PKEY_free))

    @classmethod
    def _checked(cls, crypto: Libcrypto, pkey: Any) -> Sm2PrivateKey:
        if not crypto.lib.EVP_PKEY_is_a(pkey, b"SM2"):
            raise InvalidKeyError("the private key is not an SM2 key")
        return cls(crypto, pkey)

    def to_scalar(self) -> bytes:
        """The 32-byte secret ``d``, big-endian: the inverse of :meth:`from_scalar`."""
        pem = self.to_pem()
        body = b"".join(line for line in pem.splitlines() if line and not line.startswith(b"-"))
        info: Any = keys.PrivateKeyInfo.load(base64.b64decode(body))
        d: int = info["private_key"].parsed["private_key"].native
        return d.to_bytes(32, "big")

    def to_pem(self, password: bytes | None = None) -> bytes:
        """PKCS#8 PEM; with a password, PBES2 (PBKDF2, AES-256-CBC) as OpenSSL writes it."""
        ffi, lib = self._crypto.ffi, self._crypto.lib
        bio = lib.BIO_new(lib.BIO_s_mem())
        try:
            if password:
                ok = lib.PEM_write_bio_PKCS8PrivateKey(
                    bio, self._pkey, lib.EVP_aes_256_cbc(), password, len(password),
                    ffi.NULL, ffi.NULL,
                )  # fmt: skip
            else:
                ok = lib.PEM_write_bio_PKCS8PrivateKey(
                    bio, self._pkey, ffi.NULL, ffi.NULL, 0, ffi.NULL, ffi.NULL
                )
            if ok != 1:
                raise CryptoError(openssl_error(self._crypto, "writing the SM2 private key"))
            return self._crypto.bio_bytes(bio)
        finally:
            lib.BIO_free(bio)

    def sign(self, message: bytes, user_id: bytes = DEFAULT_ID) -> bytes:
        """SM2 signature of ``message`` under ``user_id``, DER ``SEQUENCE{r, s}``."""
        return self.sign_digest(self.public_key.message_digest(message, user_id))

    def sign_digest(self, digest: bytes) -> bytes:
        """Sign a precomputed ``e``; the nonce comes from OpenSSL's CSPRNG."""
        ffi, lib = self._crypto.ffi, self._crypto.lib
        ctx = lib.EVP_PKEY_CTX_new(self._pkey, ffi.NULL)
        if ctx == ffi.NULL:
            raise CryptoError(openssl_error(self._crypto, "EVP_PKEY_CTX_new"))
        sig = ffi.new("unsigned char[]", SIGNATURE_SIZE_MAX)
        size = ffi.new("size_t *", SIGNATURE_SIZE_MAX)
        try:
            if lib.EVP_PKEY_sign_init(ctx) != 1:
                raise CryptoError(openssl_error(self._crypto, "EVP_PKEY_sign_init"))
            if lib.EVP_PKEY_sign(ctx, sig, size, digest, len(digest)) != 1:
                raise CryptoError(openssl_error(self._crypto, "SM2 signing"))
        finally:
            lib.EVP_PKEY_CTX_free(ctx)
        return bytes(ffi.buffer(sig, size[0]))

    def decrypt(self, ciphertext: bytes) -> bytes:
        """Decrypt a GM/T 0009 DER ciphertext; :class:`DecryptionError` if it is not ours."""
        if not 0 < len(ciphertext) <= _CIPHERTEXT_SIZE_MAX:
            raise DecryptionError(f"SM2 ciphertext must be 1 to {_CIPHERTEXT_SIZE_MAX} bytes")
        return _pkey_crypt(self._crypto, self._pkey, ciphertext, decrypt=True)


def scalar_from_uniform(data: bytes) -> bytes:
    """A private scalar for :meth:`Sm2PrivateKey.from_scalar` from uniform random bytes.

    Parameters: ``data``, at least 40 bytes from a CSPRNG or a KDF.
    Returns: ``d = (data as a big-endian integer) mod (n - 2) + 1`` as 32
    bytes, so ``1 <= d <= n - 2`` (GM/T 0003.1 excludes ``n - 1``). The
    extra 64 bits keep the reduction's bias below 2^-64.
    """
    if len(data) < _UNIFORM_SIZE_MIN:
        raise CryptoError(f"an SM2 scalar needs at least {_UNIFORM_SIZE_MIN} uniform bytes")
    d = int.from_bytes(data, "big") % (_CURVE_ORDER - 2) + 1
    return d.to_bytes(32, "big")


def _encoded_point(crypto: Libcrypto, pkey: Any) -> bytes:
    ffi, lib = crypto.ffi, crypto.lib
    buf = ffi.new("unsigned char[]", POINT_SIZE)
    size = ffi.new("size_t *")
    ok = lib.EVP_PKEY_get_octet_string_param(pkey, b"encoded-pub-key", buf, POINT_SIZE, size)
    if ok != 1 or size[0] != POINT_SIZE:
        raise InvalidKeyError(openssl_error(crypto, "reading the SM2 public point"))
    return bytes(ffi.buffer(buf, POINT_SIZE))


def _pkey_crypt(crypto: Libcrypto, pkey: Any, data: bytes, *, decrypt: bool) -> bytes:
    ffi, lib = crypto.ffi, crypto.lib
    init, run = (
        (lib.EVP_PKEY_decrypt_init, lib.EVP_PKEY_decrypt)
        if decrypt
        else (lib.EVP_PKEY_encrypt_init, lib.EVP_PKEY_encrypt)
    )
    error = DecryptionError if decrypt else CryptoError
    what = "SM2 decryption" if decrypt else "SM2 encryption"
    ctx = lib.EVP_PKEY_CTX_new(pkey, ffi.NULL)
    if ctx == ffi.NULL:
        raise CryptoError(openssl_error(crypto, "EVP_PKEY_CTX_new"))
    try:
        size = ffi.new("size_t *")
        if init(ctx) != 1 or run(ctx, ffi.NULL, size, data, len(data)) != 1:
            raise error(openssl_error(crypto, what))
        out = ffi.new("unsigned char[]", size[0])
        if run(ctx, out, size, data, len(data)) != 1:
            raise error(openssl_error(crypto, what))
        return bytes(ffi.buffer(out, size[0]))
    finally:
        lib.EVP_PKEY_CTX_free(ctx)


_cache_lock = threading.Lock()
_public_keys: OrderedDict[bytes, Sm2PublicKey] = OrderedDict()


def public_key(point: bytes) -> Sm2PublicKey:
    """The parsed key for ``point``, from a bounded LRU cache shared by all threads.

    Parsing checks the point is on the curve and costs about as much as a
    hash; a node sees the same few thousand signers again and again.
    """
    with _cache_lock:
        key = _public_keys.get(point)
        if key is not None:
            _public_keys.move_to_end(point)
            return key
    key = Sm2PublicKey.from_point(point)
    with _cache_lock:
        _public_keys[point] = key
        if len(_public_keys) > _PUBLIC_KEY_CACHE_SIZE:
            _public_keys.popitem(last=False)
    return key
