"""A case through two steps on real processes, from the CLI (issue 18, F-D3..D5; partial).

The licence department's matter and the seal department's matter are
defined, a two-step process (licence, then seal) is published from a TOML
file, the window accepts an application, each step is approved with its
output issued into the enterprise's locker; a returned step waits; the case
shows every step done and completes. An invalid process is refused naming
its cycle.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from govchain.codes.demo import demo_uscc
from govchain.crypto import suite_for
from govchain.crypto.keyfiles import read_signing_key, write_file_atomic
from govchain.ledger import records
from tests.govchain_cli import govchain, govchain_json
from tests.integration.network_support import running_network

pytestmark = pytest.mark.timeout(600)

EXAMPLES = Path(__file__).resolve().parents[2] / "examples" / "asset-types"
LICENCE = "11100000MB0143028R001"
SEAL = "91110000DEM0900131001"


def _process(path: Path, code: str, seal_after: str) -> Path:
    path.write_text(
        f'code = "{code}"\nname = "企业开办(演示)"\n\n'
        f'[steps.licence]\nmatter = "DEMO-L"\nafter = []\ninputs = []\noutputs = ["{LICENCE}"]\n'
        "time_limit_minutes = 24\n\n"
        f'[steps.seal]\nmatter = "DEMO-S"\nafter = [{seal_after}]\ninputs = ["{LICENCE}"]\n'
        f'outputs = ["{SEAL}"]\ntime_limit_minutes = 24\n',
        encoding="utf-8",
    )
    return path


def test_a_case_through_two_steps_from_the_cli(tmp_path: Path) -> None:
    with running_network(tmp_path / "net", validators=2, storage_nodes=2) as layout:
        node = ["--node", ",".join(n.api_url for n in layout.nodes)]
        code0, _, admin0 = layout.members[0]
        for name in ("business_licence", "seal_filing"):
            govchain(
                "asset-type", "define", *node, "--key", admin0, "--file", EXAMPLES / f"{name}.toml"
            )
        for matter, output in (("DEMO-L", LICENCE), ("DEMO-S", SEAL)):
            spec = tmp_path / f"{matter}.json"
            spec.write_text(json.dumps({
                "code": matter, "name": f"演示事项{matter}", "kind": "行政许可",
                "department": code0, "time_limit_days": 1, "outputs": [output],
            }, ensure_ascii=False), encoding="utf-8")  # fmt: skip
            govchain("matter", "define", *node, "--key", admin0, "--file", spec)
        bad = govchain(
            "process", "publish", _process(tmp_path / "bad.toml", "bad", '"seal"'), *node,
            "--key", admin0, check=False,
        )  # fmt: skip
        assert bad.returncode == 1
        assert "a cycle: seal -> seal" in bad.stderr  # the file is checked before it is sent
        published = govchain_json(
            "process", "publish", _process(tmp_path / "setup.toml", "setup", '"licence"'),
            *node, "--key", admin0,
        )  # fmt: skip
        assert published == {"code": "setup", "version": 1}
        listed = govchain_json("matter", "list", *node)["matters"]
        assert [(m["code"], m["department"]) for m in listed] == [
            ("DEMO-L", code0), ("DEMO-S", code0)
        ]  # fmt: skip
        assert [p["code"] for p in govchain_json("process", "list", *node)["processes"]] == [
            "setup"
        ]

        suite = suite_for(layout.suite)
        company = tmp_path / "company.pem"
        write_file_atomic(company, suite.generate_key().to_pem())
        applicant = records.address_of(suite, read_signing_key(company).public_key).hex()
        govchain(
            "subject", "apply", *node, "--key", company, "--kind", "enterprise",
            "--code", demo_uscc(9301), "--name", "济南演示开办有限公司", "--member", code0,
        )  # fmt: skip
        govchain(
            "subject", "approve", applicant, *node, "--key", admin0, "--permissions", "transact"
        )
        password = tmp_path / "pw"
        password.write_text("演示 password\n", encoding="utf-8")
        govchain("locker", "init", *node, "--key", company, "--password-file", password)
        form = tmp_path / "form.json"
        form.write_text(json.dumps({"名称": "济南演示开办有限公司"}, ensure_ascii=False), "utf-8")
        case = govchain_json(
            "case", "apply", *node, "--key", layout.client_key, "--process", "setup",
            "--applicant", applicant, "--form", form,
        )["case"]  # fmt: skip

        def issue(type_code: str, fields: str) -> str:
            answer = govchain_json(
                "asset", "issue", *node, "--key", admin0, "--type", type_code,
                "--holder", applicant, "--mode", "authority", "--data", EXAMPLES / fields,
            )  # fmt: skip
            return str(answer["content_id"])

        licence = issue(LICENCE, "business_licence.fields.json")
        govchain(
            "case",
            "step",
            case,
            "licence",
            *node,
            "--key",
            admin0,
            "--approve",
            "--output",
            licence,
        )
        shown = govchain_json("case", "show", case, *node)
        assert [s["state"] for s in shown["steps"]] == ["done", "ready"]
        govchain(
            "case", "step", case, "seal", *node, "--key", admin0, "--return",
            "--reason", "印模不清",
        )  # fmt: skip
        assert [s["state"] for s in govchain_json("case", "show", case, *node)["steps"]] == [
            "done",
            "returned",
        ]
        refused = govchain(
            "case", "step", case, "seal", *node, "--key", admin0, "--approve", check=False
        )
        assert refused.returncode == 1
        assert "bad_status" in refused.stdout + refused.stderr

        second = govchain_json(
            "case", "apply", *node, "--key", layout.client_key, "--process", "setup",
            "--applicant", applicant, "--form", form,
        )["case"]  # fmt: skip
        licence2 = issue(LICENCE, "business_licence.fields.json")
        govchain(
            "case",
            "step",
            second,
            "licence",
            *node,
            "--key",
            admin0,
            "--approve",
            "--output",
            licence2,
        )
        seal = issue(SEAL, "seal_filing.fields.json")
        govchain(
            "case", "step", second, "seal", *node, "--key", admin0, "--approve", "--output", seal
        )
        done = govchain_json("case", "show", second, *node)
        assert done["case"]["state"] == "completed"
        assert [s["outputs"] for s in done["steps"]] == [[licence2], [seal]]
        assert all(s["interventions"] == 1 for s in done["steps"])  # no adapter: staff results
        actions = [t["action"] for t in done["timeline"]]
        assert actions[0] == "opened"
        assert actions.count("approved") == 2

        third = govchain_json(
            "case", "apply", *node, "--key", layout.client_key, "--process", "setup",
            "--applicant", applicant, "--form", form,
        )["case"]  # fmt: skip
        govchain("case", "step", third, "licence", *node, "--key", admin0, "--reject",
                 "--reason", "名称与已登记企业重复")  # fmt: skip
        ended = govchain_json("case", "show", third, *node)
        assert (ended["case"]["state"], ended["case"]["reason"]) == (
            "rejected", "名称与已登记企业重复"
        )  # fmt: skip
        assert [s["state"] for s in ended["steps"]] == ["rejected", "waiting"]
