"""A regulator reads content in its scope through the storage nodes, and only there (issue 19
item 1, F-E1, F-C2).

A licence type names the regulator (so every licence carries its envelope);
the consortium votes the regulator a scope over that type; the regulator
fetches an enterprise's licence with a purpose, the read is a usage record in
the holder's history, and the storage node served it against that record.
Before the scope and after its removal the same read is refused.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from govchain.codes.demo import demo_uscc
from govchain.crypto import suite_for
from govchain.crypto.keyfiles import write_file_atomic
from tests.govchain_cli import govchain, govchain_json, key_address
from tests.integration.network_support import decide_by_vote, running_network

pytestmark = pytest.mark.timeout(600)

EXAMPLES = Path(__file__).resolve().parents[2] / "examples" / "asset-types"
LICENCE = "11100000MB0143028R001"


def test_a_regulator_reads_only_in_its_scope_and_the_holder_sees_the_read_f_e1(
    tmp_path: Path,
) -> None:
    with running_network(tmp_path / "net", validators=4, storage_nodes=2) as layout:
        urls = [n.api_url for n in layout.nodes]
        node = ["--node", ",".join(urls)]
        code0, _, admin0 = layout.members[0]
        password = tmp_path / "pw"
        password.write_text("演示 password\n", encoding="utf-8")

        def subject(serial: int, name: str) -> Path:
            key = tmp_path / f"subject{serial}.pem"
            write_file_atomic(key, suite_for(layout.suite).generate_key().to_pem())
            govchain("subject", "apply", *node, "--key", key, "--kind", "enterprise",
                     "--code", demo_uscc(serial), "--name", name, "--member", code0)  # fmt: skip
            govchain("subject", "approve", key_address(key), *node, "--key", admin0,
                     "--permissions", "transact")  # fmt: skip
            govchain("locker", "init", *node, "--key", key, "--password-file", password)
            return key

        regulator_key = subject(9501, "济南演示市场监管中心")
        company = subject(9502, "济南演示受监管有限公司")
        regulator = key_address(regulator_key)
        watched_type = tmp_path / "licence.toml"
        watched_type.write_text(
            (EXAMPLES / "business_licence.toml").read_text("utf-8").replace(
                'regulator = ""', f'regulator = "{regulator}"'
            ),
            "utf-8",
        )  # fmt: skip
        govchain("asset-type", "define", *node, "--key", admin0, "--file", watched_type)
        licence = govchain_json(
            "asset", "issue", *node, "--key", admin0, "--type", LICENCE, "--holder",
            key_address(company), "--mode", "authority", "--data",
            EXAMPLES / "business_licence.fields.json",
        )["content_id"]  # fmt: skip

        def fetch(out: str) -> Any:
            return govchain(
                "asset", "fetch", licence, *node, "--key", regulator_key, "--as-regulator",
                "--password-file", password, "--purpose", "年度双随机抽查", "--out",
                tmp_path / out, check=False,
            )  # fmt: skip

        before = fetch("before")
        assert before.returncode == 1
        assert "is no regulator" in before.stdout + before.stderr

        decide_by_vote(urls, layout, "regulator.set", {
            "address": regulator, "types": LICENCE, "departments": "", "matters": "",
            "reason": "市场监管年度抽查",
        })  # fmt: skip
        listed = govchain_json("regulator", "list", *node)["regulators"]
        assert [(s["regulator"], s["types"], s["status"]) for s in listed] == [
            (regulator, [LICENCE], "active")
        ]
        inside = fetch("inside")
        assert inside.returncode == 0, inside.stdout + inside.stderr
        [fields] = (tmp_path / "inside").glob("*.fields.json")
        assert json.loads(fields.read_text("utf-8"))["统一社会信用代码"] == "91370102DEM01001XU"
        history = govchain_json("asset", "history", licence, *node, "--key", company)["usage"]
        assert [(u["reader"], u["via"], u["purpose"]) for u in history] == [
            (regulator, "scope", "年度双随机抽查")
        ]

        # the holder's signed read of its locker is in a node's access log, with its signer
        assert govchain_json("locker", "list", *node, "--key", company)
        locker_path = f"/v1/lockers/{key_address(company)}"
        signed = []
        for served_by in layout.nodes:
            log = govchain_json("audit", "log", "--home", served_by.home, "--tail", "10000")
            assert log["verified"] is True
            signed += [e["signer"] for e in log["entries"] if e["path"] == locker_path]
        assert key_address(company) in signed

        decide_by_vote(urls, layout, "regulator.remove", {
            "address": regulator, "reason": "抽查结束",
        })  # fmt: skip
        after = fetch("after")
        assert after.returncode == 1
        assert "not_in_scope" in after.stdout + after.stderr
        assert (
            len(govchain_json("asset", "history", licence, *node, "--key", company)["usage"]) == 1
        )
