"""Every blob store test runs against both backends: local disk and S3 on a real SeaweedFS."""

from __future__ import annotations

import secrets
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from govchain.crypto import suite_for
from govchain.storage.blobs import MAX_BLOB, BlobStore, HashFn
from govchain.storage.blobs.disk import DiskBlobStore
from govchain.storage.blobs.s3 import S3BlobStore

from ....s3_server import S3Server, s3_server  # noqa: F401  # the session fixture, by name

SM3: HashFn = suite_for("gm").hash


@dataclass
class BlobBackend:
    """One backend under test: opens stores on one location and damages what it stored."""

    name: str
    opener: Callable[[HashFn, int], BlobStore]
    overwrite: Callable[[bytes, bytes], None]
    """Put raw bytes where the blob with this hash lives, around the store (a damaged disk)."""
    opened: list[BlobStore] = field(default_factory=list)
    cleanup: Callable[[], None] = lambda: None

    def open(self, hash_fn: HashFn = SM3, max_blob: int = MAX_BLOB) -> BlobStore:
        """A store on this backend's location (a second one sees what the first stored)."""
        store = self.opener(hash_fn, max_blob)
        self.opened.append(store)
        return store


def disk_backend(root: Path) -> BlobBackend:
    """The disk backend in ``root``: damage is a rewrite of the blob's file."""

    def overwrite(digest: bytes, data: bytes) -> None:
        (root / digest.hex()[:2] / digest.hex()).write_bytes(data)

    return BlobBackend(
        "disk", lambda hash_fn, limit: DiskBlobStore(root, hash_fn, limit), overwrite
    )


def s3_backend(server: S3Server, bucket: str) -> BlobBackend:
    """The S3 backend in a fresh bucket: damage is a PutObject straight through boto3."""
    raw = server.client()

    def overwrite(digest: bytes, data: bytes) -> None:
        raw.put_object(Bucket=bucket, Key=digest.hex(), Body=data)

    def opener(hash_fn: HashFn, limit: int) -> BlobStore:
        return S3BlobStore(
            server.endpoint_url,
            bucket,
            server.access_key,
            server.secret_key,
            hash_fn,
            region=server.region,
            max_blob=limit,
        )

    def cleanup() -> None:  # an emptied bucket gives its volumes back to the server
        for page in raw.get_paginator("list_objects_v2").paginate(Bucket=bucket):
            for item in page.get("Contents", []):
                raw.delete_object(Bucket=bucket, Key=item["Key"])
        raw.delete_bucket(Bucket=bucket)
        raw.close()

    return BlobBackend("s3", opener, overwrite, cleanup=cleanup)


@pytest.fixture(params=["disk", "s3"])
def backend(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[BlobBackend]:
    """A backend with an empty location; the S3 one starts SeaweedFS once per run."""
    if request.param == "disk":
        made = disk_backend(tmp_path / "blobs")
    else:
        server: S3Server = request.getfixturevalue("s3_server")
        made = s3_backend(server, "blobs-" + secrets.token_hex(6))
    yield made
    for store in made.opened:
        if isinstance(store, S3BlobStore):
            store.close()
    if made.opened:
        made.cleanup()


@pytest.fixture
def blobs(backend: BlobBackend) -> BlobStore:
    """A store of the backend under test, with the gm suite's hash (SM3)."""
    return backend.open()
