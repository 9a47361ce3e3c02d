"""Supervision of a time limit on real processes (issue 18 item 4, F-D6).

A one-step process with a one-minute limit; the window accepts an
application and nobody answers it. ``govchain supervise run`` (a separate
process, with the platform key, alerting a regulator's account) flags the
step overdue once a block's BFT time is past the deadline: its alert line
names the case and step, ``case show`` shows the flag, ``process stats``
shows one overdue step of one (1000 permille), and the alert message is in
the regulator's inbox. Meanwhile the department's adapter finds its system
down and retries with backoff; a staff account then completes the step, which
is recorded and alerted as a manual intervention. Stopped with SIGTERM, it exits 0 and keeps its
progress; started again from its state directory it resumes past that height.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import threading
from pathlib import Path

import pytest

from govchain.client.registry import RegistryClient
from govchain.client.sdk import NodeClient
from govchain.client.submission import committed_receipt
from govchain.codes.demo import demo_uscc
from govchain.contracts.registry.txs import AccountAddArgs
from govchain.crypto import suite_for
from govchain.crypto.keyfiles import read_signing_key, write_file_atomic
from govchain.node.netinit import NetworkLayout
from govchain.supervisor.progress import PROGRESS_FILE
from tests.govchain_cli import GOVCHAIN, govchain, govchain_json, key_address
from tests.integration.network_support import running_network, wait_for
from tests.s3_server import free_ports

pytestmark = pytest.mark.timeout(600)

EXAMPLES = Path(__file__).resolve().parents[2] / "examples" / "asset-types"
LICENCE = "11100000MB0143028R001"


def _subject(tmp: Path, node: list[str], member: str, admin: Path, serial: int,
             name: str, password: Path) -> Path:  # fmt: skip
    key = tmp / f"subject{serial}.pem"
    write_file_atomic(key, suite_for(read_signing_key(admin).suite_name).generate_key().to_pem())
    govchain(
        "subject", "apply", *node, "--key", key, "--kind", "enterprise",
        "--code", demo_uscc(serial), "--name", name, "--member", member,
    )  # fmt: skip
    govchain(
        "subject", "approve", key_address(key), *node, "--key", admin, "--permissions", "transact"
    )
    govchain("locker", "init", *node, "--key", key, "--password-file", password)
    return key


def _adapter_account(tmp: Path, node: list[str], layout: NetworkLayout, member: str,
                     admin: Path, password: Path) -> Path:  # fmt: skip
    """A system account of ``member`` with a locker, named the department's adapter."""
    key = tmp / "adapter.pem"
    signing = suite_for(layout.suite).generate_key()
    write_file_atomic(key, signing.to_pem())
    with NodeClient(node[1].split(",")) as client:
        args = AccountAddArgs(signing.public_key, "system", ("client",), "adapter")
        _, tx_hash = RegistryClient(client).add_account(read_signing_key(admin), args)
        assert committed_receipt(client, tx_hash, 60).status == 0
    govchain("locker", "init", *node, "--key", key, "--password-file", password)
    govchain("adapter", "set", *node, "--key", admin, "--department", member,
             "--adapter", key_address(key))  # fmt: skip
    return key


class Lines:
    """The stdout lines of a running process, read in a thread (wait for one, never sleep)."""

    def __init__(self, process: subprocess.Popen[str]) -> None:
        self.process = process
        self.lines: list[str] = []
        assert process.stdout is not None
        stream = process.stdout
        self._thread = threading.Thread(target=lambda: self.lines.extend(stream), daemon=True)
        self._thread.start()

    def stop(self) -> None:
        """SIGTERM: the supervisor exits 0; its pipes are read to the end and closed."""
        self.process.send_signal(signal.SIGTERM)
        status = self.process.wait(timeout=60)
        self._thread.join(timeout=10)
        assert self.process.stdout is not None
        assert self.process.stderr is not None
        errors = self.process.stderr.read()
        self.process.stdout.close()
        self.process.stderr.close()
        assert status == 0, errors

    def having(self, text: str) -> list[str]:
        return [line for line in list(self.lines) if text in line]


