"""The security log: a node's security events, hash-chained and bounded (docs/spec/audit.md).

F-E2, N-3. Refused peers, permission denials, bad signatures and rate-limit
hits, from the API, the peer network and tx admission, are lines of
``HOME/audit/security.log``. The lines and their chain are those of the access
log (``govchain.storage.access_log``: ``seq``, ``prev``, ``hash``); the log is
bounded: past :data:`SECURITY_LOG_MAX_BYTES` the file moves to
``security.log.1`` (replacing the one before) and the chain goes on in a new
file, so the two files hold at most twice that. A line names public
identifiers only (event, source, host, route, account address, tx hash,
error code): never a request's body, a tx's arguments or a peer's message.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from govchain.storage.access_log import AccessLog, LogCheck, log_files, verify_log_files

__all__ = [
    "SECURITY_EVENTS",
    "SECURITY_LOG_FILE",
    "SECURITY_LOG_MAX_BYTES",
    "SecurityEvents",
    "open_security_log",
    "security_event",
    "verify_security_log",
]

SECURITY_LOG_FILE = Path("audit") / "security.log"
SECURITY_LOG_MAX_BYTES = 8 * 1024 * 1024
"""A security log file's size limit: 8 MiB (about 30 000 lines), two files kept."""

SECURITY_EVENTS = {
    "api": ("signature_refused", "permission_denied", "too_large", "rate_limited"),
    "p2p": ("peer_refused",),
    "mempool": ("bad_signature", "permission_denied"),
}
"""The events each source writes (the ``source`` and ``event`` of a line)."""

Hash = Callable[[bytes], bytes]


def open_security_log(
    home: Path, hash_: Hash, max_bytes: int = SECURITY_LOG_MAX_BYTES
) -> AccessLog:
    """The node's security log, opened for appending (bounded by rotation)."""
    return AccessLog(home / SECURITY_LOG_FILE, hash_, max_bytes=max_bytes)


def security_event(source: str, event: str, **fields: Any) -> dict[str, Any]:
    """One security log line before it is chained: time (UTC ms), ``kind`` security, source,
    event, and the public identifiers in ``fields`` (str or int values only)."""
    if event not in SECURITY_EVENTS.get(source, ()):
        raise ValueError(f"unknown security event {source}/{event}")
    for name, value in fields.items():
        if not isinstance(value, str | int):
            raise ValueError(f"security event field {name}: expected str or int")
    return {
        "time": time.time_ns() // 1_000_000, "kind": "security", "source": source,
        "event": event, **fields,
    }  # fmt: skip


class SecurityEvents:
    """Where a node's parts report security events: each is counted (``count(source, event)``,
    the Prometheus counter) and written to the log, unless the caller rate-limits its lines
    (``write=False``: counted only)."""

    def __init__(self, log: AccessLog | None, count: Callable[[str, str], None]) -> None:
        self.log = log
        self._count = count

    def record(self, source: str, event: str, *, write: bool = True, **fields: Any) -> None:
        """Count one event and (``write``) append its line."""
        entry = security_event(source, event, **fields)
        self._count(source, event)
        if write and self.log is not None:
            self.log.append(entry)


def verify_security_log(home: Path, hash_: Hash) -> tuple[list[Path], LogCheck]:
    """The security log's files (oldest first) and their chain checked as one log (its first
    line may follow lines rotated away); ValidationError naming the first broken line."""
    files = log_files(home / SECURITY_LOG_FILE)
    return files, verify_log_files(files, hash_, rotated=True)
