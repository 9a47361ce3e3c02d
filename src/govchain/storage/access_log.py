"""The access log store: hash-chained JSON lines (docs/spec/audit.md, F-E2, N-3).

Every answer of a node's API is one JSON line in ``HOME/audit/access.log``:
its sequence number, time (UTC ms), method, route template, path, status,
the account that signed the request (RFC 9421 signed reads; empty when
unsigned), the client's address, milliseconds taken, and ``kind``:
``access``, or ``security`` for refusals an auditor looks for (401 a
signature refused, 403 a permission denied, 429 a rate limit hit, 413 a body
too large). Each line carries ``prev``, the hash of the line before, and
``hash``, the suite hash of ``govchain/access-log/v1``, ``prev`` and the
line's canonical JSON without ``hash``: deleting, reordering or editing a
line breaks the chain at that line, which :func:`verify_access_log` names.

A line torn by a crash (no newline at the end) is cut off when the log is
opened again, so the chain goes on from the last whole line.

A log opened with ``max_bytes`` is bounded: a line that would take the file
past it first moves the file to ``<name>.1`` (replacing the one before), and
the chain goes on in a new file from the moved file's last line. The kept
files are checked together by :func:`verify_log_files` with ``rotated``: the
oldest kept line starts the chain (the lines before it were rotated away).
"""

from __future__ import annotations

import json
import os
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from govchain.types.errors import ValidationError

__all__ = [
    "ACCESS_LOG_FILE",
    "AccessLog",
    "LogCheck",
    "chain_hash",
    "log_files",
    "read_access_log",
    "verify_access_log",
    "verify_log_files",
    "verify_log_lines",
]

ACCESS_LOG_FILE = Path("audit") / "access.log"
DOMAIN = b"govchain/access-log/v1"
GENESIS_PREV = "00" * 32

Hash = Callable[[bytes], bytes]


def _canonical(entry: dict[str, Any]) -> bytes:
    return json.dumps(entry, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def _chained(hash_: Hash, entry: dict[str, Any]) -> str:
    return bytes(hash_(DOMAIN + bytes.fromhex(str(entry["prev"])) + _canonical(entry))).hex()


def chain_hash(hash_: Hash, entry: dict[str, Any]) -> str:
    """The hash a line (without its ``hash`` key) chains to: what its ``hash`` must be."""
    return _chained(hash_, entry)


def rotated_path(path: Path) -> Path:
    """Where a bounded log's previous file is kept: ``<name>.1``."""
    return path.with_name(path.name + ".1")


def log_files(path: Path) -> list[Path]:
    """A log's files, oldest first: the rotated one (when kept) and ``path``."""
    return [p for p in (rotated_path(path), path) if p.exists()]


class AccessLog:
    """One node's access log file, appended to by the API (thread-safe)."""

    def __init__(self, path: Path, hash_: Hash, max_bytes: int | None = None) -> None:
        """Open (or create) the log at ``path``; ``max_bytes`` bounds it by rotation."""
        if max_bytes is not None and max_bytes < 4096:
            raise ValueError(f"a bounded log needs max_bytes >= 4096, got {max_bytes}")
        self.path = path
        self.max_bytes = max_bytes
        self._hash = hash_
        self._lock = threading.Lock()
        path.parent.mkdir(parents=True, exist_ok=True)
        self.seq, self.prev = _resume(path)
        if self.seq == 0 and rotated_path(path).exists():  # crashed right after a rotation
            self.seq, self.prev = _resume(rotated_path(path))

    def append(self, entry: dict[str, Any]) -> dict[str, Any]:
        """Chain ``entry`` to the log and write it as one line; the line written."""
        with self._lock:
            line = {**entry, "seq": self.seq + 1, "prev": self.prev}
            line["hash"] = _chained(self._hash, line)
            data = _canonical(line) + b"\n"
            self._rotate_for(len(data))
            _append_to(self.path, data)
            self.seq, self.prev = line["seq"], line["hash"]
            return line

    def _rotate_for(self, size: int) -> None:
        if self.max_bytes is None or not self.path.exists():
            return
        if self.path.stat().st_size + size > self.max_bytes:
            self.path.replace(rotated_path(self.path))


def _append_to(path: Path, data: bytes) -> None:
    """Append ``data`` to the file at ``path`` (created if missing), unbuffered: one line costs
    one open, write and close, without building a Python file object per line (issue 21)."""
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o666)
    try:
        view = memoryview(data)
        while view:
            view = view[os.write(fd, view) :]
    finally:
        os.close(fd)


