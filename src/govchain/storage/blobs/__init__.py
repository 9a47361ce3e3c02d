"""Blob stores: encrypted asset content by hash, on local disk or S3 (docs/spec/assets.md).

:class:`DiskBlobStore` and :class:`S3BlobStore` are imported from their own
modules (``disk``, ``s3``) so that a node without S3 never loads boto3;
:func:`~govchain.storage.blobs.scrub.scrub` re-checks every blob of either.
"""

from govchain.storage.blobs.base import (
    MAX_BLOB,
    BlobAccessDeniedError,
    BlobCorruptError,
    BlobError,
    BlobNotFoundError,
    BlobStore,
    BlobStoreFullError,
    BlobTooLargeError,
    BlobUnavailableError,
    HashFn,
)

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
]
