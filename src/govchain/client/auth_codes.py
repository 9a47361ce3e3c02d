"""Authorization codes on the client: the code, its keys, its proof, its QR image (F-C3).

``docs/spec/grants.md`` ("Codes") and ``docs/formats.md`` section 10. A
holder's client draws a code (:func:`new_code`), shows it once, and derives
from it and the asset's content id (:func:`derive`) a signing key, whose
public key ``grants.code`` registers as ``code_key``, and a sealing key,
under which :func:`seal_data_key` seals the asset's data key. A reader who
types the code derives the same keys: :func:`code_proof` signs the
statement that binds the code to the reader's account (what ``grants.use``
checks), :func:`open_data_key` opens the data key. The chain never sees the
code; a typo is caught by the check character before anything is sent
(:class:`CodeTypoError`), a well-formed but wrong code fails to open the
data key (:class:`WrongCodeError`).
"""

from __future__ import annotations

import io
import secrets
from dataclasses import dataclass
from pathlib import Path

import segno
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ed25519
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from cryptography.hazmat.primitives.kdf.scrypt import Scrypt

from govchain.codes.iso7064 import mod37_36_check_character
from govchain.contracts.grants import CODE_PROOF_DOMAIN, code_proof_message
from govchain.contracts.grants.records import ID_SIZE, MAX_SEALED_CODE
from govchain.crypto import sm2
from govchain.crypto.gm import GmSigningKey, GmSuite
from govchain.crypto.intl import IntlSigningKey, IntlSuite
from govchain.crypto.keyfiles import write_file_atomic
from govchain.crypto.suite import CryptoSuite, SigningKey
from govchain.types.errors import CryptoError, DecryptionError, ValidationError

__all__ = [
    "CODE_ALPHABET",
    "CODE_DATA_LENGTH",
    "CODE_LENGTH",
    "HKDF_SEAL_LABEL",
    "HKDF_SIGN_LABEL",
    "QR_BORDER",
    "QR_ERROR",
    "QR_SCALE",
    "SCRYPT_N",
    "SCRYPT_P",
    "SCRYPT_R",
    "SCRYPT_SALT_PREFIX",
    "SEAL_AAD_PREFIX",
    "CodeKeys",
    "CodeTypoError",
    "WrongCodeError",
    "code_id",
    "code_proof",
    "derive",
    "new_code",
    "open_data_key",
    "parse_code",
    "seal_data_key",
    "write_qr_png",
]

CODE_ALPHABET = "0123456789ABCDEFGHJKLMNPQRSTUVWXYZ"
"""The 34 characters of a code: digits and letters without I and O (read as 1 and 0)."""
CODE_DATA_LENGTH = 16
"""Random characters in a code, before its check character (16 x log2(34) = 81.4 bits)."""
CODE_LENGTH = CODE_DATA_LENGTH + 1
_GROUP = 4
_TYPED_LENGTH_MAX = 64  # generous room for separators and spaces; anything longer is not a code
_SEPARATORS = frozenset("- ")
_DRAWS_MAX = 64  # a draw is redrawn when its check is I or O (2 in 36); 64 in a row means no RNG

# Format v1 of the derivation (docs/formats.md section 10). Changing any of
# these makes every issued code derive other keys: it needs a new version.
SCRYPT_N = 2**14
SCRYPT_R = 8
SCRYPT_P = 1
SCRYPT_SALT_PREFIX = b"govchain/auth-code/v1"
SEED_SIZE = 32
HKDF_SIGN_LABEL = b"govchain/auth-code/v1/signing-key"
HKDF_SEAL_LABEL = b"govchain/auth-code/v1/seal-key"
SEAL_AAD_PREFIX = b"govchain/auth-code-seal/v1"
_SM2_WIDE_SIZE = 48  # reduced mod n - 2 with a bias below 2^-128
_ED25519_SEED_SIZE = 32
_CONTENT_ID_SIZE = 16

QR_ERROR = "M"
"""Error correction level of the QR image: M restores about 15 % of the symbol."""
QR_SCALE = 10
"""Pixels per module: a version-2 symbol with its border is 330 pixels square."""
QR_BORDER = 4
"""Quiet zone in modules, as ISO/IEC 18004 asks."""


class CodeTypoError(ValidationError):
    """A typed code is not well formed: a bad character, a wrong length or a wrong check.

    The message names the position, never the code.
    """

    code = "code_typo"


