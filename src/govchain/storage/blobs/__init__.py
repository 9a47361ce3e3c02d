"""Blob stores: encrypted asset content by hash, on local disk or S3 (docs/spec/assets.md)."""

from govchain.storage.blobs.base import (
    MAX_BLOB,
    BlobCorruptError,
    BlobError,
    BlobNotFoundError,
    BlobStore,
    BlobTooLargeError,
)

__all__ = [
    "MAX_BLOB",
    "BlobCorruptError",
    "BlobError",
    "BlobNotFoundError",
    "BlobStore",
    "BlobTooLargeError",
]
