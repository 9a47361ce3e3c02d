"""One process per home: an exclusive ``flock`` on a lock file, held while the process lives.

Issue 13 item 4. ``govchain node start`` takes ``HOME/node.lock`` before it
does anything else, and ``govchain net up`` takes ``D/net.lock`` for the
network it keeps running. The kernel drops the lock when the process ends,
however it ends, so a crash never leaves a stale lock behind. The holder
writes its pid into the file, so a second process that is refused can name
the one that runs.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
from pathlib import Path
from typing import IO

from govchain.types.errors import GovChainError

__all__ = ["HomeInUseError", "HomeLock", "locked_pid"]


class HomeInUseError(GovChainError):
    """Another process holds the lock; ``pid`` is its pid when it could be read."""

    code = "home_in_use"

    def __init__(self, message: str, pid: int | None) -> None:
        super().__init__(message)
        self.pid = pid


class HomeLock:
    """An exclusive, non-blocking ``flock`` on ``path``, with this process's pid in the file."""

    def __init__(self, path: Path, file: IO[str]) -> None:
        self.path = path
        self._file: IO[str] | None = file

    @classmethod
    def take(cls, path: Path, what: str) -> HomeLock:
        """Lock ``path`` (created if missing) or raise HomeInUseError naming the holder.

        ``what`` says what is locked, for the message: e.g. ``"node home /n/node1"``.
        The file is never truncated before the lock is ours: the holder's pid stays.
        """
        file = path.open("a+", encoding="ascii")
        try:
            fcntl.flock(file.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            file.close()
            pid = locked_pid(path)
            holder = "another process" if pid is None else f"process {pid}"
            raise HomeInUseError(f"{what} is in use by {holder} (lock {path})", pid) from None
        except OSError:
            file.close()
            raise
        file.seek(0)
        file.truncate()
        file.write(f"{os.getpid()}\n")
        file.flush()
        return cls(path, file)

    def release(self) -> None:
        """Drop the lock (also dropped by the kernel when the process ends). Idempotent."""
        if self._file is not None:
            file, self._file = self._file, None
            with contextlib.suppress(OSError):
                file.seek(0)
                file.truncate()
            file.close()

    def __enter__(self) -> HomeLock:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.release()


def locked_pid(path: Path) -> int | None:
    """The pid the holder of ``path`` wrote, or None (no file, empty, or not a pid)."""
    try:
        text = path.read_text(encoding="ascii").strip()
    except (OSError, UnicodeDecodeError):
        return None
    return int(text) if text.isdigit() else None
