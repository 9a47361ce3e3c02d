"""Blobs as content-addressed files on a local disk (F-A1, docs/spec/assets.md).

Layout: ``ROOT/ab/ab12…`` -- each blob is one file named by the lowercase
hex of its hash, in a fan-out directory named by the hash's first byte (256
directories at most), so no directory grows past what a file system lists
quickly. Nothing else is kept: the name is the index.

A put writes ``ROOT/ab/.tmp-<random>`` beside the final name, fsyncs the
file, renames it into place (atomic: a reader sees the whole blob or none)
and fsyncs the directory, so the blob survives a crash once ``put``
returns. A writer killed mid-put leaves only a temp file, which no read or
listing sees and opening the store removes. A full disk removes the temp
file and raises :class:`BlobStoreFullError`. One process owns a store's
directory at a time.
"""

from __future__ import annotations

import contextlib
import errno
import os
import secrets
from collections.abc import Iterator
from pathlib import Path

from govchain.storage.blobs.base import (
    MAX_BLOB,
    BlobCorruptError,
    BlobError,
    BlobNotFoundError,
    BlobStoreFullError,
    BlobUnavailableError,
    HashFn,
    check_blob_limit,
    check_blob_size,
    verified_blob,
)

__all__ = ["TEMP_PREFIX", "DiskBlobStore"]

TEMP_PREFIX = ".tmp-"
"""Names of files a put has not yet renamed into place."""

_FULL_ERRNOS = frozenset({errno.ENOSPC, errno.EDQUOT})
_HEX = frozenset("0123456789abcdef")
_FILE_MODE = 0o600  # ciphertext, but still nobody else's business
_DIR_MODE = 0o700


