"""A signed log export: both logs and the node's signature over their heads, checked offline;
a flipped byte, a dropped line or another node's key is found (docs/spec/audit.md, F-E2, N-3)."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from pathlib import Path
from typing import Any

import pytest

from govchain.audit.export import build_export, check_export
from govchain.network.certs import init_transport_ca, issue_transport_certificate
from govchain.storage.access_log import ACCESS_LOG_FILE, AccessLog
from govchain.storage.security_log import SecurityEvents, open_security_log
from govchain.types.errors import ValidationError

CHAIN = "govchain-export-test"


def _sha256(data: bytes) -> bytes:
    return hashlib.sha256(data).digest()


def _not_counted(_source: str, _event: str) -> None:
    return None


@pytest.fixture(scope="module")
def node_home(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, bytes]]:
    home = tmp_path_factory.mktemp("node")
    now = dt.datetime.now(dt.UTC)
    ca = init_transport_ca(home / "ca", "演示成员", now)
    identity = issue_transport_certificate(ca, "node0", home / "tls", now)
    access = AccessLog(home / ACCESS_LOG_FILE, _sha256)
    for i in range(5):
        access.append({"method": "GET", "path": f"/v1/blocks/{i}", "status": 200, "kind": "access"})
    events = SecurityEvents(open_security_log(home, _sha256, max_bytes=4096), _not_counted)
    for i in range(80):  # past one rotation: the export starts at a later seq
        events.record("api", "permission_denied", method="POST", route="/v1/txs", status=403,
                      signer="", client=f"10.1.0.{i % 5}", path="/v1/txs")  # fmt: skip
    return home, {"node0": identity.fingerprint}


def _export(node_home: tuple[Path, dict[str, bytes]]) -> dict[str, Any]:
    # through JSON, as the file is written and read
    return json.loads(json.dumps(build_export(node_home[0], CHAIN, _sha256)))


def test_an_export_verifies_offline_against_the_registered_transport_key_f_e2(
    node_home: tuple[Path, dict[str, bytes]],
) -> None:
    export = _export(node_home)
    checked = check_export(export, CHAIN, _sha256, node_home[1])
    assert checked.node == "node0"
    assert (checked.access.lines, checked.access.first_seq) == (5, 1)
    assert checked.security.first_seq > 1  # the rotated-away lines are not in the export
    assert checked.security.first_seq + checked.security.lines - 1 == 80
    assert export["statement"]["security"]["lines"] == len(export["security"])


def _flip_a_byte(export: dict[str, Any]) -> None:
    export["access"][2]["path"] = "/v1/blocks/9"


def _drop_last_line(export: dict[str, Any]) -> None:
    export["security"].pop()


def _drop_middle_line(export: dict[str, Any]) -> None:
    del export["access"][2]


def _edit_statement(export: dict[str, Any]) -> None:
    export["statement"]["exported"] += 1


@pytest.mark.parametrize(
    ("tamper", "found"),
    [
        (_flip_a_byte, "access log does not verify: line 3 was changed"),
        (_drop_last_line, "security log's lines do not end at the signed head"),
        (_drop_middle_line, "access log does not verify: line 3 does not follow line 2"),
        (_edit_statement, "the signature is not node0's"),
    ],
)
def test_a_changed_or_dropped_line_or_an_edited_statement_is_found_f_e2(
    node_home: tuple[Path, dict[str, bytes]], tamper: Any, found: str
) -> None:
    export = _export(node_home)
    tamper(export)
    with pytest.raises(ValidationError, match=found):
        check_export(export, CHAIN, _sha256, node_home[1])


def test_another_key_or_chain_is_refused_f_e2(node_home: tuple[Path, dict[str, bytes]]) -> None:
    export = _export(node_home)
    with pytest.raises(ValidationError, match="not the transport key of node0"):
        check_export(export, CHAIN, _sha256, {"node0": b"\x01" * 32})
    with pytest.raises(ValidationError, match="not in the registry given"):
        check_export(export, CHAIN, _sha256, {"node1": node_home[1]["node0"]})
    with pytest.raises(ValidationError, match="is of chain"):
        check_export(export, "another-chain", _sha256, node_home[1])
    with pytest.raises(ValidationError, match="not a log export"):
        check_export([], CHAIN, _sha256, node_home[1])
