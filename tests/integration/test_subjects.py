"""Subjects on a network of real node processes (issue 14 acceptance; F-B3, F-C7).

An enterprise with a valid credit code applies with its own key and is
approved; a bad credit code and a bad citizen number are refused naming the
check; a person applies with the reviewing member's identity key, is
approved and reads its own record with a signed read. Then every byte the
run left (ledger files, logs, every command's output, the API answers) is
searched for the person's ID number, name and address: none may be there.
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import httpx
import pytest

from govchain.codes.demo import demo_citizen_id, demo_uscc
from govchain.crypto import suite_for
from govchain.crypto.keyfiles import read_public_key, write_file_atomic
from govchain.ledger import records
from govchain.node.netinit import NetworkLayout
from tests.govchain_cli import govchain, one_line_error
from tests.integration.network_support import running_network

pytestmark = pytest.mark.timeout(600)

ID_NUMBER = demo_citizen_id(321)
NAME = "赵某某"
ADDRESS = "济南市历下区演示大街8号"


def _nodes(layout: NetworkLayout) -> list[str]:
    return ["--node", ",".join(n.api_url for n in layout.nodes)]


def _address(suite_name: str, key: Path) -> str:
    return records.address_of(suite_for(suite_name), read_public_key(key)[1]).hex()


def test_subjects_apply_are_reviewed_and_nothing_personal_leaks(tmp_path: Path) -> None:
    outputs: list[subprocess.CompletedProcess[str]] = []

    def run(*args: str | Path, check: bool = True) -> subprocess.CompletedProcess[str]:
        result = govchain(*args, check=check)
        outputs.append(result)
        return result

    with running_network(tmp_path / "net", validators=4) as layout:
        suite = suite_for(layout.suite)
        code, _, admin = layout.members[1]
        keys = {}
        for who in ("enterprise", "person", "bad"):
            keys[who] = tmp_path / f"{who}.pem"
            write_file_atomic(keys[who], suite.generate_key().to_pem())

        enterprise = demo_uscc(7001)
        run(
            "subject", "apply", *_nodes(layout), "--key", keys["enterprise"], "--kind",
            "enterprise", "--code", enterprise, "--name", "济南演示链信信息技术有限公司",
            "--member", code,
        )  # fmt: skip
        company = _address(layout.suite, keys["enterprise"])
        run(
            "subject",
            "approve",
            company,
            *_nodes(layout),
            "--key",
            admin,
            "--permissions",
            "transact",
        )
        shown = json.loads(run("account", "show", company, *_nodes(layout), "--json").stdout)
        assert shown["account"]["kind"] == "subject"
        assert shown["account"]["roles"] == ["transact"]

        bad_code = enterprise[:-1] + ("1" if enterprise[-1] != "1" else "2")
        refused = run(
            "subject", "apply", *_nodes(layout), "--key", keys["bad"], "--kind", "enterprise",
            "--code", bad_code, "--name", "示例", "--member", code, check=False,
        )  # fmt: skip
        assert "check" in one_line_error(refused)
        bad_number = ID_NUMBER[:-1] + ("0" if ID_NUMBER[-1] != "0" else "1")
        refused = run(
            "subject", "apply", *_nodes(layout), "--key", keys["bad"], "--kind", "person",
            "--code", bad_number, "--name", NAME, "--member", code,
            "--identity-key", admin.parent / "identity.key", check=False,
        )  # fmt: skip
        assert "check digit" in one_line_error(refused)  # named, and the number is not echoed

        run(
            "subject", "apply", *_nodes(layout), "--key", keys["person"], "--kind", "person",
            "--code", ID_NUMBER, "--name", NAME, "--address", ADDRESS, "--member", code,
            "--identity-key", admin.parent / "identity.key",
        )  # fmt: skip
        person = _address(layout.suite, keys["person"])
        run("subject", "approve", person, *_nodes(layout), "--key", admin)
        own = json.loads(
            run(
                "subject", "show", person, *_nodes(layout), "--key", keys["person"], "--json"
            ).stdout
        )
        assert own["subject"]["kind"] == "person"
        assert own["subject"]["status"] == "active"
        others = run(
            "subject", "show", person, *_nodes(layout), "--key", layout.members[2][2], check=False
        )
        assert "permission_denied" in one_line_error(others)

        answers = [json.dumps(own)]
        with httpx.Client() as http:
            node = layout.nodes[0].api_url
            height = http.get(f"{node}/v1/status").json()["height"]
            for h in range(1, height + 1):
                answers.append(http.get(f"{node}/v1/blocks/{h}").text)
            answers.append(http.get(f"{node}/v1/accounts/{person}").text)

    secrets = [s.encode() for s in (ID_NUMBER, NAME, ADDRESS)]
    for answer in answers:
        assert not any(s in answer.encode() for s in secrets)
    for result in outputs:
        assert not any(s in (result.stdout + result.stderr).encode() for s in secrets)
    files = [p for p in layout.directory.rglob("*") if p.is_file()]
    assert any(p.name == "data.mdb" for p in files)
    for path in files:
        data = path.read_bytes()
        assert not any(s in data for s in secrets), path
