"""The BlobStore contract, the same for every backend (F-A1, F-C1; docs/spec/assets.md)."""

from __future__ import annotations

import os
from concurrent.futures import ThreadPoolExecutor

import pytest

from govchain.crypto import suite_for
from govchain.storage.blobs import (
    MAX_BLOB,
    BlobCorruptError,
    BlobNotFoundError,
    BlobStore,
    BlobTooLargeError,
)

from .conftest import SM3, BlobBackend

ABSENT = SM3(b"never stored")


def test_f_a1_put_returns_the_suite_hash_and_get_gives_the_bytes(blobs: BlobStore) -> None:
    data = os.urandom(10_000)
    digest = blobs.put(data)
    assert digest == SM3(data)
    assert blobs.get(digest) == data
    assert blobs.has(digest)


def test_f_a1_the_empty_blob_is_a_blob(blobs: BlobStore) -> None:
    digest = blobs.put(b"")
    assert blobs.get(digest) == b""
    assert list(blobs.digests()) == [digest]


@pytest.mark.parametrize("suite", ["gm", "intl"])
def test_f_a1_the_hash_passed_in_names_the_blob(backend: BlobBackend, suite: str) -> None:
    hash_fn = suite_for(suite).hash
    store = backend.open(hash_fn)
    data = b"the same bytes under either suite"
    digest = store.put(data)
    assert digest == hash_fn(data)
    assert store.get(digest) == data


def test_f_a1_putting_the_same_bytes_twice_keeps_one_copy(blobs: BlobStore) -> None:
    data = b"idempotent"
    assert blobs.put(data) == blobs.put(data)
    assert list(blobs.digests()) == [SM3(data)]


def test_f_a1_digests_lists_every_blob(blobs: BlobStore) -> None:
    stored = {blobs.put(f"blob {i}".encode()) for i in range(5)}
    assert set(blobs.digests()) == stored
    assert len(list(blobs.digests())) == 5


def test_f_a1_delete_removes_the_blob_and_only_it(blobs: BlobStore) -> None:
    kept, gone = blobs.put(b"kept"), blobs.put(b"gone")
    blobs.delete(gone)
    assert not blobs.has(gone)
    with pytest.raises(BlobNotFoundError):
        blobs.get(gone)
    assert list(blobs.digests()) == [kept]
    assert blobs.get(kept) == b"kept"
    blobs.delete(gone)  # absent: no error


def test_f_a1_an_absent_blob_is_not_found(blobs: BlobStore) -> None:
    with pytest.raises(BlobNotFoundError) as caught:
        blobs.get(ABSENT)
    assert caught.value.code == "not_found"
    assert ABSENT.hex() in str(caught.value)
    assert not blobs.has(ABSENT)
    blobs.delete(ABSENT)


@pytest.mark.parametrize("digest", [b"", b"\x01" * 31, b"\x01" * 33])
def test_f_a1_a_hash_of_the_wrong_length_is_never_found(blobs: BlobStore, digest: bytes) -> None:
    blobs.put(b"something")
    with pytest.raises(BlobNotFoundError):
        blobs.get(digest)
    assert not blobs.has(digest)
    blobs.delete(digest)
    assert len(list(blobs.digests())) == 1


def test_f_a1_a_blob_of_max_blob_bytes_goes_in_and_one_byte_more_does_not(
    blobs: BlobStore,
) -> None:
    largest = bytes(MAX_BLOB - 1) + b"\x01"
    digest = blobs.put(largest)
    assert blobs.get(digest) == largest
    del largest
    with pytest.raises(BlobTooLargeError) as caught:
        blobs.put(bytes(MAX_BLOB + 1))
    assert caught.value.code == "blob_too_large"
    assert list(blobs.digests()) == [digest]


def test_f_a1_a_store_keeps_its_own_smaller_limit(backend: BlobBackend) -> None:
    store = backend.open(max_blob=1024)
    store.put(bytes(1024))
    with pytest.raises(BlobTooLargeError, match="1025 bytes, over this store's limit of 1024"):
        store.put(bytes(1025))
    assert list(store.digests()) == [SM3(bytes(1024))]


def test_f_a1_a_flipped_byte_is_detected_on_read_and_never_returned(
    backend: BlobBackend, blobs: BlobStore
) -> None:
    data = os.urandom(4096)
    digest = blobs.put(data)
    flipped = bytearray(data)
    flipped[1000] ^= 0x01
    backend.overwrite(digest, bytes(flipped))
    with pytest.raises(BlobCorruptError) as caught:
        blobs.get(digest)
    assert caught.value.code == "blob_corrupt"
    assert digest.hex() in str(caught.value)
    assert blobs.has(digest)  # has() does not read the bytes; scrub and get do


def test_f_a1_a_truncated_or_emptied_blob_is_corrupt(
    backend: BlobBackend, blobs: BlobStore
) -> None:
    digest = blobs.put(b"a blob that loses its tail")
    backend.overwrite(digest, b"a blob that")
    with pytest.raises(BlobCorruptError):
        blobs.get(digest)
    backend.overwrite(digest, b"")
    with pytest.raises(BlobCorruptError):
        blobs.get(digest)


def test_f_a1_an_object_over_max_blob_is_corrupt_and_not_read_whole(
    backend: BlobBackend, blobs: BlobStore
) -> None:
    digest = blobs.put(b"small")
    backend.overwrite(digest, bytes(MAX_BLOB + 1))
    with pytest.raises(BlobCorruptError, match="over MAX_BLOB"):
        blobs.get(digest)


def test_f_a1_putting_the_good_bytes_again_repairs_a_corrupt_blob(
    backend: BlobBackend, blobs: BlobStore
) -> None:
    data = b"good bytes"
    digest = blobs.put(data)
    backend.overwrite(digest, b"bad bytes!")
    assert blobs.put(data) == digest
    assert blobs.get(digest) == data


def test_f_a1_a_second_store_on_the_same_location_sees_the_blobs(
    backend: BlobBackend, blobs: BlobStore
) -> None:
    digest = blobs.put(b"durable")
    again = backend.open()
    assert again.get(digest) == b"durable"
    assert list(again.digests()) == [digest]


def test_f_a1_concurrent_puts_of_the_same_blob_all_succeed_with_one_copy(
    blobs: BlobStore,
) -> None:
    data = os.urandom(1 << 20)
    with ThreadPoolExecutor(max_workers=8) as pool:
        digests = list(pool.map(lambda _: blobs.put(data), range(16)))
    assert set(digests) == {SM3(data)}
    assert blobs.get(digests[0]) == data
    assert list(blobs.digests()) == [digests[0]]


def test_f_a1_concurrent_puts_of_different_blobs_all_land(blobs: BlobStore) -> None:
    datas = [os.urandom(10_000) for _ in range(16)]
    with ThreadPoolExecutor(max_workers=8) as pool:
        digests = list(pool.map(blobs.put, datas))
    assert set(blobs.digests()) == set(digests)
    for digest, data in zip(digests, datas, strict=True):
        assert blobs.get(digest) == data