def _supervise(node: list[str], platform: Path, genesis: Path, state: Path, regulator: str
               ) -> subprocess.Popen[str]:  # fmt: skip
    return subprocess.Popen(
        [str(GOVCHAIN), "supervise", "run", *node, "--key", str(platform), "--genesis",
         str(genesis), "--state-dir", str(state), "--poll-s", "0.2", "--alert-to", regulator],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip


def test_an_unanswered_step_is_flagged_overdue_and_alerted_f_d6(tmp_path: Path) -> None:
    with running_network(tmp_path / "net", validators=2, storage_nodes=2) as layout:
        node = ["--node", ",".join(n.api_url for n in layout.nodes)]
        code0, _, admin0 = layout.members[0]
        govchain("asset-type", "define", *node, "--key", admin0, "--file",
                 EXAMPLES / "business_licence.toml")  # fmt: skip
        spec = tmp_path / "matter.json"
        spec.write_text(json.dumps({
            "code": "DEMO-L", "name": "演示事项", "kind": "行政许可", "department": code0,
            "time_limit_days": 1, "outputs": [LICENCE],
        }, ensure_ascii=False), encoding="utf-8")  # fmt: skip
        govchain("matter", "define", *node, "--key", admin0, "--file", spec)
        process_file = tmp_path / "drill.toml"
        process_file.write_text(
            'code = "drill"\nname = "期限演练"\n\n[steps.licence]\nmatter = "DEMO-L"\n'
            f'outputs = ["{LICENCE}"]\ntime_limit_minutes = 1\n',
            encoding="utf-8",
        )
        govchain("process", "publish", process_file, *node, "--key", admin0)
        password = tmp_path / "pw"
        password.write_text("演示 password\n", encoding="utf-8")
        company = _subject(tmp_path, node, code0, admin0, 9401, "济南演示期限有限公司", password)
        regulator_key = _subject(tmp_path, node, code0, admin0, 9402, "济南演示监管中心", password)
        regulator = key_address(regulator_key)
        form = tmp_path / "form.json"
        form.write_text(json.dumps({"名称": "济南演示期限有限公司"}, ensure_ascii=False), "utf-8")
        case = govchain_json(
            "case", "apply", *node, "--key", layout.client_key, "--process", "drill",
            "--applicant", key_address(company), "--form", form,
        )["case"]  # fmt: skip

        # the department's adapter runs, but its system is down: it retries with backoff
        adapter_key = _adapter_account(tmp_path, node, layout, code0, admin0, password)
        [down_port] = free_ports(1)  # nothing listens there
        adapter_log = tmp_path / "adapter.log"
        with adapter_log.open("wb") as out:
            adapter = subprocess.Popen(
                [str(GOVCHAIN), "adapter", "run", *node, "--key", str(adapter_key),
                 "--locker-password-file", str(password), "--department", code0,
                 "--endpoint", f"http://127.0.0.1:{down_port}",
                 "--genesis", str(layout.directory / "genesis.json"), "--poll-s", "0.3"],
                stdout=out, stderr=out,
            )  # fmt: skip
        platform = layout.directory / "platform" / "key.pem"
        state = tmp_path / "supervisor"
        lines = Lines(
            _supervise(node, platform, layout.directory / "genesis.json", state, regulator)
        )
        try:
            wait_for(lambda: lines.having(f"alert overdue: case {case} step licence"), 180,
                     "the overdue alert line")  # fmt: skip
            retried = adapter_log.read_text("utf-8", errors="replace")
            assert f"case {case} step licence: department_unavailable" in retried
            assert "trying again" in retried
            # a staff account of the department completes the step instead: flagged
            licence = govchain_json(
                "asset", "issue", *node, "--key", admin0, "--type", LICENCE, "--holder",
                key_address(company), "--mode", "authority", "--data",
                EXAMPLES / "business_licence.fields.json",
            )["content_id"]  # fmt: skip
            govchain("case", "step", case, "licence", *node, "--key", admin0, "--approve",
                     "--output", licence, "--reason", "系统故障, 人工办结")  # fmt: skip
            wait_for(lambda: lines.having(f"alert intervention: case {case} step licence"), 120,
                     "the intervention alert line")  # fmt: skip
        finally:
            lines.stop()
            adapter.send_signal(signal.SIGTERM)
            assert adapter.wait(30) == 0
        scanned = json.loads((state / PROGRESS_FILE).read_text(encoding="utf-8"))["scanned"]
        assert scanned > 0

        shown = govchain_json("case", "show", case, *node)
        [step] = shown["steps"]
        assert (step["state"], step["overdue"], step["interventions"]) == ("done", True, 1)
        assert shown["case"]["state"] == "completed"
        [manual] = [t for t in shown["timeline"] if t["action"] == "approved"]
        assert manual["manual"] is True
        assert manual["reason"] == "系统故障, 人工办结"
        wide = {**os.environ, "COLUMNS": "200"}
        table = govchain("case", "show", case, *node, env=wide).stdout
        assert "interventions" in table
        assert "yes" in table  # the overdue column
        stats = govchain_json("process", "stats", "drill", *node)
        [entry] = stats["steps"]
        assert (entry["stats"]["ready"], entry["stats"]["overdue"]) == (1, 1)
        assert entry["overdue_permille"] == 1000
        stats_table = govchain("process", "stats", "drill", *node, env=wide).stdout
        assert "overdue permille" in stats_table
        assert "1000" in stats_table

        inbox = govchain_json(
            "msg", "inbox", *node, "--key", regulator_key, "--password-file", password
        )
        alerts = [m for m in inbox["messages"] if case in m["text"]]
        assert len(alerts) == 2, inbox
        assert "overdue" in alerts[0]["text"]
        assert "intervention" in alerts[1]["text"]
        assert alerts[0]["sender"] == key_address(platform)
        assert "济南演示期限有限公司" not in alerts[0]["text"]  # never a form value

        resumed = Lines(
            _supervise(node, platform, layout.directory / "genesis.json", state, regulator)
        )
        try:
            wait_for(lambda: resumed.having("supervising chain"), 60, "the restart")
        finally:
            resumed.stop()
        started = int(resumed.having("supervising chain")[0].split("from height ")[1].split(",")[0])
        assert started == scanned + 1
        assert resumed.having("alert overdue") == []  # the alert is not raised again
