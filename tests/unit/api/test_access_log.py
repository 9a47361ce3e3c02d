"""Every answer of the API is an access-log line; refusals are security events (F-E2, N-3)."""

from __future__ import annotations

import hashlib
from pathlib import Path

from govchain.api import create_app
from govchain.node.services import service_routes
from govchain.storage.access_log import AccessLog, read_access_log, verify_access_log

from .conftest import MakeClient
from .fake_node import FakeNode


def test_answers_are_logged_and_chained_security_events_marked_f_e2(
    node: FakeNode, make_client: MakeClient, tmp_path: Path
) -> None:
    path = tmp_path / "audit" / "access.log"
    logged = create_app(
        node, service_routes=service_routes(), metrics=node.metrics,
        access_log=AccessLog(path, _sha256),
    )  # fmt: skip
    api = make_client(logged)
    assert api.get("/v1/status").status_code == 200
    assert api.get("/v1/blocks/99999").status_code == 404
    refused = api.get(f"/v1/grants/to/{'ab' * 20}")  # a signed read, unsigned
    assert refused.status_code == 401
    entries = list(read_access_log(path))
    assert [(e["path"], e["status"], e["kind"]) for e in entries] == [
        ("/v1/status", 200, "access"),
        ("/v1/blocks/99999", 404, "access"),
        (f"/v1/grants/to/{'ab' * 20}", 401, "security"),
    ]
    assert entries[2]["event"] == "signature_refused"
    assert entries[2]["signer"] == ""
    assert entries[0]["route"] == "/v1/status"
    assert verify_access_log(path, _sha256).lines == 3


def _sha256(data: bytes) -> bytes:
    return hashlib.sha256(data).digest()
