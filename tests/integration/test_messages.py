"""Messages and reminders on a network of real processes (issue 17 items 5, 6; F-C3, F-C6).

Two validators (so empty blocks keep the heights moving), two storage
nodes, two enterprises A and B with lockers. A sends B three
messages while B is not listening: B's inbox has each once (both storage
nodes hold each). B opens the stream, A sends one more: B gets it live, and
the inbox then has all four, once each. B reads one
(the read receipt): A sees it. A message with ``--notice`` has its notice
on chain. B requests a grant of A's licence with ``remind_every`` 2 blocks
and 2 reminders, and nobody answers: A's inbox gets the two reminders from
the platform account, once each, and the request lapses.
"""

from __future__ import annotations

import json
import os
import subprocess
import time
from pathlib import Path
from typing import Any

import httpx
import pytest

from govchain.client.messages import MessageClient
from govchain.client.request_signing import RequestSigner
from govchain.client.sdk import NodeClient
from govchain.client.submission import committed_receipt, submit_args
from govchain.codes.demo import demo_uscc
from govchain.contracts.grants import RequestArgs, grants_tx
from govchain.crypto import suite_for
from govchain.crypto.keyfiles import read_signing_key, write_file_atomic
from govchain.node.netinit import NetworkLayout
from tests.govchain_cli import govchain, key_address
from tests.integration.network_support import running_network, wait_for

pytestmark = pytest.mark.timeout(600)

EXAMPLES = Path(__file__).resolve().parents[2] / "examples" / "asset-types"
TYPE = "11100000MB0143028R001"


class Run:
    def __init__(self, layout: NetworkLayout, tmp: Path) -> None:
        self.layout, self.tmp = layout, tmp
        self.node = ["--node", ",".join(n.api_url for n in layout.nodes)]

    def __call__(self, *args: str | Path) -> subprocess.CompletedProcess[str]:
        return govchain(*args)

    def json(self, *args: str | Path) -> Any:
        return json.loads(self(*args, "--json").stdout)


def _enterprise(run: Run, serial: int, member: str, admin: Path, password: Path) -> Path:
    key = run.tmp / f"enterprise{serial}.pem"
    suite = suite_for(run.layout.suite)
    write_file_atomic(key, suite.generate_key().to_pem())
    run(
        "subject", "apply", *run.node, "--key", key, "--kind", "enterprise",
        "--code", demo_uscc(8100 + serial), "--name", f"济南演示{serial}号商贸有限公司",
        "--member", member,
    )  # fmt: skip
    run(
        "subject",
        "approve",
        key_address(key),
        *run.node,
        "--key",
        admin,
        "--permissions",
        "transact",
    )
    run("locker", "init", *run.node, "--key", key, "--password-file", password)
    return key


def _inbox(run: Run, key: Path, password: Path) -> list[dict[str, Any]]:
    return list(
        run.json("msg", "inbox", *run.node, "--key", key, "--password-file", password)["messages"]
    )


def _send(run: Run, key: Path, to: str, text: str, *extra: str) -> dict[str, Any]:
    file = run.tmp / f"message-{os.urandom(4).hex()}.txt"
    file.write_text(text, encoding="utf-8")
    sent: dict[str, Any] = run.json(
        "msg", "send", *run.node, "--key", key, "--to", to, "--file", file, *extra
    )
    return sent


def _live(layout: NetworkLayout, key: Path, after: int, send: Any) -> list[dict[str, Any]]:
    """Open B's stream after ``after``, send once it is open, and return what came."""
    store = layout.storage_nodes[0]
    request = httpx.Request("GET", f"{store.url}/v1/messages/stream?after={after}")
    request.headers.update(RequestSigner(read_signing_key(key)).headers_for(request))
    got: list[dict[str, Any]] = []
    with httpx.Client(timeout=httpx.Timeout(30.0)) as client:
        response = client.send(request, stream=True)
        try:
            assert response.status_code == 200
            lines = response.iter_lines()
            assert next(lines) == ": inbox"  # the stream is open: now the message is live
            send()
            for line in lines:
                if line.startswith("data:"):
                    got.append(json.loads(line[5:]))
                    break
        finally:
            response.close()
    return got


