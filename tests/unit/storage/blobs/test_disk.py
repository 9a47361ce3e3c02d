"""The disk backend's own promises: its layout, temp files, a full disk (F-A1)."""

from __future__ import annotations

import errno
import os
import stat
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from govchain.storage.blobs import BlobError, BlobStoreFullError, BlobUnavailableError
from govchain.storage.blobs import disk as disk_module
from govchain.storage.blobs.disk import TEMP_PREFIX, DiskBlobStore

from .conftest import SM3


def _files(root: Path) -> list[str]:
    return sorted(str(path.relative_to(root)) for path in root.rglob("*") if path.is_file())


def test_f_a1_a_blob_is_one_file_named_by_its_hash_under_its_first_byte(tmp_path: Path) -> None:
    store = DiskBlobStore(tmp_path / "blobs", SM3)
    digest = store.put(b"laid out")
    name = digest.hex()
    path = tmp_path / "blobs" / name[:2] / name
    assert _files(tmp_path / "blobs") == [f"{name[:2]}/{name}"]
    assert path.read_bytes() == b"laid out"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


def test_f_a1_opening_creates_the_directory(tmp_path: Path) -> None:
    DiskBlobStore(tmp_path / "a" / "b" / "blobs", SM3)
    assert (tmp_path / "a" / "b" / "blobs").is_dir()


def test_f_a1_temp_files_of_a_killed_writer_are_never_listed_and_removed_at_open(
    tmp_path: Path,
) -> None:
    root = tmp_path / "blobs"
    store = DiskBlobStore(root, SM3)
    digest = store.put(b"complete")
    fan_out = root / digest.hex()[:2]
    leftover = fan_out / f"{TEMP_PREFIX}0123456789abcdef"
    leftover.write_bytes(b"half a blo")  # what a writer killed before its rename leaves
    (root / "ff").mkdir(exist_ok=True)
    (root / "ff" / f"{TEMP_PREFIX}fedcba9876543210").write_bytes(b"")
    assert list(store.digests()) == [digest]

    reader = DiskBlobStore(root, SM3, owner=False)  # scrub beside a running node
    assert leftover.exists()
    assert list(reader.digests()) == [digest]
    reopened = DiskBlobStore(root, SM3)
    assert not leftover.exists()
    assert _files(root) == [f"{digest.hex()[:2]}/{digest.hex()}"]
    assert reopened.get(digest) == b"complete"


def test_f_a1_files_that_are_not_blobs_are_not_listed(tmp_path: Path) -> None:
    root = tmp_path / "blobs"
    store = DiskBlobStore(root, SM3)
    digest = store.put(b"the one blob")
    (root / "notes.txt").write_text("an operator's file")
    (root / digest.hex()[:2] / "README").write_text("not a hash")
    misplaced = SM3(b"elsewhere").hex()
    other = "00" if misplaced[:2] != "00" else "01"
    (root / other).mkdir(exist_ok=True)
    (root / other / misplaced).write_bytes(b"elsewhere")  # in the wrong fan-out directory
    assert list(store.digests()) == [digest]


@pytest.fixture
def full_disk(monkeypatch: pytest.MonkeyPatch) -> None:
    """Writes stop half way with ENOSPC, as on a disk that fills up during a put."""

    def write_half_then_fail(fd: int, data: bytes) -> None:
        os.write(fd, data[: len(data) // 2])
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(disk_module, "_write_all", write_half_then_fail)


@pytest.mark.usefixtures("full_disk")
def test_f_a1_a_full_disk_is_a_clear_error_and_leaves_no_partial_file(tmp_path: Path) -> None:
    root = tmp_path / "blobs"
    store = DiskBlobStore(root, SM3)
    with pytest.raises(BlobStoreFullError) as caught:
        store.put(os.urandom(100_000))
    assert caught.value.code == "blob_store_full"
    assert "is full" in str(caught.value)
    assert "nothing partial was left" in str(caught.value)
    assert _files(root) == []
    assert list(store.digests()) == []


@pytest.fixture
def small_tmpfs(tmp_path: Path) -> Iterator[Path]:
    """A real 1 MiB file system (tmpfs), mounted for this test: needs root and CAP_SYS_ADMIN."""
    mount_point = tmp_path / "small"
    mount_point.mkdir()
    mounted = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", str(mount_point)],
        capture_output=True,
        check=False,
    )
    if mounted.returncode != 0:
        pytest.skip("mounting a 1 MiB tmpfs needs root; the injected ENOSPC test covers this")
    try:
        yield mount_point
    finally:
        subprocess.run(["umount", str(mount_point)], check=True)


def test_f_a1_a_really_full_file_system_refuses_the_blob_and_keeps_serving(
    small_tmpfs: Path,
) -> None:
    store = DiskBlobStore(small_tmpfs / "blobs", SM3)
    kept = store.put(b"before the disk filled")
    with pytest.raises(BlobStoreFullError):
        store.put(os.urandom(2 << 20))
    assert _files(small_tmpfs / "blobs") == [f"{kept.hex()[:2]}/{kept.hex()}"]
    assert store.get(kept) == b"before the disk filled"
    assert store.get(store.put(b"small enough")) == b"small enough"


def test_f_a1_an_unreadable_blob_file_is_an_unavailable_error_not_a_traceback(
    tmp_path: Path,
) -> None:
    root = tmp_path / "blobs"
    store = DiskBlobStore(root, SM3)
    digest = SM3(b"a directory, not a file")
    (root / digest.hex()[:2] / digest.hex()).mkdir(parents=True)
    with pytest.raises(BlobUnavailableError, match="could not read blob"):
        store.get(digest)


def test_f_a1_a_root_that_is_a_file_is_refused_when_the_store_opens(tmp_path: Path) -> None:
    (tmp_path / "blobs").write_text("not a directory")
    with pytest.raises(BlobError, match="could not open the store"):
        DiskBlobStore(tmp_path / "blobs", SM3)


@pytest.mark.parametrize("limit", [0, -1, 64 * 1024 * 1024 + 1])
def test_f_a1_a_store_limit_outside_1_to_max_blob_is_refused(tmp_path: Path, limit: int) -> None:
    with pytest.raises(BlobError, match="max_blob must be"):
        DiskBlobStore(tmp_path / "blobs", SM3, max_blob=limit)
