"""The consensus write-ahead log: records that must be on disk before a message leaves.

A validator writes what it is about to sign (and what it has seen) here, and
only sends once :meth:`Wal.append` has returned. On restart the log is replayed,
so a crash at any instant (``kill -9``, power loss) can never make the node sign
two different things for the same height, round and step.

File format::

    header   b"GCWAL\\x00\\x01\\n"             8 bytes: magic "GCWAL", version 0x0001, newline
    frame*   length  u32 big-endian         byte length of the payload, 1..max_record
             crc     u32 big-endian         zlib.crc32 of the payload
             payload canonical CBOR         one record (govchain.codec)

Replay rules. A damaged *final* frame is a torn write and is cut off: its
header is incomplete, its length runs past the end of the file, or its CRC
fails with nothing after it. So is a damaged frame followed only by zero
bytes (a file extended by a crash before its data reached the disk). Anything
else is :class:`WalCorruptError`: a bad frame with data after it, a bad magic,
a length of zero or over ``max_record``, or a payload that is not canonical
CBOR. The node must stop then; records are never dropped silently.

Records are values of the codec's data model. Arrays come back as lists, so a
tuple is replayed as a list.
"""

from __future__ import annotations

import errno
import fcntl
import os
import struct
import zlib
from pathlib import Path
from types import TracebackType
from typing import Self

from govchain.codec import CodecError, Limits, decode, encode
from govchain.types.errors import GovChainError, StorageFullError

__all__ = [
    "DEFAULT_MAX_RECORD",
    "MAGIC",
    "Wal",
    "WalCorruptError",
    "WalLockedError",
    "last_record_start",
]

MAGIC = b"GCWAL\x00\x01\n"
"""The file header: magic, format version 1, newline."""

DEFAULT_MAX_RECORD = 1 << 20
"""Default upper bound on one record's encoded size, in bytes."""

_FRAME = struct.Struct(">II")
_FULL_ERRNOS = frozenset({errno.ENOSPC, errno.EDQUOT})
_MAX_DEPTH = 66  # the encoder nests to 64; leave room so what it writes replays


class WalCorruptError(GovChainError):
    """The WAL is damaged somewhere other than a torn final record; the node must stop."""

    code = "wal_corrupt"


class WalLockedError(GovChainError):
    """Another process holds the WAL open; two writers would break its guarantees."""

    code = "wal_locked"


