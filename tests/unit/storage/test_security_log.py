"""The security log: bounded by rotation, the chain checked across the kept files, lines with
public identifiers only (docs/spec/audit.md, F-E2, N-3)."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from govchain.storage.access_log import AccessLog, read_access_log, verify_log_files
from govchain.storage.security_log import (
    SECURITY_LOG_FILE,
    SecurityEvents,
    open_security_log,
    verify_security_log,
)
from govchain.types.errors import ValidationError


def _sha256(data: bytes) -> bytes:
    return hashlib.sha256(data).digest()


def _events(home: Path, max_bytes: int) -> tuple[SecurityEvents, list[tuple[str, str]]]:
    counted: list[tuple[str, str]] = []
    log = open_security_log(home, _sha256, max_bytes=max_bytes)
    return SecurityEvents(log, lambda source, event: counted.append((source, event))), counted


def test_the_log_rotates_at_its_limit_and_the_kept_files_verify_as_one_chain_n_3(
    tmp_path: Path,
) -> None:
    events, counted = _events(tmp_path, 4096)
    for i in range(200):
        events.record("p2p", "peer_refused", refusal="tls", host=f"10.0.0.{i % 7}", left_out=0)
    path = tmp_path / SECURITY_LOG_FILE
    rotated = path.with_name("security.log.1")
    assert rotated.exists()
    assert path.stat().st_size <= 4096
    assert rotated.stat().st_size <= 4096
    files, check = verify_security_log(tmp_path, _sha256)
    assert files == [rotated, path]
    kept = [e["seq"] for f in files for e in read_access_log(f)]
    assert kept[0] > 1
    assert kept == list(range(kept[0], 201))
    assert (check.first_seq, check.lines, check.security) == (kept[0], len(kept), len(kept))
    assert len(counted) == 200  # every event counted, whatever the log kept
    with pytest.raises(ValidationError, match="line 1 does not follow line 0"):
        verify_log_files([rotated, path], _sha256)  # without rotation the chain starts at 1
    # a reopened log goes on from the last line, after its rotated file
    reopened = AccessLog(path, _sha256, max_bytes=4096)
    assert reopened.seq == 200


def test_a_line_dropped_at_the_rotation_boundary_is_found_n_3(tmp_path: Path) -> None:
    events, _ = _events(tmp_path, 4096)
    for _ in range(60):
        events.record("api", "rate_limited", method="GET", route="/v1/blocks/{h}", client="::1")
    path = tmp_path / SECURITY_LOG_FILE
    lines = path.read_bytes().splitlines(keepends=True)
    path.write_bytes(b"".join(lines[1:]))
    with pytest.raises(ValidationError, match=r"security\.log: line 1 does not follow line 0"):
        verify_security_log(tmp_path, _sha256)


def test_written_only_when_asked_and_counted_always_and_unknown_events_refused(
    tmp_path: Path,
) -> None:
    events, counted = _events(tmp_path, 1 << 20)
    events.record("p2p", "peer_refused", write=False, refusal="identity", host="h", left_out=0)
    events.record("mempool", "bad_signature", via="api", tx="ab" * 32, type="grants.use")
    assert counted == [("p2p", "peer_refused"), ("mempool", "bad_signature")]
    [line] = read_access_log(tmp_path / SECURITY_LOG_FILE)
    assert (line["source"], line["event"], line["tx"], line["kind"]) == (
        "mempool", "bad_signature", "ab" * 32, "security",
    )  # fmt: skip
    with pytest.raises(ValueError, match="unknown security event"):
        events.record("mempool", "too_large")
    with pytest.raises(ValueError, match="expected str or int"):
        events.record("api", "rate_limited", body={"name": "x"})
    with pytest.raises(ValueError, match="max_bytes"):
        AccessLog(tmp_path / "small.log", _sha256, max_bytes=100)
