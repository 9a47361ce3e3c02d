"""Sharing an e-licence on a network of real processes (issue 17 acceptance; F-C2, F-C3, F-C4).

A bank fetches an enterprise's business licence with an authorization code:
one usage record, an annotated copy that `govchain verify` accepts offline;
a second use of the one-use code, an expired code, a wrong code and a
revoked grant are refused with reasons and nothing is served. An agent
grants on the holder's behalf (both in the record) until its delegation
expires. The holder's usage history lists every view, in order, each with a
proof.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from govchain.client.auth_codes import new_code
from govchain.client.sdk import NodeClient
from govchain.codes.demo import demo_uscc
from govchain.crypto import suite_for
from govchain.crypto.keyfiles import read_signing_key, write_file_atomic
from govchain.ledger import records
from govchain.node.netinit import NetworkLayout
from tests.govchain_cli import govchain
from tests.integration.network_support import running_network, wait_for

pytestmark = pytest.mark.timeout(900)

EXAMPLES = Path(__file__).resolve().parents[2] / "examples" / "asset-types"


class Run:
    """The test's commands, with the node list."""

    def __init__(self, layout: NetworkLayout, tmp: Path) -> None:
        self.layout, self.tmp = layout, tmp
        self.node = ["--node", ",".join(n.api_url for n in layout.nodes)]

    def __call__(self, *args: str | Path, check: bool = True) -> str:
        result = govchain(*args, check=check)
        return result.stdout + result.stderr

    def json(self, *args: str | Path) -> Any:
        return json.loads(govchain(*args, "--json").stdout)

    def refused(self, *args: str | Path) -> str:
        result = govchain(*args, check=False)
        assert result.returncode == 1, result.stdout + result.stderr
        return result.stdout + result.stderr


def _iso(ms: int) -> str:
    return datetime.fromtimestamp(ms / 1000, tz=UTC).isoformat()


def _chain_ms(layout: NetworkLayout) -> int:
    with NodeClient(layout.nodes[0].api_url) as node:
        return int(node.status()["block_time"])


def _account(run: Run, name: str, member: int, password: Path) -> tuple[Path, str]:
    """An approved enterprise of member ``member`` with a locker."""
    code, _, admin = run.layout.members[member]
    key = run.tmp / f"{name}.pem"
    suite = suite_for(run.layout.suite)
    write_file_atomic(key, suite.generate_key().to_pem())
    address = records.address_of(suite, read_signing_key(key).public_key).hex()
    serial = {"company": 1, "bank": 2, "agent": 3}[name]
    run(
        "subject", "apply", *run.node, "--key", key, "--kind", "enterprise",
        "--code", demo_uscc(9100 + serial), "--name", f"济南演示{name}有限公司", "--member", code,
    )  # fmt: skip
    run("subject", "approve", address, *run.node, "--key", admin, "--permissions", "transact")
    run("locker", "init", *run.node, "--key", key, "--password-file", password)
    return key, address


def _files(directory: Path) -> list[str]:
    return sorted(p.name for p in directory.iterdir()) if directory.exists() else []


