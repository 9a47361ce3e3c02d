"""The blob store a storage node's ``[backend]`` names: a directory, or an S3 bucket.

S3 keys come from a keys file (two lines: access key, secret key) when
``keys_file`` is set, else from the environment variables the config names;
a missing key is refused at start, naming where it was looked for (never a
key's value).
"""

from __future__ import annotations

import os
from pathlib import Path

from govchain.crypto import CryptoSuite
from govchain.storage.blobs import BlobStore
from govchain.storage.blobs.disk import DiskBlobStore
from govchain.storage_node.config import StorageConfig, StorageConfigError

__all__ = ["KEYS_FILE_BYTES_MAX", "open_store", "s3_keys"]

KEYS_FILE_BYTES_MAX = 4096


def open_store(
    config: StorageConfig, home: Path, suite: CryptoSuite, *, owner: bool = True
) -> BlobStore:
    """Open the configured store (a BlobError or StorageConfigError names what is wrong).

    ``owner`` False: a reader beside the running node (scrub) that leaves the
    disk store's temp files alone, since one may be a put in flight.
    """
    if config.backend == "disk":
        path = config.resolve(home, config.disk_dir)
        return DiskBlobStore(path, suite.hash, config.max_blob, owner=owner)
    from govchain.storage.blobs.s3 import S3BlobStore  # noqa: PLC0415 - boto3 only when used

    access_key, secret_key = s3_keys(config, home)
    s3 = config.s3
    return S3BlobStore(
        s3.endpoint,
        s3.bucket,
        access_key,
        secret_key,
        suite.hash,
        region=s3.region,
        max_blob=config.max_blob,
    )


def s3_keys(config: StorageConfig, home: Path) -> tuple[str, str]:
    """(access key, secret key) from the keys file, or from the environment."""
    s3 = config.s3
    if s3.keys_file:
        path = config.resolve(home, s3.keys_file)
        try:
            if path.stat().st_size > KEYS_FILE_BYTES_MAX:
                raise StorageConfigError([f"backend.keys_file {path}: not a keys file (too big)"])
            lines = path.read_text(encoding="utf-8").split()
        except (OSError, UnicodeDecodeError) as exc:
            raise StorageConfigError([f"backend.keys_file {path}: cannot be read"]) from exc
        if len(lines) != 2:
            raise StorageConfigError(
                [f"backend.keys_file {path}: expected two lines, the access key and the secret"]
            )
        return lines[0], lines[1]
    access_key = os.environ.get(s3.access_key_env, "")
    secret_key = os.environ.get(s3.secret_key_env, "")
    missing = [
        name
        for name, value in ((s3.access_key_env, access_key), (s3.secret_key_env, secret_key))
        if not value
    ]
    if missing:
        raise StorageConfigError(
            [f"backend: the S3 keys are read from ${', $'.join(missing)}, which is not set"]
        )
    return access_key, secret_key
