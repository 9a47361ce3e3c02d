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
"""

from __future__ import annotations

import json
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
    "read_access_log",
    "verify_access_log",
]

ACCESS_LOG_FILE = Path("audit") / "access.log"
DOMAIN = b"govchain/access-log/v1"
GENESIS_PREV = "00" * 32

Hash = Callable[[bytes], bytes]


def _canonical(entry: dict[str, Any]) -> bytes:
    return json.dumps(entry, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def _chained(hash_: Hash, entry: dict[str, Any]) -> str:
    return bytes(hash_(DOMAIN + bytes.fromhex(str(entry["prev"])) + _canonical(entry))).hex()


class AccessLog:
    """One node's access log file, appended to by the API (thread-safe)."""

    def __init__(self, path: Path, hash_: Hash) -> None:
        self.path = path
        self._hash = hash_
        self._lock = threading.Lock()
        path.parent.mkdir(parents=True, exist_ok=True)
        self.seq, self.prev = _resume(path)

    def append(self, entry: dict[str, Any]) -> dict[str, Any]:
        """Chain ``entry`` to the log and write it as one line; the line written."""
        with self._lock:
            line = {**entry, "seq": self.seq + 1, "prev": self.prev}
            line["hash"] = _chained(self._hash, line)
            with self.path.open("ab") as out:
                out.write(_canonical(line) + b"\n")
            self.seq, self.prev = line["seq"], line["hash"]
            return line


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
    """An access log's chain checked: lines read, the last hash, security events among them."""

    lines: int
    last_hash: str
    security: int


def verify_access_log(path: Path, hash_: Hash) -> LogCheck:
    """Check every line's chain and numbering; ValidationError naming the first broken line."""
    prev, seq, security = GENESIS_PREV, 0, 0
    for number, entry in enumerate(read_access_log(path), start=1):
        claimed = entry.pop("hash", None)
        if entry.get("prev") != prev or entry.get("seq") != seq + 1:
            raise ValidationError(f"{path}: line {number} does not follow line {number - 1}")
        if claimed != _chained(hash_, entry):
            raise ValidationError(f"{path}: line {number} was changed after it was written")
        prev, seq = str(claimed), seq + 1
        security += entry.get("kind") == "security"
    return LogCheck(seq, prev, security)
