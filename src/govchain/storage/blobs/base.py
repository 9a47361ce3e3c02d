"""The blob store Protocol: content-addressed ciphertext on a storage node (F-A1, F-C1).

A blob is stored under its hash (the chain suite's hash of its bytes, 32
bytes), so a store never needs a name from its caller and a reader checks
what it gets. Backends: local disk (:mod:`govchain.storage.blobs.disk`) and
an S3-compatible object store (:mod:`govchain.storage.blobs.s3`); one
conformance suite, ``tests/unit/storage/blobs``, runs against both.

Every backend checks the hash of what it reads before it returns it: a blob
whose bytes no longer match its hash raises :class:`BlobCorruptError` and
is never handed out.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Protocol

from govchain.types.errors import GovChainError

__all__ = [
    "MAX_BLOB",
    "BlobCorruptError",
    "BlobError",
    "BlobNotFoundError",
    "BlobStore",
    "BlobTooLargeError",
]

MAX_BLOB = 64 * 1024 * 1024
"""The largest blob a store takes (docs/spec/assets.md, "Content")."""


class BlobError(GovChainError):
    """A blob store refused or failed an operation."""

    code = "blob_error"


class BlobNotFoundError(BlobError):
    """No blob has that hash here."""

    code = "not_found"


class BlobCorruptError(BlobError):
    """The stored bytes no longer match their hash."""

    code = "blob_corrupt"


class BlobTooLargeError(BlobError):
    """The blob is over :data:`MAX_BLOB` (or the store's own smaller limit)."""

    code = "blob_too_large"


class BlobStore(Protocol):
    """Content-addressed blobs: put returns the hash, get checks it."""

    def put(self, data: bytes) -> bytes:
        """Store ``data`` durably (it survives a crash once this returns); its hash.

        Storing the same bytes twice is not an error and keeps one copy.
        """
        ...

    def get(self, digest: bytes) -> bytes:
        """The blob with hash ``digest``; BlobNotFoundError, or BlobCorruptError on a mismatch."""
        ...

    def has(self, digest: bytes) -> bool:
        """True when a blob with hash ``digest`` is stored (its bytes are not checked)."""
        ...

    def delete(self, digest: bytes) -> None:
        """Remove the blob (no error when absent)."""
        ...

    def digests(self) -> Iterator[bytes]:
        """The hash of every stored blob, in no promised order (for scrub)."""
        ...
