"""What the console's browser tests make on a running network: an enterprise and its case."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from govchain.client.sdk import NodeClient
from govchain.codes.demo import demo_uscc
from govchain.crypto import suite_for
from govchain.crypto.keyfiles import write_file_atomic
from govchain.node.netinit import NetworkLayout
from tests.govchain_cli import govchain, govchain_json, key_address

__all__ = ["CaseOpened", "open_case"]

LICENCE = "11100000MB0143028R001"


@dataclass(frozen=True)
class CaseOpened:
    """A case opened by the window: its id, the tx that opened it and that tx's height."""

    case_id: str
    tx_hash: str
    height: int


def _enterprise(layout: NetworkLayout, tmp: Path, node: list[str]) -> str:
    """An approved enterprise subject with a locker (a case's outputs go there); its address."""
    code, _, admin = layout.members[0]
    key = tmp / "enterprise.pem"
    write_file_atomic(key, suite_for(layout.suite).generate_key().to_pem())
    address = key_address(key)
    govchain(
        "subject", "apply", *node, "--key", key, "--kind", "enterprise",
        "--code", demo_uscc(9700), "--name", "济南控制台演示有限公司", "--member", code,
    )  # fmt: skip
    govchain("subject", "approve", address, *node, "--key", admin, "--permissions", "transact")
    password = tmp / "locker-password"
    password.write_text("演示 password\n", encoding="utf-8")
    govchain("locker", "init", *node, "--key", key, "--password-file", password)
    return address


def open_case(layout: NetworkLayout, tmp: Path, node: list[str]) -> CaseOpened:
    """Define a matter and a one-step process, and open a case of it for an enterprise."""
    applicant = _enterprise(layout, tmp, node)
    code0, _, admin0 = layout.members[0]
    matter = tmp / "matter.json"
    matter.write_text(json.dumps({
        "code": "CONSOLE-L", "name": "控制台演示事项", "kind": "行政许可", "department": code0,
        "time_limit_days": 1, "outputs": [LICENCE],
    }, ensure_ascii=False), encoding="utf-8")  # fmt: skip
    govchain("matter", "define", *node, "--key", admin0, "--file", matter)
    process = tmp / "process.toml"
    process.write_text(
        'code = "console"\nname = "控制台演示"\n\n[steps.licence]\nmatter = "CONSOLE-L"\n'
        f'after = []\ninputs = []\noutputs = ["{LICENCE}"]\ntime_limit_minutes = 60\n',
        encoding="utf-8",
    )
    govchain("process", "publish", process, *node, "--key", admin0)
    form = tmp / "form.json"
    form.write_text(json.dumps({"名称": "济南控制台演示有限公司"}, ensure_ascii=False), "utf-8")
    case_id = str(govchain_json(
        "case", "apply", *node, "--key", layout.client_key, "--process", "console",
        "--applicant", applicant, "--form", form,
    )["case"])  # fmt: skip
    with NodeClient(layout.nodes[0].api_url) as client:
        entries = client.get_json(f"/v1/cases/{case_id}/timeline")["entries"]
    first = entries[0]["entry"]
    return CaseOpened(case_id, str(first["tx_hash"]), int(first["height"]))