def test_messages_between_subjects_and_reminders_of_an_unanswered_request(tmp_path: Path) -> None:
    with running_network(tmp_path / "net", validators=2, storage_nodes=2) as layout:
        run = Run(layout, tmp_path)
        code0, _, admin0 = layout.members[0]
        password = tmp_path / "password"
        password.write_text("演示-correct horse battery staple\n", encoding="utf-8")
        a_key = _enterprise(run, 1, code0, admin0, password)
        b_key = _enterprise(run, 2, code0, admin0, password)
        a, b = key_address(a_key), key_address(b_key)

        # offline: three messages while B is not listening, each once in B's inbox
        sent = [_send(run, a_key, b, f"第{i}封 message {i}")["id"] for i in range(3)]
        assert all(len(s) == 64 for s in sent)
        inbox = _inbox(run, b_key, password)
        assert [m["id"] for m in inbox] == sent
        assert [m["text"] for m in inbox] == [f"第{i}封 message {i}" for i in range(3)]
        assert all(
            m["sender"] == a and sorted(m["nodes"]) == ["storage1", "storage2"] for m in inbox
        )

        # live: B's stream is open, A sends one more
        with (
            NodeClient(layout.nodes[0].api_url) as node,
            MessageClient(node, read_signing_key(b_key)) as b_client,
        ):
            after = max(m.seq for m in b_client.inbox() if "storage1" in m.nodes)
        fourth: list[str] = []
        got = _live(layout, b_key, after, lambda: fourth.append(_send(run, a_key, b, "live")["id"]))
        assert [m["id"] for m in got] == fourth
        assert [m["id"] for m in _inbox(run, b_key, password)] == [*sent, *fourth]

        # a read receipt, seen by the sender; a notice on chain when asked
        shown = run("msg", "read", sent[1], *run.node, "--key", b_key, "--password-file", password)
        assert "第1封 message 1" in shown.stdout
        status = run.json("msg", "status", sent[1], *run.node, "--key", a_key)
        assert status["read"] is not None
        assert status["recipient"] == b
        assert run.json("msg", "status", sent[0], *run.node, "--key", a_key)["read"] is None
        noticed = _send(run, a_key, b, "with proof", "--notice")
        notice = httpx.get(
            f"{layout.nodes[0].api_url}/v1/messages/notices/{noticed['id']}?sender={a}", timeout=10
        ).json()["notice"]
        assert (notice["recipient"], notice["tx_hash"]) == (b, noticed["notice"])

        # reminders: B asks for A's licence, nobody answers
        defined = run.json(
            "asset-type", "define", *run.node, "--key", admin0,
            "--file", EXAMPLES / "business_licence.toml",
        )  # fmt: skip
        assert defined["code"] == TYPE
        fields = tmp_path / "fields.json"
        fields.write_bytes((EXAMPLES / "business_licence.fields.json").read_bytes())
        issued = run.json(
            "asset", "issue", *run.node, "--type", TYPE, "--data", fields, "--key", admin0,
            "--holder", a, "--mode", "authority",
        )  # fmt: skip
        request_id = _request(layout, b_key, bytes.fromhex(issued["content_id"]))

        def reminders() -> list[dict[str, Any]]:
            return [m for m in _inbox(run, a_key, password) if m["kind"] == "reminder"]

        wait_for(lambda: _request_status(layout, request_id) == "lapsed", 120, "the lapse")
        wait_for(lambda: len(reminders()) >= 2, 60, "two reminders")
        found = reminders()
        assert len(found) == 2, found
        platform = key_address(layout.directory / "platform" / "key.pem")
        assert {m["sender"] for m in found} == {platform}
        assert [f"reminder {c} of 2" in m["text"] for c, m in enumerate(found, 1)] == [True, True]
        assert all(request_id.hex() in m["text"] and b in m["text"] for m in found)


def _request(layout: NetworkLayout, key: Path, content_id: bytes) -> bytes:
    expires = int(time.time() * 1000) + 86_400_000
    args = RequestArgs(content_id, "view", "贷款审查 loan review", expires, 2, 2)
    with NodeClient(layout.nodes[0].api_url) as node:
        _, tx_hash = submit_args(node, read_signing_key(key), grants_tx, args)
        receipt = committed_receipt(node, tx_hash, 60)
    assert receipt.status == 0, receipt.error
    [event] = [e for e in receipt.events if e.type == "grants.requested"]
    request = event.attributes["request"]
    assert isinstance(request, bytes)
    return request


def _request_status(layout: NetworkLayout, request_id: bytes) -> str:
    answer = httpx.get(f"{layout.nodes[0].api_url}/v1/grants/{request_id.hex()}", timeout=10)
    return str(answer.json()["record"]["status"]) if answer.status_code == 200 else ""
