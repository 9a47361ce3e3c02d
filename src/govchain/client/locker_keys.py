"""Locker keys on the client: create one, wrap it under the unlock password, unwrap it.

A locker key pair (SM2 under ``gm``, X25519 under ``intl``) opens the
envelopes of a subject's assets. Its private key leaves the client only
wrapped under a key derived from the account's unlock password
(:mod:`govchain.crypto.password_wrap`: scrypt by default, or
PBKDF2-HMAC-SM3), as a blob on the storage nodes whose hash the chain holds
(``docs/spec/assets.md``, "Locker keys"). No node sees the password or the
plaintext key; a wrong password is :class:`WrongPasswordError`
(``wrong_password``).
"""

from __future__ import annotations

from pathlib import Path

from govchain.crypto.envelopes import LockerKey, generate_locker_key, locker_key_from_bytes
from govchain.crypto.password_wrap import (
    SCRYPT,
    WrongPasswordError,
    default_params,
    unwrap_secret,
    wrap_secret,
)
from govchain.crypto.suite import CryptoSuite
from govchain.types.errors import ValidationError

__all__ = ["WrongPasswordError", "new_locker", "read_password_file", "unwrap", "wrap"]

_PASSWORD_FILE_MAX = 4096


def new_locker(suite: CryptoSuite) -> tuple[LockerKey, bytes]:
    """A fresh locker key pair: ``(private key, public key bytes)``."""
    key = generate_locker_key(suite)
    return key, key.public_key


def wrap(
    suite: CryptoSuite, private: LockerKey, password: bytes, address: bytes, kdf: str = SCRYPT
) -> bytes:
    """The wrapped-key blob of ``private`` for the account ``address`` (canonical CBOR)."""
    if private.suite_name != suite.name:
        raise ValidationError(f"a {private.suite_name} locker key in a {suite.name} chain")
    return wrap_secret(suite, private.private_bytes(), password, address, default_params(kdf))


def unwrap(
    suite: CryptoSuite,
    blob: bytes,
    password: bytes,
    address: bytes,
    public_key: bytes | None = None,
) -> LockerKey:
    """The locker key inside ``blob``; :class:`WrongPasswordError` for a wrong password.

    With ``public_key`` (the locker record's), the key must match it.
    """
    key = locker_key_from_bytes(suite, unwrap_secret(suite, blob, password, address))
    if public_key is not None and key.public_key != public_key:
        raise ValidationError("the unwrapped locker key does not match the locker's public key")
    return key


def read_password_file(path: Path) -> bytes:
    """The password in ``path``: its bytes without one trailing newline; never empty."""
    try:
        with path.open("rb") as handle:
            data = handle.read(_PASSWORD_FILE_MAX + 1)
    except OSError as exc:
        raise ValidationError(
            f"cannot read the password file {path}: {exc.strerror or exc}"
        ) from exc
    if len(data) > _PASSWORD_FILE_MAX:
        raise ValidationError(f"the password file {path} is over {_PASSWORD_FILE_MAX} bytes")
    if data.endswith(b"\r\n"):
        data = data[:-2]
    elif data.endswith(b"\n"):
        data = data[:-1]
    if not data:
        raise ValidationError(f"the password file {path} holds an empty password")
    return data
