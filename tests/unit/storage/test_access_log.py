"""The access log store: a hash chain that names the first line deleted, moved or changed, and
survives a torn last line (docs/spec/audit.md, F-E2)."""

from __future__ import annotations

import hashlib
import itertools
import json
from pathlib import Path

import pytest

from govchain.crypto import suite_for
from govchain.storage.access_log import AccessLog, read_access_log, verify_access_log
from govchain.types.errors import ValidationError


def _sha256(data: bytes) -> bytes:
    return hashlib.sha256(data).digest()


def _written(path: Path, count: int) -> AccessLog:
    log = AccessLog(path, _sha256)
    for i in range(count):
        kind = "security" if i % 3 == 0 else "access"
        log.append({"method": "GET", "path": f"/v1/blocks/{i}", "status": 200, "kind": kind})
    return log


def test_lines_chain_and_verify_f_e2(tmp_path: Path) -> None:
    path = tmp_path / "audit" / "access.log"
    log = _written(path, 5)
    check = verify_access_log(path, _sha256)
    assert (check.lines, check.last_hash, check.security) == (5, log.prev, 2)
    entries = list(read_access_log(path))
    assert [e["seq"] for e in entries] == [1, 2, 3, 4, 5]
    assert all(b["prev"] == a["hash"] for a, b in itertools.pairwise(entries))
    sm3 = suite_for("gm").hash  # the gm suite chains with SM3: another hash, another chain
    with pytest.raises(ValidationError, match="line 1 was changed"):
        verify_access_log(path, sm3)


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (lambda lines: lines[:2] + lines[3:], "line 3 does not follow line 2"),
        (lambda lines: [lines[1], lines[0], *lines[2:]], "line 1 does not follow line 0"),
        (lambda lines: [*lines[:3], lines[3].replace(b"/v1/blocks/3", b"/v1/blocks/9")],
         "line 4 was changed"),
        (lambda lines: [*lines[:4], b"not json\n"], "line 5 is not JSON"),
    ],
)  # fmt: skip
def test_a_deleted_moved_or_changed_line_is_named_f_e2(
    tmp_path: Path, edit: object, message: str
) -> None:
    path = tmp_path / "access.log"
    _written(path, 5)
    lines = path.read_bytes().splitlines(keepends=True)
    path.write_bytes(b"".join(edit(lines)))  # type: ignore[operator]
    with pytest.raises(ValidationError, match=message):
        verify_access_log(path, _sha256)


def test_a_torn_last_line_is_cut_and_the_chain_goes_on_f_e2(tmp_path: Path) -> None:
    path = tmp_path / "access.log"
    _written(path, 3)
    with path.open("ab") as out:
        out.write(b'{"seq": 4, "half a li')  # a crash mid-write
    reopened = AccessLog(path, _sha256)
    assert reopened.seq == 3
    reopened.append({"method": "POST", "path": "/v1/txs", "status": 202, "kind": "access"})
    assert verify_access_log(path, _sha256).lines == 4
    assert json.loads(path.read_bytes().splitlines()[-1])["path"] == "/v1/txs"