class WrongCodeError(DecryptionError):
    """A well-formed code that does not open the asset's sealed data key."""

    code = "wrong_code"


@dataclass(frozen=True, slots=True, repr=False)
class CodeKeys:
    """What a code derives for one asset: its signing key and its sealing key."""

    signing_key: SigningKey
    seal_key: bytes

    @property
    def code_key(self) -> bytes:
        """The public key ``grants.code`` registers (``code_key``)."""
        return self.signing_key.public_key

    def __repr__(self) -> str:
        return f"CodeKeys(code_key={self.code_key[:8].hex()}...)"


# The code's text ------------------------------------------------------------


def new_code() -> str:
    """A fresh code from the OS CSPRNG, in its shown form ``XXXX-XXXX-XXXX-XXXX-C``.

    The 16 characters are drawn uniformly from :data:`CODE_ALPHABET`; the
    check is ISO/IEC 7064 MOD 37,36 over them. A draw whose check would be
    I or O is drawn again, so every shown character is in the alphabet.
    """
    for _ in range(_DRAWS_MAX):
        data = "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_DATA_LENGTH))
        check = mod37_36_check_character(data)
        if check in CODE_ALPHABET:
            return _shown(data + check)
    raise CryptoError(f"{_DRAWS_MAX} code draws in a row had the check I or O: no usable RNG")


def parse_code(text: str) -> str:
    """The shown form of a typed code, or :class:`CodeTypoError` naming the wrong position.

    Accepts the shown form with or without dashes (or with spaces between
    groups), in any case, with spaces around it.
    """
    if len(text) > _TYPED_LENGTH_MAX:
        raise CodeTypoError(f"a code has {CODE_LENGTH} characters; this text is far longer")
    compact = "".join(c.upper() if c.isascii() else c for c in text.strip() if c not in _SEPARATORS)
    if len(compact) != CODE_LENGTH:
        raise CodeTypoError(
            f"a code has {CODE_LENGTH} characters (four groups of four and a check "
            f"character); {len(compact)} were typed"
        )
    for index, character in enumerate(compact):
        if character not in CODE_ALPHABET:
            hint = {"O": " (did you mean 0?)", "I": " (did you mean 1?)"}.get(character, "")
            raise CodeTypoError(
                f"{_position(index)} is not a code character: codes use the digits and the "
                f"letters A-Z without I and O{hint}"
            )
    if mod37_36_check_character(compact[:CODE_DATA_LENGTH]) != compact[CODE_DATA_LENGTH]:
        raise CodeTypoError(
            f"{_position(CODE_DATA_LENGTH)} does not match the other 16: one character is "
            "mistyped or two are swapped"
        )
    return _shown(compact)


def _position(index: int) -> str:
    if index == CODE_DATA_LENGTH:
        return f"character {CODE_LENGTH} (the check character)"
    return f"character {index + 1} (group {index // _GROUP + 1}, place {index % _GROUP + 1})"


def _shown(compact: str) -> str:
    groups = [compact[i : i + _GROUP] for i in range(0, CODE_DATA_LENGTH, _GROUP)]
    return "-".join([*groups, compact[CODE_DATA_LENGTH:]])


def _compact(shown: str) -> str:
    return shown.replace("-", "")


# Keys -----------------------------------------------------------------------


def derive(suite: CryptoSuite, code: str, content_id: bytes) -> CodeKeys:
    """The keys a code derives for one asset (format v1; docs/formats.md section 10).

    ``seed = scrypt(code, salt = SCRYPT_SALT_PREFIX || content_id, N = 2^14,
    r = 8, p = 1, 32 bytes)``, the code being its 17 characters without
    dashes; then HKDF-SHA256 of the seed with :data:`HKDF_SIGN_LABEL` gives
    the signing key (``gm``: 48 bytes reduced to an SM2 scalar in
    ``[1, n - 2]``; ``intl``: a 32-byte Ed25519 private key) and with
    :data:`HKDF_SEAL_LABEL` the suite AEAD key. Costs about 16 MiB and a
    few tens of milliseconds, once per code and asset.
    """
    compact = _compact(parse_code(code))
    _check_content_id(content_id)
    seed = Scrypt(
        salt=SCRYPT_SALT_PREFIX + content_id, length=SEED_SIZE, n=SCRYPT_N, r=SCRYPT_R, p=SCRYPT_P
    ).derive(compact.encode("ascii"))
    return CodeKeys(_signing_key(suite, seed), _hkdf(seed, HKDF_SEAL_LABEL, suite.aead_key_size))


