"""The typed error tree.

Errors here are *operating* errors: things a user, a peer or the environment
can cause (a bad signature, an unknown member, an expired certificate). Each
has a stable ``code`` that the API and CLI show. Programmer errors are
``assert`` and crash loudly instead.

The codec keeps its own root, ``govchain.codec.CodecError``, because the codec
may not import anything of ours; layers above map both trees to codes.
"""

from __future__ import annotations

__all__ = [
    "CertificateChainError",
    "CertificateError",
    "CertificateExpiredError",
    "CertificateRevokedError",
    "CryptoError",
    "CryptoUnavailableError",
    "DecryptionError",
    "GovChainError",
    "InvalidBlock",
    "InvalidCommitError",
    "InvalidKeyError",
    "InvalidSignatureError",
    "KeyFileError",
    "LedgerCorruptError",
    "LedgerError",
    "ProofError",
    "StorageClosedError",
    "StorageError",
    "StorageFullError",
    "ValidationError",
    "VersionPrunedError",
]


class GovChainError(Exception):
    """Root of every operating error GovChain raises on purpose."""

    code = "govchain_error"


class ValidationError(GovChainError):
    """A record or message breaks a rule of its type (``validate()``)."""

    code = "invalid"


class CryptoError(GovChainError):
    """Root of the crypto layer's errors."""

    code = "crypto_error"


class CryptoUnavailableError(CryptoError):
    """The platform's crypto library lacks something a suite needs (e.g. SM2)."""

    code = "crypto_unavailable"


class InvalidKeyError(CryptoError):
    """Key bytes or a key file do not hold a valid key for the suite."""

    code = "invalid_key"


class KeyFileError(InvalidKeyError):
    """A key file cannot be read: wrong format, wrong password, or not a key."""

    code = "key_file"


class InvalidSignatureError(CryptoError):
    """A signature does not verify, or is not well formed."""

    code = "invalid_signature"


class DecryptionError(CryptoError):
    """Ciphertext is malformed, or was not made for this key, or was altered."""

    code = "decryption_failed"


class CertificateError(CryptoError):
    """A certificate or CRL is malformed or breaks a profile rule."""

    code = "invalid_certificate"


class CertificateChainError(CertificateError):
    """A certificate does not chain to the trusted CA."""

    code = "certificate_chain"


class CertificateExpiredError(CertificateError):
    """A certificate is outside its validity period."""

    code = "certificate_expired"


class CertificateRevokedError(CertificateError):
    """A certificate is listed on its CA's revocation list."""

    code = "certificate_revoked"


class StorageError(GovChainError):
    """The storage layer failed; the last committed state is intact."""

    code = "storage_error"


class StorageFullError(StorageError):
    """The disk or the configured map size is full; the write was rolled back."""

    code = "storage_full"


class StorageClosedError(StorageError):
    """The store was used after it was closed."""

    code = "storage_closed"


class LedgerError(GovChainError):
    """Root of the ledger's errors (chain store, state tree, history log)."""

    code = "ledger_error"


class LedgerCorruptError(LedgerError):
    """Stored ledger data fails its own hashes or links: tampering or damage."""

    code = "ledger_corrupt"


class InvalidBlock(LedgerError):  # noqa: N818  # the name the ledger issue and spec use
    """A block breaks a rule: a header commitment, a link or a record's validity."""

    code = "invalid_block"


class InvalidCommitError(LedgerError):
    """A commit certificate lacks 2/3+ of the power or carries a bad signature."""

    code = "invalid_commit"


class VersionPrunedError(LedgerError):
    """A state version older than the retention window was asked for."""

    code = "version_pruned"


class ProofError(GovChainError):
    """A proof or receipt does not verify offline; ``check`` names the failed check."""

    code = "invalid_proof"

    def __init__(self, message: str, check: str = "proof") -> None:
        super().__init__(message)
        self.check = check
