"""scrub(): every blob re-read and its hash checked, on either backend (F-A1)."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from govchain.storage.blobs import BlobStore, BlobUnavailableError
from govchain.storage.blobs.disk import DiskBlobStore
from govchain.storage.blobs.scrub import BlobHealth, ScrubReport, scrub

from .conftest import SM3, BlobBackend


def test_f_a1_a_clean_store_scrubs_clean(blobs: BlobStore) -> None:
    for i in range(4):
        blobs.put(f"blob {i}".encode())
    report = scrub(blobs)
    assert report == ScrubReport(ok=4, corrupt=(), unreadable=())
    assert report.checked == 4
    assert report.clean


def test_f_a1_an_empty_store_scrubs_clean(blobs: BlobStore) -> None:
    assert scrub(blobs) == ScrubReport(ok=0, corrupt=(), unreadable=())


def test_f_a1_scrub_names_every_corrupt_blob_and_counts_the_rest(
    backend: BlobBackend, blobs: BlobStore
) -> None:
    digests = [blobs.put(f"blob {i}".encode()) for i in range(5)]
    damaged = sorted(digests[1:3])
    for digest in damaged:
        backend.overwrite(digest, b"rotten")
    report = scrub(blobs)
    assert report.ok == 3
    assert sorted(report.corrupt) == damaged
    assert report.unreadable == ()
    assert not report.clean
    assert report.to_json() == {
        "checked": 5,
        "ok": 3,
        "corrupt": [digest.hex() for digest in report.corrupt],
        "unreadable": [],
    }


class _DeletesAfterListing:
    """A store whose listing names a blob that is deleted before scrub reads it (a race)."""

    def __init__(self, store: BlobStore, doomed: bytes) -> None:
        self._store, self._doomed = store, doomed

    def digests(self) -> Iterator[bytes]:
        listed = list(self._store.digests())
        self._store.delete(self._doomed)
        return iter(listed)

    def get(self, digest: bytes) -> bytes:
        return self._store.get(digest)

    def put(self, data: bytes) -> bytes:
        return self._store.put(data)

    def has(self, digest: bytes) -> bool:
        return self._store.has(digest)

    def delete(self, digest: bytes) -> None:
        self._store.delete(digest)


def test_f_a1_a_blob_gone_since_the_listing_is_unreadable(blobs: BlobStore) -> None:
    kept, doomed = blobs.put(b"kept"), blobs.put(b"doomed")
    report = scrub(_DeletesAfterListing(blobs, doomed))
    assert report == ScrubReport(ok=1, corrupt=(), unreadable=(doomed,))
    assert blobs.get(kept) == b"kept"


def test_f_a1_a_blob_the_disk_cannot_read_is_unreadable(tmp_path: Path) -> None:
    store = DiskBlobStore(tmp_path / "blobs", SM3)
    good = store.put(b"good")
    broken = SM3(b"broken")
    (tmp_path / "blobs" / broken.hex()[:2] / broken.hex()).mkdir(parents=True)
    report = scrub(store)
    assert report == ScrubReport(ok=1, corrupt=(), unreadable=(broken,))
    assert store.get(good) == b"good"


def test_f_a1_progress_is_called_once_per_blob_with_what_was_found(
    backend: BlobBackend, blobs: BlobStore
) -> None:
    good, bad = blobs.put(b"good"), blobs.put(b"bad")
    backend.overwrite(bad, b"worse")
    seen: list[tuple[bytes, BlobHealth]] = []
    report = scrub(blobs, progress=lambda digest, health: seen.append((digest, health)))
    assert sorted(seen) == sorted([(good, BlobHealth.OK), (bad, BlobHealth.CORRUPT)])
    assert report.checked == len(seen)


def test_f_a1_a_store_that_cannot_list_raises_its_error(tmp_path: Path) -> None:
    root = tmp_path / "blobs"
    store = DiskBlobStore(root, SM3)
    store.put(b"lost with its directory")
    shutil.rmtree(root)
    root.write_text("the directory was replaced by a file")
    with pytest.raises(BlobUnavailableError, match="could not list the blobs"):
        scrub(store)
