"""Key files: PKCS#8 PEM private keys (optionally password-encrypted), SPKI PEM public keys.

The suite of a key file is read from the key itself, so commands such as
``govchain crypto sign`` need no ``--suite``. Both formats are what the
``openssl`` tool reads and writes.
"""

from __future__ import annotations

import base64
import binascii
import os
from pathlib import Path

from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ed25519

from govchain.crypto import sm2
from govchain.crypto.gm import GmSigningKey
from govchain.crypto.intl import ED25519_SPKI_PREFIX, IntlSigningKey
from govchain.crypto.suite import SigningKey
from govchain.types.errors import InvalidKeyError, KeyFileError

__all__ = [
    "load_public_key_pem",
    "load_signing_key_pem",
    "read_public_key",
    "read_signing_key",
    "write_file_atomic",
]

_KEY_FILE_SIZE_MAX = 64 * 1024


def load_signing_key_pem(
    pem: bytes, password: bytes | None = None, user_id: bytes = sm2.DEFAULT_ID
) -> SigningKey:
    """Parse a PKCS#8 PEM private key of either suite."""
    try:
        key = serialization.load_pem_private_key(pem, password)
    except UnsupportedAlgorithm:
        # cryptography parses (and decrypts) the PKCS#8 envelope but has no
        # SM2; libcrypto takes over, and rejects anything that is not SM2.
        return GmSigningKey(sm2.Sm2PrivateKey.from_pem(pem, password), user_id)
    except TypeError as exc:
        raise KeyFileError(
            "the key file is encrypted: give its password" if password is None else str(exc)
        ) from exc
    except ValueError as exc:
        if password is not None and b"ENCRYPTED PRIVATE KEY" in pem:
            # a wrong password decrypts to bytes that sometimes pass the padding check and
            # then fail to parse: either way the password (or the file) is wrong
            raise KeyFileError(
                "wrong password, or a damaged key file: the encrypted key does not decrypt"
            ) from exc
        raise KeyFileError(f"not a readable private key: {exc}") from exc
    if isinstance(key, ed25519.Ed25519PrivateKey):
        return IntlSigningKey(key)
    raise KeyFileError(f"unsupported private key type {type(key).__name__}; use SM2 or Ed25519")


def load_public_key_pem(pem: bytes) -> tuple[str, bytes]:
    """Parse an SPKI PEM public key; returns ``(suite name, public key bytes)``."""
    der = _pem_body(pem, b"PUBLIC KEY")
    if der.startswith(ED25519_SPKI_PREFIX) and len(der) == len(ED25519_SPKI_PREFIX) + 32:
        return "intl", der[len(ED25519_SPKI_PREFIX) :]
    try:
        return "gm", sm2.Sm2PublicKey.from_spki_der(der).point
    except InvalidKeyError as exc:
        raise KeyFileError(f"not an SM2 or Ed25519 public key: {exc}") from exc


def _pem_body(pem: bytes, label: bytes) -> bytes:
    begin, end = b"-----BEGIN " + label + b"-----", b"-----END " + label + b"-----"
    start, stop = pem.find(begin), pem.find(end)
    if start < 0 or stop < start:
        raise KeyFileError(f"no {label.decode()} PEM block found")
    try:
        return base64.b64decode(b"".join(pem[start + len(begin) : stop].split()), validate=True)
    except binascii.Error as exc:
        raise KeyFileError(f"the {label.decode()} PEM block is not valid base64") from exc


def _read_small(path: Path) -> bytes:
    try:
        size = path.stat().st_size
        if size > _KEY_FILE_SIZE_MAX:
            raise KeyFileError(f"{path} is {size} bytes; key files are under 64 KiB")
        return path.read_bytes()
    except OSError as exc:
        raise KeyFileError(f"cannot read {path}: {exc.strerror or exc}") from exc


def read_signing_key(path: Path, password: bytes | None = None) -> SigningKey:
    """Read a private key file."""
    return load_signing_key_pem(_read_small(path), password)


def read_public_key(path: Path) -> tuple[str, bytes]:
    """Read a public key file; returns ``(suite name, public key bytes)``.

    A private key file is accepted too: its public half is used.
    """
    pem = _read_small(path)
    if b"PRIVATE KEY-----" in pem:
        key = load_signing_key_pem(pem)
        return key.suite_name, key.public_key
    return load_public_key_pem(pem)


def write_file_atomic(path: Path, data: bytes, mode: int = 0o600) -> None:
    """Replace ``path`` with ``data`` through a synced temporary file and a rename.

    A crash leaves the old file or the new one, never part of either. The
    default mode keeps secret material readable by its owner only.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, mode)
    with os.fdopen(fd, "wb") as out:
        out.write(data)
        out.flush()
        os.fsync(out.fileno())
    os.replace(tmp, path)