def _resume(path: Path) -> tuple[int, str]:
    """The last whole line's sequence number and hash; a torn last line is cut off."""
    if not path.exists() or path.stat().st_size == 0:
        return 0, GENESIS_PREV
    data = path.read_bytes()
    whole = data[: data.rfind(b"\n") + 1]
    if len(whole) != len(data):
        with path.open("r+b") as out:
            out.truncate(len(whole))
    if not whole:
        return 0, GENESIS_PREV
    last = json.loads(whole.splitlines()[-1])
    return int(last["seq"]), str(last["hash"])


def read_access_log(path: Path) -> Iterator[dict[str, Any]]:
    """The log's whole lines, in order (a line still being written is left out); ValidationError
    naming a line that is not JSON."""
    with path.open("rb") as lines:
        for number, raw in enumerate(lines, start=1):
            if not raw.endswith(b"\n"):
                return
            try:
                entry = json.loads(raw)
            except ValueError as exc:
                raise ValidationError(f"{path}: line {number} is not JSON") from exc
            if not isinstance(entry, dict):
                raise ValidationError(f"{path}: line {number} is not a JSON object")
            yield entry


@dataclass(frozen=True, slots=True)
class LogCheck:
    """A log's chain checked: lines read, the last hash, security events among them, and the
    first line's ``seq`` (above 1 when earlier lines were rotated away)."""

    lines: int
    last_hash: str
    security: int
    first_seq: int = 1


def verify_access_log(path: Path, hash_: Hash) -> LogCheck:
    """Check every line's chain and numbering; ValidationError naming the first broken line."""
    return verify_log_files([path], hash_)


def verify_log_files(paths: list[Path], hash_: Hash, *, rotated: bool = False) -> LogCheck:
    """Check the chain over ``paths`` (oldest first) as one log; ValidationError naming the
    file and line that breaks it. With ``rotated`` the first line may follow lines rotated away
    (its ``seq`` and ``prev`` start the chain); else the chain starts at line 1."""
    state = _ChainState(rotated=rotated)
    for path in paths:
        for number, entry in enumerate(read_access_log(path), start=1):
            state.follow(entry, hash_, f"{path}: ", number)
    return state.check()


def verify_log_lines(lines: list[dict[str, Any]], hash_: Hash, *, rotated: bool) -> LogCheck:
    """:func:`verify_log_files` over lines already read (an export); names the line's ``seq``."""
    state = _ChainState(rotated=rotated)
    for number, entry in enumerate(lines, start=1):
        if not isinstance(entry, dict):
            raise ValidationError(f"line {number} is not a JSON object")
        state.follow(dict(entry), hash_, "", number)
    return state.check()


class _ChainState:
    """The chain followed so far, line by line."""

    def __init__(self, *, rotated: bool) -> None:
        self.rotated = rotated
        self.prev, self.seq, self.security, self.first_seq = GENESIS_PREV, 0, 0, 1

    def follow(self, entry: dict[str, Any], hash_: Hash, where: str, number: int) -> None:
        claimed = entry.pop("hash", None)
        seq = entry.get("seq")
        if self.seq == 0 and self.rotated and isinstance(seq, int) and seq > 1:
            self.prev, self.seq, self.first_seq = str(entry.get("prev")), seq - 1, seq
        if entry.get("prev") != self.prev or seq != self.seq + 1:
            raise ValidationError(f"{where}line {number} does not follow line {number - 1}")
        if claimed != _chained(hash_, entry):
            raise ValidationError(f"{where}line {number} was changed after it was written")
        self.prev, self.seq = str(claimed), self.seq + 1
        self.security += entry.get("kind") == "security"

    def check(self) -> LogCheck:
        lines = self.seq - self.first_seq + 1
        return LogCheck(lines, self.prev, self.security, self.first_seq)
