"""The S3 backend's own promises: clear errors, bucket handling, paged listing (F-A1)."""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from typing import Any

import pytest

from govchain.storage.blobs import BlobAccessDeniedError, BlobError, BlobUnavailableError
from govchain.storage.blobs.s3 import S3BlobStore

from ....s3_server import S3Server, free_ports
from .conftest import SM3


@pytest.fixture
def bucket() -> str:
    return "s3-" + secrets.token_hex(6)


@pytest.fixture
def stores() -> Iterator[list[S3BlobStore]]:
    opened: list[S3BlobStore] = []
    yield opened
    for store in opened:
        store.close()


def _open(server: S3Server, bucket: str, opened: list[S3BlobStore], **options: Any) -> S3BlobStore:
    store = S3BlobStore(
        server.endpoint_url,
        bucket,
        options.pop("access_key", server.access_key),
        options.pop("secret_key", server.secret_key),
        SM3,
        **options,
    )
    opened.append(store)
    return store


def _one_line_without_secrets(error: BlobError, server: S3Server) -> None:
    text = str(error)
    assert "\n" not in text
    assert "Traceback" not in text
    assert "botocore" not in text
    assert server.secret_key not in text
    assert server.reader_secret_key not in text
    assert error.__cause__ is None
    assert error.__suppress_context__


def test_f_a1_an_endpoint_nobody_listens_on_is_unavailable_with_a_clear_message() -> None:
    (port,) = free_ports(1)
    with pytest.raises(BlobUnavailableError) as caught:
        S3BlobStore(f"http://127.0.0.1:{port}", "blobs", "key", "secret-key", SM3)
    assert caught.value.code == "blob_unavailable"
    assert f"http://127.0.0.1:{port}" in str(caught.value)
    assert "cannot be reached" in str(caught.value)
    assert "\n" not in str(caught.value)
    assert "secret-key" not in str(caught.value)


def test_f_a1_a_wrong_secret_key_is_access_denied(s3_server: S3Server, bucket: str) -> None:
    with pytest.raises(BlobAccessDeniedError) as caught:
        S3BlobStore(s3_server.endpoint_url, bucket, s3_server.access_key, "wrong-secret", SM3)
    assert caught.value.code == "blob_access_denied"
    assert "refused our credentials" in str(caught.value)
    assert "wrong-secret" not in str(caught.value)
    _one_line_without_secrets(caught.value, s3_server)


def test_f_a1_an_unknown_access_key_is_access_denied(
    s3_server: S3Server, bucket: str, stores: list[S3BlobStore]
) -> None:
    store = _open(s3_server, bucket, stores)
    store.put(b"in the bucket")
    with pytest.raises(BlobAccessDeniedError):
        _open(s3_server, bucket, stores, access_key="nobody", secret_key="nothing")


def test_f_a1_a_read_only_identity_reads_but_may_not_write(
    s3_server: S3Server, bucket: str, stores: list[S3BlobStore]
) -> None:
    digest = _open(s3_server, bucket, stores).put(b"readable by the reader")
    reader = _open(
        s3_server,
        bucket,
        stores,
        access_key=s3_server.reader_access_key,
        secret_key=s3_server.reader_secret_key,
        create_bucket=False,
    )
    assert reader.get(digest) == b"readable by the reader"
    assert list(reader.digests()) == [digest]
    with pytest.raises(BlobAccessDeniedError) as caught:
        reader.put(b"a write the reader may not make")
    assert "could not store blob" in str(caught.value)
    _one_line_without_secrets(caught.value, s3_server)


def test_f_a1_a_missing_bucket_is_created_or_refused_as_asked(
    s3_server: S3Server, bucket: str, stores: list[S3BlobStore]
) -> None:
    with pytest.raises(BlobUnavailableError, match=f"bucket {bucket} does not exist"):
        _open(s3_server, bucket, stores, create_bucket=False)
    created = _open(s3_server, bucket, stores)
    digest = created.put(b"in a new bucket")
    assert _open(s3_server, bucket, stores, create_bucket=False).get(digest) == b"in a new bucket"
    raw = s3_server.client()
    assert bucket in {entry["Name"] for entry in raw.list_buckets()["Buckets"]}
    raw.close()


def test_f_a1_digests_pages_through_the_listing_and_skips_foreign_keys(
    s3_server: S3Server, bucket: str, stores: list[S3BlobStore]
) -> None:
    store = _open(s3_server, bucket, stores, page_size=2)
    stored = {store.put(f"paged {i}".encode()) for i in range(7)}
    raw = s3_server.client()
    raw.put_object(Bucket=bucket, Key="README.txt", Body=b"an operator's note")
    raw.put_object(Bucket=bucket, Key="ab" * 31, Body=b"a key too short to be a hash")
    pages = list(
        raw.get_paginator("list_objects_v2").paginate(
            Bucket=bucket, PaginationConfig={"PageSize": 2}
        )
    )
    raw.close()
    assert len(pages) == 5  # nine keys, two a page: the store must follow the pages too
    listed = list(store.digests())
    assert len(listed) == 7
    assert set(listed) == stored


@pytest.mark.parametrize("size", [0, 1001])
def test_f_a1_a_page_size_outside_1_to_1000_is_refused(s3_server: S3Server, size: int) -> None:
    with pytest.raises(BlobError, match="listing page"):
        S3BlobStore(s3_server.endpoint_url, "x", s3_server.access_key, "s", SM3, page_size=size)
