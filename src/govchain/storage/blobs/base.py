"""The blob store Protocol: content-addressed ciphertext on a storage node (F-A1, F-C1).

A blob is stored under its hash (the chain suite's hash of its bytes, 32
bytes), so a store never needs a name from its caller and a reader checks
what it gets. Backends: local disk (:mod:`govchain.storage.blobs.disk`) and
an S3-compatible object store (:mod:`govchain.storage.blobs.s3`); one
conformance suite, ``tests/unit/storage/blobs``, runs against both.

Every backend checks the hash of what it reads before it returns it: a blob
whose bytes no longer match its hash raises :class:`BlobCorruptError` and
is never handed out.

Constructor convention: a backend takes where it keeps blobs (a directory,
an endpoint and bucket), then ``hash_fn`` (a :data:`HashFn`, the chain
suite's hash: this layer may not import ``crypto``, so the caller passes
it) and ``max_blob`` (at most :data:`MAX_BLOB`). Opening a store checks its
location and fails with a :class:`BlobError` naming what is wrong, so a
misconfigured node stops at start rather than at its first upload.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Protocol

from govchain.types.errors import GovChainError

__all__ = [
    "MAX_BLOB",
    "BlobAccessDeniedError",
    "BlobCorruptError",
    "BlobError",
    "BlobNotFoundError",
    "BlobStore",
    "BlobStoreFullError",
    "BlobTooLargeError",
    "BlobUnavailableError",
    "HashFn",
    "check_blob_limit",
    "check_blob_size",
    "verified_blob",
]

MAX_BLOB = 64 * 1024 * 1024
"""The largest blob a store takes (docs/spec/assets.md, "Content")."""

HashFn = Callable[[bytes], bytes]
"""The chain suite's hash (SM3 under ``gm``, SHA-256 under ``intl``)."""


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


class BlobStoreFullError(BlobError):
    """The disk under the store is full; the blob was not stored and nothing partial is left."""

    code = "blob_store_full"


class BlobUnavailableError(BlobError):
    """The store cannot be reached or failed (an S3 endpoint down, an I/O error)."""

    code = "blob_unavailable"


class BlobAccessDeniedError(BlobError):
    """The store refused our credentials (an S3 access key or secret that is wrong)."""

    code = "blob_access_denied"


def check_blob_limit(max_blob: int) -> int:
    """``max_blob`` when it is a usable store limit (1..MAX_BLOB); BlobError otherwise."""
    if not 0 < max_blob <= MAX_BLOB:
        raise BlobError(f"a blob store's max_blob must be 1..{MAX_BLOB} bytes, not {max_blob}")
    return max_blob


def check_blob_size(size: int, max_blob: int) -> None:
    """BlobTooLargeError when a blob of ``size`` bytes is over ``max_blob``."""
    if size > max_blob:
        raise BlobTooLargeError(f"the blob is {size} bytes, over this store's limit of {max_blob}")


def verified_blob(digest: bytes, data: bytes, hash_fn: HashFn) -> bytes:
    """``data`` when its hash is ``digest``; BlobCorruptError otherwise (never the bad bytes)."""
    if hash_fn(data) != digest:
        raise BlobCorruptError(
            f"blob {digest.hex()} is corrupt: its stored bytes no longer match its hash"
        )
    return data


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
