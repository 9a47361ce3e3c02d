"""A private key wrapped under a key derived from a password (locker keys, F-C1).

The wrapped form is canonical CBOR (``docs/formats.md`` section 9)::

    {"v": 1,
     "kdf": {"name": "scrypt", "n": N, "r": R, "p": P, "salt": SALT}
          | {"name": "pbkdf2-hmac-sm3", "iterations": I, "salt": SALT},
     "sealed": nonce(12) || ciphertext || tag(16)}

``sealed`` is the suite AEAD (SM4-GCM under ``gm``, AES-256-GCM under
``intl``) under ``KDF(password, salt)`` (16 or 32 bytes, the suite's AEAD
key size), with associated data ``"govchain/locker-key/v1" || address``: a
blob made for one account does not unwrap as another's. The KDF parameters
travel with the blob, and :func:`unwrap_secret` refuses any outside fixed
bounds before it derives anything, so a hostile blob cannot make a client
spend minutes or gigabytes. A wrong password raises
:class:`WrongPasswordError` (``wrong_password``); a malformed blob
:class:`ValidationError`.
"""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass
from typing import Any

from cryptography.hazmat.primitives.kdf.scrypt import Scrypt

from govchain.codec import CodecError, Limits, decode, encode
from govchain.crypto.suite import CryptoSuite
from govchain.types.errors import DecryptionError, ValidationError

__all__ = [
    "ADDRESS_SIZE",
    "KDF_NAMES",
    "PBKDF2_SM3",
    "SCRYPT",
    "WRAP_DOMAIN",
    "KdfParams",
    "Pbkdf2Params",
    "ScryptParams",
    "WrappedKey",
    "WrongPasswordError",
    "default_params",
    "derive_key",
    "unwrap_secret",
    "wrap_secret",
]

WRAP_DOMAIN = b"govchain/locker-key/v1"
FORMAT_VERSION = 1
ADDRESS_SIZE = 20
SCRYPT = "scrypt"
PBKDF2_SM3 = "pbkdf2-hmac-sm3"
KDF_NAMES = (SCRYPT, PBKDF2_SM3)

SALT_SIZE = 16
_SALT_SIZE_MIN, _SALT_SIZE_MAX = 16, 64
_PASSWORD_SIZE_MAX = 4096
_SECRET_SIZE_MAX = 1024
_BLOB_SIZE_MAX = 4096
# scrypt: N a power of two; memory is 128 * N * r bytes (at most 128 MiB),
# work N * r * p (at most 8 times the default's).
SCRYPT_DEFAULT_N, SCRYPT_DEFAULT_R, SCRYPT_DEFAULT_P = 2**15, 8, 1
_SCRYPT_NR_MIN, _SCRYPT_NR_MAX = 2**13, 2**20
_SCRYPT_NRP_MAX = 2**21
_SCRYPT_R_MAX, _SCRYPT_P_MAX = 32, 16
PBKDF2_DEFAULT_ITERATIONS = 600_000
_PBKDF2_ITERATIONS_MIN, _PBKDF2_ITERATIONS_MAX = 100_000, 5_000_000
_BLOB_LIMITS = Limits(max_bytes=_BLOB_SIZE_MAX, max_depth=3, max_items=8)


class WrongPasswordError(DecryptionError):
    """The password does not unlock the wrapped key."""

    code = "wrong_password"


@dataclass(frozen=True, slots=True)
class ScryptParams:
    """scrypt (RFC 7914) parameters and salt."""

    salt: bytes
    n: int = SCRYPT_DEFAULT_N
    r: int = SCRYPT_DEFAULT_R
    p: int = SCRYPT_DEFAULT_P

    def validate(self) -> None:
        """:class:`ValidationError` unless every parameter is within bounds."""
        _check_salt(self.salt)
        for name, value, top in (("r", self.r, _SCRYPT_R_MAX), ("p", self.p, _SCRYPT_P_MAX)):
            if not _is_int(value) or not 1 <= value <= top:
                raise ValidationError(f"scrypt {name} must be an integer in 1..{top}")
        if not _is_int(self.n) or self.n < 2 or self.n & (self.n - 1):
            raise ValidationError("scrypt n must be a power of two")
        if not _SCRYPT_NR_MIN <= self.n * self.r <= _SCRYPT_NR_MAX:
            raise ValidationError(
                f"scrypt n * r must be in {_SCRYPT_NR_MIN}..{_SCRYPT_NR_MAX} "
                f"(memory 1..128 MiB), got {self.n * self.r}"
            )
        if self.n * self.r * self.p > _SCRYPT_NRP_MAX:
            raise ValidationError(f"scrypt n * r * p must be at most {_SCRYPT_NRP_MAX}")

    def to_map(self) -> dict[str, object]:
        """The ``kdf`` map of the wrapped form."""
        return {"name": SCRYPT, "n": self.n, "r": self.r, "p": self.p, "salt": self.salt}


@dataclass(frozen=True, slots=True)
class Pbkdf2Params:
    """PBKDF2 (RFC 8018) with HMAC-SM3: iterations and salt."""

    salt: bytes
    iterations: int = PBKDF2_DEFAULT_ITERATIONS

    def validate(self) -> None:
        """:class:`ValidationError` unless every parameter is within bounds."""
        _check_salt(self.salt)
        low, high = _PBKDF2_ITERATIONS_MIN, _PBKDF2_ITERATIONS_MAX
        if not _is_int(self.iterations) or not low <= self.iterations <= high:
            raise ValidationError(f"PBKDF2 iterations must be an integer in {low}..{high}")

    def to_map(self) -> dict[str, object]:
        """The ``kdf`` map of the wrapped form."""
        return {"name": PBKDF2_SM3, "iterations": self.iterations, "salt": self.salt}