class Wal:
    """An append-only, fsync'd log of CBOR records with crash-safe replay.

    Create one with :meth:`open`. Not thread-safe: one driver owns it.
    """

    def __init__(self, path: Path, fd: int, size: int, count: int, max_record: int) -> None:
        """Use :meth:`open`; this only takes over an already checked, locked descriptor."""
        self._path = path
        self._fd: int | None = fd
        self._size = size
        self._count = count
        self._max_record = max_record
        self._broken: str | None = None

    # -- opening and replay -------------------------------------------------

    @classmethod
    def open(cls, path: Path, *, max_record: int = DEFAULT_MAX_RECORD) -> tuple[Wal, list[object]]:
        """Open or create the WAL at ``path``; return it and every intact record, in order.

        A torn final record is cut off (and the cut synced). Raises
        :class:`WalCorruptError` for any other damage and :class:`WalLockedError`
        if another process has the file open through this class.
        """
        if max_record < 1:
            raise ValueError(f"max_record must be at least 1, got {max_record}")
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = _open_locked(path)
        try:
            _remove_stray(_tmp_path(path))
            data = _read_all(fd)
            records, good_end = _replay(data, path, max_record)
            if good_end == 0:
                _write_all(fd, MAGIC, 0)
                os.ftruncate(fd, len(MAGIC))
                _sync(fd)
                _fsync_dir(path.parent)
                good_end = len(MAGIC)
            elif good_end != len(data):
                os.ftruncate(fd, good_end)
                _sync(fd)
        except BaseException:
            os.close(fd)
            raise
        return cls(path, fd, good_end, len(records), max_record), records

    # -- writing ------------------------------------------------------------

    def append(self, record: object) -> None:
        """Write ``record`` and fsync it; once this returns the record is durable.

        Raises ``ValueError`` (nothing written) for a record that is over
        ``max_record`` or would not replay, :class:`StorageFullError` when the
        disk is full, and re-raises other ``OSError``. On any error the file
        is cut back to what it was before the call.
        """
        fd = self._usable_fd()
        frame = self._frame(record)
        start = self._size
        try:
            _write_all(fd, frame, start)
            _sync(fd)
        except OSError as exc:
            self._roll_back(fd, start)
            if exc.errno in _FULL_ERRNOS:
                raise StorageFullError(
                    f"WAL {self._path}: disk full writing a {len(frame)}-byte record "
                    f"at offset {start}; the WAL is unchanged"
                ) from exc
            raise
        self._size = start + len(frame)
        self._count += 1

    def reset(self, record: object) -> None:
        """Atomically replace the whole WAL with one holding only ``record``.

        Writes ``<path>.tmp``, fsyncs it, renames it over the WAL and fsyncs
        the directory. A crash at any point leaves the old WAL or the new one.
        Errors before the rename leave the old WAL in use; raises like
        :meth:`append`.
        """
        old_fd = self._usable_fd()
        content = MAGIC + self._frame(record)
        tmp = _tmp_path(self._path)
        new_fd = self._write_tmp(tmp, content)
        try:
            os.replace(tmp, self._path)
        except OSError:
            os.close(new_fd)
            _remove_stray(tmp)
            raise
        self._fd, self._size, self._count = new_fd, len(content), 1
        os.close(old_fd)
        try:
            _fsync_dir(self._path.parent)
        except OSError as exc:
            # Until the rename is durable a crash may bring back the old WAL,
            # so appending to the new one would not be safe.
            self._broken = f"syncing the directory after reset failed: {exc}"
            raise

    def _write_tmp(self, tmp: Path, content: bytes) -> int:
        """Write ``content`` to ``tmp``, fsync and lock it; return its descriptor."""
        _remove_stray(tmp)
        fd = os.open(tmp, os.O_RDWR | os.O_CREAT | os.O_EXCL, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            _write_all(fd, content, 0)
            _sync(fd)
        except OSError as exc:
            os.close(fd)
            _remove_stray(tmp)
            if exc.errno in _FULL_ERRNOS:
                raise StorageFullError(
                    f"WAL {self._path}: disk full writing {tmp.name} for a reset; "
                    "the old WAL is unchanged"
                ) from exc
            raise
        return fd

    def _frame(self, record: object) -> bytes:
        """Encode ``record`` and frame it; ``ValueError`` if it could not be replayed."""
        payload = encode(record)
        if len(payload) > self._max_record:
            raise ValueError(
                f"WAL record is {len(payload)} bytes, max_record is {self._max_record}"
            )
        try:
            decode(payload, _limits(self._max_record))
        except CodecError as exc:
            raise ValueError(f"WAL record would not replay: {exc}") from exc
        return _FRAME.pack(len(payload), zlib.crc32(payload)) + payload

    def _roll_back(self, fd: int, length: int) -> None:
        """Cut the file back to ``length`` after a failed write; poison the WAL if that fails."""
        try:
            os.ftruncate(fd, length)
            _sync(fd)
        except OSError as exc:
            # The file may end in part of a frame. Replay cuts that off, but
            # appending after it would bury it mid-file, so stop here.
            self._broken = f"rolling back a failed append failed: {exc}"

    def _usable_fd(self) -> int:
        if self._fd is None:
            raise ValueError(f"WAL {self._path} is closed")
        if self._broken is not None:
            raise OSError(errno.EIO, f"WAL {self._path} is unusable ({self._broken}); reopen it")
        return self._fd

    # -- state and lifetime -------------------------------------------------

    @property
    def path(self) -> Path:
        """Where the WAL lives."""
        return self._path

    @property
    def size(self) -> int:
        """The file's length in bytes, header included."""
        return self._size

    @property
    def records_written(self) -> int:
        """How many records the current file holds (replayed plus appended)."""
        return self._count

    @property
    def closed(self) -> bool:
        """True once :meth:`close` has run."""
        return self._fd is None

    def close(self) -> None:
        """Close the file (releasing its lock). Safe to call twice."""
        if self._fd is not None:
            fd, self._fd = self._fd, None
            os.close(fd)

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()


# -- replay -----------------------------------------------------------------


def _replay(data: bytes, path: Path, max_record: int) -> tuple[list[object], int]:
    """Parse a whole WAL file; return its records and where the intact part ends.

    An end of 0 means the header itself is missing or torn and must be written.
    """
    if len(data) < len(MAGIC):
        if MAGIC.startswith(data):
            return [], 0
        raise WalCorruptError(f"WAL {path}: bad magic {data!r} at offset 0")
    if data[: len(MAGIC)] != MAGIC:
        raise WalCorruptError(f"WAL {path}: bad magic {data[: len(MAGIC)]!r} at offset 0")
    limits = _limits(max_record)
    records: list[object] = []
    pos = len(MAGIC)
    while pos < len(data):
        payload, end = _read_frame(data, pos, path, max_record)
        if payload is None:
            return records, pos
        try:
            records.append(decode(payload, limits))
        except CodecError as exc:
            raise WalCorruptError(
                f"WAL {path}: record at offset {pos} is not canonical CBOR: {exc}"
            ) from exc
        pos = end
    return records, pos


def last_record_start(path: Path, *, max_record: int = DEFAULT_MAX_RECORD) -> int | None:
    """Offset of the last intact record's frame in the WAL at ``path``; None if it has none.

    For tools that damage a WAL on purpose (``govchain chaos`` tears its tail)
    without knowing the frame format. WalCorruptError if the file is damaged.
    """
    data = path.read_bytes()
    _records, end = _replay(data, path, max_record)
    if end <= len(MAGIC):
        return None
    pos, last = len(MAGIC), len(MAGIC)
    while pos < end:
        last = pos
        _payload, pos = _read_frame(data, pos, path, max_record)
    return last


def _read_frame(data: bytes, pos: int, path: Path, max_record: int) -> tuple[bytes | None, int]:
    """Check the frame at ``pos``; return its payload and end, or ``(None, pos)`` if torn."""
    if len(data) - pos < _FRAME.size:
        return None, pos
    length, crc = _FRAME.unpack_from(data, pos)
    if length == 0:
        if _only_zeros(data, pos):
            return None, pos
        raise WalCorruptError(f"WAL {path}: zero-length frame at offset {pos}")
    if length > max_record:
        raise WalCorruptError(
            f"WAL {path}: frame at offset {pos} claims {length} bytes, max_record is {max_record}"
        )
    start = pos + _FRAME.size
    end = start + length
    if end > len(data):
        return None, pos
    payload = data[start:end]
    if zlib.crc32(payload) != crc:
        if end == len(data) or _only_zeros(data, end):
            return None, pos
        raise WalCorruptError(
            f"WAL {path}: CRC mismatch in frame at offset {pos} "
            f"with {len(data) - end} bytes after it"
        )
    return payload, end


def _only_zeros(data: bytes, pos: int) -> bool:
    """True if everything from ``pos`` to the end is zero bytes."""
    return data.count(0, pos) == len(data) - pos


def _limits(max_record: int) -> Limits:
    return Limits(
        max_bytes=max_record,
        max_depth=_MAX_DEPTH,
        max_items=max_record,
        max_string_bytes=max_record,
    )


# -- file helpers -----------------------------------------------------------


def _tmp_path(path: Path) -> Path:
    return path.with_name(path.name + ".tmp")


def _open_locked(path: Path) -> int:
    """Open (creating) ``path`` read-write and take an exclusive lock on it."""
    created = not path.exists()
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError as exc:
            raise WalLockedError(f"WAL {path} is open in another process") from exc
        if os.fstat(fd).st_ino != os.stat(path).st_ino:
            raise WalLockedError(f"WAL {path} was replaced while opening it; retry")
        if created:
            _sync(fd)
            _fsync_dir(path.parent)
    except BaseException:
        os.close(fd)
        raise
    return fd


def _read_all(fd: int) -> bytes:
    size = os.fstat(fd).st_size
    chunks: list[bytes] = []
    pos = 0
    while pos < size:
        chunk = os.pread(fd, size - pos, pos)
        if not chunk:
            break
        chunks.append(chunk)
        pos += len(chunk)
    return b"".join(chunks)


def _write_all(fd: int, data: bytes, offset: int) -> None:
    """Write all of ``data`` at ``offset``, looping over partial writes."""
    os.lseek(fd, offset, os.SEEK_SET)
    view = memoryview(data)
    while view:
        written = os.write(fd, view)
        view = view[written:]


def _sync(fd: int) -> None:
    """fsync ``fd``: its own function, so a profile tells waiting on the disk apart."""
    os.fsync(fd)


def _fsync_dir(directory: Path) -> None:
    fd = os.open(directory, os.O_RDONLY | os.O_DIRECTORY)
    try:
        _sync(fd)
    finally:
        os.close(fd)


def _remove_stray(tmp: Path) -> None:
    """Delete a leftover temporary file from an interrupted reset, if any."""
    try:
        os.unlink(tmp)
    except FileNotFoundError:
        return
    _fsync_dir(tmp.parent)