def test_codes_grants_delegation_and_history(tmp_path: Path) -> None:
    with running_network(tmp_path / "net", validators=4, storage_nodes=2) as layout:
        run = Run(layout, tmp_path)
        genesis = layout.directory / "genesis.json"
        _, _, admin0 = layout.members[0]
        run(
            "asset-type",
            "define",
            *run.node,
            "--key",
            admin0,
            "--file",
            EXAMPLES / "business_licence.toml",
        )
        password = tmp_path / "pw"
        password.write_text("演示 password of every account here\n", encoding="utf-8")
        company, company_addr = _account(run, "company", 0, password)
        bank, bank_addr = _account(run, "bank", 1, password)
        agent, agent_addr = _account(run, "agent", 0, password)
        issued = run.json(
            "asset", "issue", *run.node, "--key", admin0, "--type", "11100000MB0143028R001",
            "--holder", company_addr, "--mode", "authority",
            "--data", EXAMPLES / "business_licence.fields.json",
        )  # fmt: skip
        licence = issued["id"]
        later = _iso(_chain_ms(layout) + 3_600_000)
        pw = ("--password-file", password)

        # a one-use code: one read with an annotated copy that verifies offline
        code = run.json(
            "code", "new", licence, *run.node, "--key", company, "--purpose", "银行开户",
            "--expires", later, "--uses", "1", "--qr", tmp_path / "code.png", *pw,
        )  # fmt: skip
        assert (tmp_path / "code.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
        fetch = ("asset", "fetch", licence, *run.node, "--key", bank, "--purpose", "银行开户")
        out = tmp_path / "bank"
        run(*fetch, "--code", code["code"].lower(), "--out", out)
        fields = json.loads((out / f"{licence}.fields.json").read_text("utf-8"))
        assert fields["名称"] == "济南演示链信信息技术有限公司"
        copy = out / f"{licence}.copy.json"
        verified = run("verify", copy, "--genesis", genesis)
        assert "annotated copy verified" in verified

        # refused with a reason, nothing served: a second use, a wrong code, an expired code
        again = tmp_path / "again"
        assert "grant_used_up" in run.refused(*fetch, "--code", code["code"], "--out", again)
        assert "wrong_code" in run.refused(
            *fetch, "--code", _other_code(code["code"]), "--out", again
        )
        soon = run.json(
            "code", "new", licence, *run.node, "--key", company, "--purpose", "银行开户",
            "--expires", _iso(_chain_ms(layout) + 8_000), *pw,
        )  # fmt: skip
        wait_for(lambda: _chain_ms(layout) > _expires_ms(soon["expires"]), 60, "the code to expire")
        assert "grant_expired" in run.refused(*fetch, "--code", soon["code"], "--out", again)
        assert _files(again) == []

        # a grant: two reads allowed, then revoked
        grant = run.json(
            "grant", "create", licence, *run.node, "--key", company, "--to", bank_addr,
            "--purpose", "贷款审批", "--expires", later, "--uses", "2", *pw,
        )  # fmt: skip
        run(*fetch[:-2], "--purpose", "贷款审批", *pw, "--out", tmp_path / "granted")
        run(
            "grant", "revoke", grant["grant"], *run.node, "--key", company, "--reason", "业务已办结"
        )
        assert "grant_revoked" in run.refused(
            *fetch[:-2], "--purpose", "贷款审批", *pw, "--out", again
        )
        assert _files(again) == []

        # delegation: the agent grants for the company, until the delegation expires
        run(
            "grant", "create", licence, *run.node, "--key", company, "--to", agent_addr,
            "--purpose", "代办", "--expires", later, "--uses", "1", *pw,
        )  # fmt: skip
        # the agent's grant below must commit before the delegation expires: 8 s of chain time
        # were not enough on a loaded machine (five test workers on two cores, 2026-12-07)
        until = _chain_ms(layout) + 30_000
        run(
            "delegate", "create", *run.node, "--key", company, "--agent", agent_addr,
            "--scope", "grant", "--scope", "view", "--expires", _iso(until),
            "--purpose", "代办开户",
        )  # fmt: skip
        by_agent = run.json(
            "grant", "create", licence, *run.node, "--key", agent, "--to", bank_addr,
            "--purpose", "代办开户", "--expires", later, "--on-behalf", company_addr, *pw,
        )  # fmt: skip
        with NodeClient(layout.nodes[0].api_url) as node:
            record = node.get_json(f"/v1/grants/{by_agent['grant']}")["record"]
        assert (record["holder"], record["by"]) == (company_addr, agent_addr)
        wait_for(lambda: _chain_ms(layout) > until, 60, "the delegation to expire")
        assert "not_delegated" in run.refused(
            "grant", "create", licence, *run.node, "--key", agent, "--to", bank_addr,
            "--purpose", "代办开户", "--expires", later, "--on-behalf", company_addr, *pw,
        )  # fmt: skip

        # the holder's usage history: every read, in order, each with its proof
        history = run.json(
            "asset", "history", licence, *run.node, "--key", company, "--genesis", genesis
        )
        assert history["verified"]
        assert [(u["reader"], u["via"], u["purpose"]) for u in history["usage"]] == [
            (bank_addr, "code", "银行开户"),
            (bank_addr, "grant", "贷款审批"),
        ]
        heights = [u["height"] for u in history["usage"]]
        assert heights == sorted(heights)


def _other_code(code: str) -> str:
    """Another well-formed code (a new one), so only the chain can say it is wrong."""
    other = new_code()
    assert other != code
    return other


def _expires_ms(text: str) -> int:
    return int(datetime.fromisoformat(text).timestamp() * 1000)