class DiskBlobStore:
    """A :class:`~govchain.storage.blobs.BlobStore` in a directory of the local disk."""

    def __init__(
        self, root: Path, hash_fn: HashFn, max_blob: int = MAX_BLOB, *, owner: bool = True
    ) -> None:
        """Open (creating it if needed) the store at ``root``; an owner removes old temp files.

        Parameters: ``hash_fn``, the chain suite's hash; ``max_blob``, the
        largest blob ``put`` takes (1..MAX_BLOB); ``owner`` False for a reader
        beside the running node (``storage scrub``), which must not remove the
        temp file of a put in flight. A directory that cannot be created or
        read is a :class:`BlobError` naming it.
        """
        self.root = Path(root)
        self.max_blob = check_blob_limit(max_blob)
        self._hash = hash_fn
        self._digest_size = len(hash_fn(b""))
        try:
            self.root.mkdir(mode=_DIR_MODE, parents=True, exist_ok=True)
            if owner:
                self.remove_temp_files()
        except OSError as exc:
            raise self._translate(exc, "open the store") from None

    def put(self, data: bytes) -> bytes:
        """Store ``data`` durably under its hash; the hash (idempotent, repairs a corrupt copy)."""
        check_blob_size(len(data), self.max_blob)
        digest = self._hash(data)
        path = self._path(digest.hex())
        try:
            if not self._holds_intact(path, digest):
                self._write_atomically(path, data)
        except OSError as exc:
            raise self._translate(exc, f"store blob {digest.hex()}") from None
        return digest

    def get(self, digest: bytes) -> bytes:
        """The blob with hash ``digest``, its hash checked; BlobNotFoundError, BlobCorruptError."""
        name = self._name_of(digest)
        if name is None:
            raise BlobNotFoundError(self._not_found(digest))
        try:
            data = self._read(self._path(name), digest)
        except FileNotFoundError:
            raise BlobNotFoundError(self._not_found(digest)) from None
        except OSError as exc:
            raise self._translate(exc, f"read blob {name}") from None
        return verified_blob(digest, data, self._hash)

    def has(self, digest: bytes) -> bool:
        """True when a file for ``digest`` is here (its bytes are not checked)."""
        name = self._name_of(digest)
        return name is not None and self._path(name).is_file()

    def delete(self, digest: bytes) -> None:
        """Remove the blob's file (no error when absent) and make the removal durable."""
        name = self._name_of(digest)
        if name is None:
            return
        path = self._path(name)
        try:
            path.unlink()
            _fsync_dir(path.parent)
        except FileNotFoundError:
            return
        except OSError as exc:
            raise self._translate(exc, f"delete blob {name}") from None

    def digests(self) -> Iterator[bytes]:
        """The hash of every blob file, fan-out directory by directory (temp files skipped)."""
        try:
            for fan_out in sorted(self._fan_out_dirs()):
                for entry in sorted(os.listdir(fan_out)):
                    if self._is_blob_name(entry) and entry.startswith(fan_out.name):
                        yield bytes.fromhex(entry)
        except OSError as exc:
            raise self._translate(exc, "list the blobs") from None

    def remove_temp_files(self) -> int:
        """Remove what killed writers left (``.tmp-*`` in the fan-out directories); how many.

        Called when the store opens; calling it while another put of this
        store runs would remove that put's file, so only the owner calls it.
        """
        removed = 0
        for fan_out in self._fan_out_dirs():
            for entry in os.listdir(fan_out):
                if entry.startswith(TEMP_PREFIX):
                    _remove_quietly(fan_out / entry)
                    removed += 1
        return removed

    def _write_atomically(self, path: Path, data: bytes) -> None:
        directory = path.parent
        created = _make_dir(directory)
        temp = directory / f"{TEMP_PREFIX}{secrets.token_hex(8)}"
        flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC
        fd = os.open(temp, flags, _FILE_MODE)
        try:
            try:
                _write_all(fd, data)
                os.fsync(fd)
            finally:
                os.close(fd)
            os.replace(temp, path)
        except BaseException:
            _remove_quietly(temp)  # a full disk or a kill leaves no partial file behind
            raise
        _fsync_dir(directory)
        if created:
            _fsync_dir(self.root)

    def _holds_intact(self, path: Path, digest: bytes) -> bool:
        try:
            return self._hash(self._read(path, digest)) == digest
        except (FileNotFoundError, BlobCorruptError):
            return False

    def _read(self, path: Path, digest: bytes) -> bytes:
        # read at most MAX_BLOB + 1 bytes: a longer file cannot be a blob, and
        # memory stays bounded whatever was written into the directory
        with path.open("rb") as file:
            data = file.read(MAX_BLOB + 1)
        if len(data) > MAX_BLOB:
            raise BlobCorruptError(f"blob {digest.hex()} is corrupt: its file is over MAX_BLOB")
        return data

    def _fan_out_dirs(self) -> Iterator[Path]:
        for entry in os.listdir(self.root):
            if len(entry) == 2 and set(entry) <= _HEX and (self.root / entry).is_dir():
                yield self.root / entry

    def _path(self, name: str) -> Path:
        return self.root / name[:2] / name

    def _name_of(self, digest: bytes) -> str | None:
        return digest.hex() if len(digest) == self._digest_size else None

    def _is_blob_name(self, entry: str) -> bool:
        return len(entry) == 2 * self._digest_size and set(entry) <= _HEX

    def _not_found(self, digest: bytes) -> str:
        return f"no blob {digest.hex()} in the store at {self.root}"

    def _translate(self, exc: OSError, action: str) -> BlobError:
        reason = exc.strerror or type(exc).__name__
        if exc.errno in _FULL_ERRNOS:
            return BlobStoreFullError(
                f"the disk holding the blob store {self.root} is full: could not {action} "
                "(nothing partial was left; free space and retry)"
            )
        return BlobUnavailableError(f"blob store {self.root}: could not {action}: {reason}")


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        written = os.write(fd, view)
        view = view[written:]


def _make_dir(directory: Path) -> bool:
    """Create ``directory`` if missing; True when this call created it."""
    try:
        directory.mkdir(mode=_DIR_MODE)
    except FileExistsError:
        return False
    return True


def _fsync_dir(directory: Path) -> None:
    fd = os.open(directory, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _remove_quietly(path: Path) -> None:
    # already gone, or the disk refuses even that: there is nothing more to do here
    with contextlib.suppress(OSError):
        path.unlink()