KdfParams = ScryptParams | Pbkdf2Params


@dataclass(frozen=True, slots=True)
class WrappedKey:
    """The parsed wrapped form: KDF parameters and the sealed secret."""

    kdf: KdfParams
    sealed: bytes

    def validate(self) -> None:
        """:class:`ValidationError` if a parameter is out of bounds or ``sealed`` is not bytes."""
        self.kdf.validate()
        if not isinstance(self.sealed, bytes) or not 28 < len(self.sealed) <= _BLOB_SIZE_MAX:
            raise ValidationError("the wrapped key's 'sealed' must be 29..4096 bytes")

    def to_cbor(self) -> bytes:
        """The canonical CBOR wrapped form."""
        return encode({"v": FORMAT_VERSION, "kdf": self.kdf.to_map(), "sealed": self.sealed})

    @classmethod
    def from_cbor(cls, blob: bytes) -> WrappedKey:
        """Parse and bound-check a wrapped form; :class:`ValidationError` if malformed."""
        if not isinstance(blob, bytes) or len(blob) > _BLOB_SIZE_MAX:
            raise ValidationError(f"a wrapped key is at most {_BLOB_SIZE_MAX} bytes")
        try:
            value = decode(blob, _BLOB_LIMITS)
        except CodecError as exc:
            raise ValidationError(f"the wrapped key is not canonical CBOR: {exc}") from exc
        top = _exact_map(value, {"v", "kdf", "sealed"}, "the wrapped key")
        if not _is_int(top["v"]) or top["v"] != FORMAT_VERSION:
            raise ValidationError(f"unknown wrapped key version {top['v']!r}; this client reads 1")
        wrapped = cls(_kdf_from_map(top["kdf"]), top["sealed"])
        wrapped.validate()
        return wrapped


def default_params(kdf: str = SCRYPT) -> KdfParams:
    """The default parameters of ``kdf`` (``scrypt`` or ``pbkdf2-hmac-sm3``) with a fresh salt."""
    salt = os.urandom(SALT_SIZE)
    if kdf == SCRYPT:
        return ScryptParams(salt)
    if kdf == PBKDF2_SM3:
        return Pbkdf2Params(salt)
    raise ValidationError(f"unknown KDF {kdf!r}; use one of {', '.join(KDF_NAMES)}")


def derive_key(params: KdfParams, password: bytes, size: int) -> bytes:
    """The ``size``-byte key derived from ``password`` (parameters checked first)."""
    params.validate()
    _check_password(password)
    if isinstance(params, ScryptParams):
        return Scrypt(salt=params.salt, length=size, n=params.n, r=params.r, p=params.p).derive(
            password
        )
    return hashlib.pbkdf2_hmac("sm3", password, params.salt, params.iterations, size)


def wrap_secret(
    suite: CryptoSuite, secret: bytes, password: bytes, address: bytes, params: KdfParams
) -> bytes:
    """Wrap ``secret`` (a private key's bytes) for the account ``address``: the CBOR form."""
    if not 0 < len(secret) <= _SECRET_SIZE_MAX:
        raise ValidationError(f"a wrapped secret is 1 to {_SECRET_SIZE_MAX} bytes")
    _check_address(address)
    key = derive_key(params, password, suite.aead_key_size)
    sealed = suite.seal(key, secret, WRAP_DOMAIN + address)
    return WrappedKey(params, sealed).to_cbor()


def unwrap_secret(suite: CryptoSuite, blob: bytes, password: bytes, address: bytes) -> bytes:
    """The secret :func:`wrap_secret` wrapped; :class:`WrongPasswordError` if it does not unlock."""
    _check_address(address)
    wrapped = WrappedKey.from_cbor(blob)
    key = derive_key(wrapped.kdf, password, suite.aead_key_size)
    try:
        return suite.open(key, wrapped.sealed, WRAP_DOMAIN + address)
    except DecryptionError as exc:
        raise WrongPasswordError("wrong password: the locker key does not unlock with it") from exc


def _kdf_from_map(value: object) -> KdfParams:
    if not isinstance(value, dict) or value.get("name") not in KDF_NAMES:
        raise ValidationError(f"the wrapped key's 'kdf' must name one of {', '.join(KDF_NAMES)}")
    if value["name"] == SCRYPT:
        fields = _exact_map(value, {"name", "n", "r", "p", "salt"}, "the scrypt parameters")
        return ScryptParams(fields["salt"], fields["n"], fields["r"], fields["p"])
    fields = _exact_map(value, {"name", "iterations", "salt"}, "the PBKDF2 parameters")
    return Pbkdf2Params(fields["salt"], fields["iterations"])


def _exact_map(value: object, keys: set[str], what: str) -> dict[str, Any]:
    if not isinstance(value, dict) or set(value) != keys:
        raise ValidationError(f"{what} must be a map with exactly the keys {sorted(keys)}")
    return value


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _check_salt(salt: object) -> None:
    if not isinstance(salt, bytes) or not _SALT_SIZE_MIN <= len(salt) <= _SALT_SIZE_MAX:
        raise ValidationError(f"a KDF salt is {_SALT_SIZE_MIN}..{_SALT_SIZE_MAX} bytes")


def _check_password(password: bytes) -> None:
    if not isinstance(password, bytes) or not 0 < len(password) <= _PASSWORD_SIZE_MAX:
        raise ValidationError(f"a password is 1 to {_PASSWORD_SIZE_MAX} bytes")


def _check_address(address: bytes) -> None:
    if not isinstance(address, bytes) or len(address) != ADDRESS_SIZE:
        raise ValidationError(f"an account address is {ADDRESS_SIZE} bytes")
