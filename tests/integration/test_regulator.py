"""A regulator reads content in its scope through the storage nodes, and only there (issue 19
item 1, F-E1, F-C2).

A licence type names the regulator (so every licence carries its envelope);
the consortium votes the regulator a scope over that type; the regulator
fetches an enterprise's licence with a purpose, the read is a usage record in
the holder's history, and the storage node served it against that record.
Before the scope and after its removal the same read is refused. On the same
network a regulator reads a case (its form) and a tx (its arguments) through
usage records: refused outside its scope, served inside it, and each read is
in the holder's usage history (``govchain usage``).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from govchain.codes.demo import demo_uscc
from govchain.crypto import suite_for
from govchain.crypto.keyfiles import write_file_atomic
from govchain.node.netinit import NetworkLayout
from tests.govchain_cli import govchain, govchain_json, key_address
from tests.integration.network_support import decide_by_vote, running_network

pytestmark = pytest.mark.timeout(600)

EXAMPLES = Path(__file__).resolve().parents[2] / "examples" / "asset-types"
LICENCE = "11100000MB0143028R001"


@dataclass(frozen=True)
class World:
    """One running network for the module: 4 validators (scopes are voted), 2 storage nodes, a
    regulator and a company subject, each with a locker."""

    layout: NetworkLayout
    urls: list[str]
    node: list[str]
    tmp: Path
    password: Path
    regulator_key: Path
    regulator: str
    company: Path


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    tmp_path = tmp_path_factory.mktemp("regulator")
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
        yield World(layout, urls, node, tmp_path, password, regulator_key,
                    key_address(regulator_key), company)  # fmt: skip


def test_a_regulator_reads_only_in_its_scope_and_the_holder_sees_the_read_f_e1(
    world: World,
) -> None:
    layout, urls, node, tmp_path = world.layout, world.urls, world.node, world.tmp
    _, _, admin0 = layout.members[0]
    password, regulator_key, company = world.password, world.regulator_key, world.company
    regulator = world.regulator
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
    assert len(govchain_json("asset", "history", licence, *node, "--key", company)["usage"]) == 1


def _case(world: World) -> str:
    code0, _, admin0 = world.layout.members[0]
    node, tmp = world.node, world.tmp
    spec = tmp / "matter.json"
    spec.write_text(json.dumps({
        "code": "REG-L", "name": "监管演示事项", "kind": "行政许可", "department": code0,
        "time_limit_days": 1, "outputs": [LICENCE],
    }, ensure_ascii=False), encoding="utf-8")  # fmt: skip
    govchain("matter", "define", *node, "--key", admin0, "--file", spec)
    process = tmp / "process.toml"
    process.write_text(
        'code = "reg"\nname = "监管演示"\n\n[steps.licence]\nmatter = "REG-L"\n'
        f'outputs = ["{LICENCE}"]\ntime_limit_minutes = 60\n',
        encoding="utf-8",
    )
    govchain("process", "publish", process, *node, "--key", admin0)
    form = tmp / "form.json"
    form.write_text(json.dumps({"名称": "济南演示受监管有限公司"}, ensure_ascii=False), "utf-8")
    return str(govchain_json(
        "case", "apply", *node, "--key", world.layout.client_key, "--process", "reg",
        "--applicant", key_address(world.company), "--form", form,
    )["case"])  # fmt: skip


def test_a_regulator_reads_cases_and_txs_in_scope_into_the_holders_history_f_e1(
    world: World,
) -> None:
    node, genesis = world.node, world.layout.directory / "genesis.json"
    code0 = world.layout.members[0][0]
    case = _case(world)
    opened = govchain_json("case", "timeline", case, *node)["entries"][0]["entry"]
    apply_tx = opened["tx_hash"]  # the tx that opened the case: workflow.apply

    def read(kind: str, target: str) -> Any:
        return govchain(
            "regulator", f"read-{kind}", target, *node, "--key", world.regulator_key,
            "--purpose", "办件合规抽查", "--genesis", genesis, "--json", check=False,
        )  # fmt: skip

    decide_by_vote(world.urls, world.layout, "regulator.set", {
        "address": world.regulator, "types": "", "departments": "", "matters": "REG-NONE",
        "reason": "只监管另一事项",
    })  # fmt: skip
    for kind, target in (("case", case), ("tx", apply_tx)):
        outside = read(kind, target)
        assert outside.returncode == 1, outside.stdout
        assert "not_in_scope" in outside.stdout + outside.stderr
        assert "济南演示受监管有限公司" not in outside.stdout + outside.stderr

    decide_by_vote(world.urls, world.layout, "regulator.set", {
        "address": world.regulator, "types": "", "departments": code0, "matters": "",
        "reason": "监管本部门办件",
    })  # fmt: skip
    inside = read("case", case)
    assert inside.returncode == 0, inside.stdout + inside.stderr
    served = json.loads(inside.stdout)
    assert served["verified"] is True
    assert served["case"]["form"] == {"名称": "济南演示受监管有限公司"}
    tx_read = read("tx", apply_tx)
    assert tx_read.returncode == 0, tx_read.stdout + tx_read.stderr
    shown = json.loads(tx_read.stdout)["tx"]
    assert (shown["hash"], shown["type"]) == (apply_tx, "workflow.apply")

    company = govchain_json("usage", key_address(world.company), *node, "--genesis", genesis)
    assert company["verified"] is True
    case_reads = [u for u in company["usage"] if u["target"] == "case"]
    assert [(u["reader"], u["target_id"], u["tx_hash"]) for u in case_reads] == [
        (world.regulator, case, served["use_tx"])
    ]
    window = govchain_json("usage", shown["sender"], *node)["usage"]
    assert json.loads(tx_read.stdout)["use_tx"] in [u["tx_hash"] for u in window]
    assert {u["target_id"] for u in window} == {apply_tx}