def _hkdf(seed: bytes, label: bytes, size: int) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=size, salt=None, info=label).derive(seed)


def _signing_key(suite: CryptoSuite, seed: bytes) -> SigningKey:
    if isinstance(suite, GmSuite):
        scalar = sm2.scalar_from_uniform(_hkdf(seed, HKDF_SIGN_LABEL, _SM2_WIDE_SIZE))
        return GmSigningKey(sm2.Sm2PrivateKey.from_scalar(scalar), suite.user_id)
    if isinstance(suite, IntlSuite):
        raw = _hkdf(seed, HKDF_SIGN_LABEL, _ED25519_SEED_SIZE)
        return IntlSigningKey(ed25519.Ed25519PrivateKey.from_private_bytes(raw))
    raise CryptoError(f"authorization codes have no key derivation for the suite {suite.name}")


def _check_content_id(content_id: bytes) -> None:
    if len(content_id) != _CONTENT_ID_SIZE:
        raise ValidationError(f"a content id is {_CONTENT_ID_SIZE} bytes, got {len(content_id)}")


def code_id(suite: CryptoSuite, keys: CodeKeys) -> bytes:
    """The code's id on chain: the first 16 bytes of the suite hash of its public key."""
    return suite.hash(keys.code_key)[:ID_SIZE]


def code_proof(
    suite: CryptoSuite, keys: CodeKeys, chain_id: str, reader: bytes, content_id: bytes
) -> bytes:
    """The ``proof`` of ``grants.use`` through this code, for ``reader`` (an account address).

    A signature by the code's key over the tagged hash ``CODE_PROOF_DOMAIN``
    of ``[chain_id, reader, content_id, code id]``: valid for that reader
    only, so a code seen over a shoulder cannot be replayed under another
    account.
    """
    _check_content_id(content_id)
    message = code_proof_message(chain_id, reader, content_id, code_id(suite, keys))
    return keys.signing_key.sign(suite.tagged_hash(CODE_PROOF_DOMAIN, message))


def seal_data_key(suite: CryptoSuite, keys: CodeKeys, data_key: bytes, content_id: bytes) -> bytes:
    """``sealed`` of ``grants.code``: the asset's data key under the code's sealing key.

    Suite AEAD with associated data ``SEAL_AAD_PREFIX || content_id``:
    ``nonce (12) || ciphertext || tag (16)``, 44 bytes under ``gm``, 60 under ``intl``.
    """
    _check_content_id(content_id)
    if len(data_key) != suite.aead_key_size:
        raise ValidationError(
            f"a {suite.name} data key is {suite.aead_key_size} bytes, got {len(data_key)}"
        )
    return suite.seal(keys.seal_key, data_key, SEAL_AAD_PREFIX + content_id)


def open_data_key(suite: CryptoSuite, keys: CodeKeys, sealed: bytes, content_id: bytes) -> bytes:
    """The asset's data key from a code record's ``sealed``; :class:`WrongCodeError` if not ours."""
    _check_content_id(content_id)
    if len(sealed) > MAX_SEALED_CODE:
        raise ValidationError(f"a sealed code key is at most {MAX_SEALED_CODE} bytes")
    try:
        data_key = suite.open(keys.seal_key, sealed, SEAL_AAD_PREFIX + content_id)
    except DecryptionError as exc:
        raise WrongCodeError(
            "the code does not open this asset's data key: a wrong code, or a code of another asset"
        ) from exc
    if len(data_key) != suite.aead_key_size:
        raise ValidationError(
            f"the sealed data key is {len(data_key)} bytes; a {suite.name} key is "
            f"{suite.aead_key_size}"
        )
    return data_key


# QR image -------------------------------------------------------------------


def write_qr_png(code: str, path: Path) -> None:
    """Write the code's shown form as a QR image (PNG) for a counter clerk to scan.

    Error correction :data:`QR_ERROR`, :data:`QR_SCALE` pixels per module,
    a :data:`QR_BORDER`-module quiet zone; written through a synced temporary
    file and a rename, readable by its owner only (the image is the code).
    """
    symbol = segno.make_qr(parse_code(code), error=QR_ERROR, boost_error=False)
    image = io.BytesIO()
    symbol.save(image, kind="png", scale=QR_SCALE, border=QR_BORDER)
    try:
        write_file_atomic(path, image.getvalue())
    except OSError as exc:
        raise ValidationError(f"cannot write the QR image {path}: {exc.strerror or exc}") from exc
