"""Department adapters on real processes: a case through two departments' systems (issue 18).

Two members are the licence and the seal departments; each runs a demo
department system and `govchain adapter run`. The applicant authorizes the
case (the licence department may share the licence with the seal step), the
window accepts it, the licence adapter issues the licence into the locker and
shares it; the seal adapter reads it through its grant (a usage record),
passes its credit code to the seal system, is killed mid-request and
restarted (the step is done once), gets a return, the applicant resubmits,
and the case completes. F-D5, F-C2, F-G1.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from govchain.client.assets import show_asset
from govchain.client.sdk import NodeClient
from govchain.codes.demo import demo_uscc
from govchain.crypto import suite_for
from govchain.crypto.keyfiles import write_file_atomic
from govchain.ledger.genesis_file import load_genesis
from tests.govchain_cli import GOVCHAIN, govchain, govchain_json, key_address
from tests.integration.network_support import running_network
from tests.s3_server import free_ports

pytestmark = pytest.mark.timeout(900)

EXAMPLES = Path(__file__).resolve().parents[2] / "examples" / "asset-types"
LICENCE = "11100000MB0143028R001"
SEAL = "91110000DEM0900131001"
WAIT_S = 180.0


class _Started:
    """A govchain subprocess that can be started again (each run appends to one log)."""

    def __init__(self, args: list[str | Path], log: Path) -> None:
        self.args = args
        self.log = log
        self.runs: list[subprocess.Popen[bytes]] = []
        self.start()

    def start(self) -> subprocess.Popen[bytes]:
        with self.log.open("ab") as out:
            self.runs.append(subprocess.Popen([GOVCHAIN, *self.args], stdout=out, stderr=out))
        return self.runs[-1]

    def stop(self) -> None:
        for run in self.runs:
            if run.poll() is None:
                run.send_signal(signal.SIGTERM)
                try:
                    run.wait(15)
                except subprocess.TimeoutExpired:
                    run.kill()
                    run.wait()


@contextmanager
def _process(args: list[str | Path], log: Path) -> Iterator[_Started]:
    """A started govchain subprocess, stopped (every run of it) afterwards."""
    started = _Started(args, log)
    try:
        yield started
    finally:
        started.stop()


def _text(path: Path) -> str:
    return path.read_text("utf-8", errors="replace")


def _state(case: str, node: list[str]) -> str:
    return str(govchain_json("case", "show", case, *node)["case"]["state"])


def _wait(what: str, check: Callable[[], bool]) -> None:
    deadline = time.monotonic() + WAIT_S
    while not check():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.3)


def test_adapters_run_a_case_resume_after_a_kill_and_share_only_with_the_reader_f_d5(
    tmp_path: Path,
) -> None:
    with running_network(tmp_path / "net", validators=2, storage_nodes=2) as layout:
        urls = ",".join(n.api_url for n in layout.nodes)
        node = ["--node", urls]
        (m0, _, admin0), (m1, _, admin1) = layout.members[0], layout.members[1]
        seal_type = tmp_path / "seal_filing.toml"
        seal_type.write_text(
            (EXAMPLES / "seal_filing.toml").read_text("utf-8").replace(
                'issuers = ["91370102DEM000014N"]', f'issuers = ["{m1}"]'
            ),
            "utf-8",
        )  # fmt: skip
        govchain("asset-type", "define", *node, "--key", admin0,
                 "--file", EXAMPLES / "business_licence.toml")  # fmt: skip
        govchain("asset-type", "define", *node, "--key", admin1, "--file", seal_type)
        for matter, department, output, admin in (
            ("DEMO-L", m0, LICENCE, admin0), ("DEMO-S", m1, SEAL, admin1)
        ):  # fmt: skip
            spec = tmp_path / f"{matter}.json"
            spec.write_text(json.dumps({
                "code": matter, "name": f"演示事项{matter}", "kind": "行政许可",
                "department": department, "time_limit_days": 1, "outputs": [output],
            }, ensure_ascii=False), encoding="utf-8")  # fmt: skip
            govchain("matter", "define", *node, "--key", admin, "--file", spec)
        process = tmp_path / "setup.toml"
        process.write_text(
            'code = "setup"\nname = "企业开办(演示)"\n\n'
            f'[steps.licence]\nmatter = "DEMO-L"\noutputs = ["{LICENCE}"]\n'
            "time_limit_minutes = 480\n\n"
            f'[steps.seal]\nmatter = "DEMO-S"\nafter = ["licence"]\ninputs = ["{LICENCE}"]\n'
            f'outputs = ["{SEAL}"]\ntime_limit_minutes = 480\n',
            encoding="utf-8",
        )
        govchain("process", "publish", process, *node, "--key", admin0)

        password = tmp_path / "pw"
        password.write_text("演示 password\n", encoding="utf-8")
        for department, admin in ((m0, admin0), (m1, admin1)):
            govchain("locker", "init", *node, "--key", admin, "--password-file", password)
            govchain("adapter", "set", *node, "--key", admin, "--department", department,
                     "--adapter", key_address(admin))  # fmt: skip

        suite = suite_for(layout.suite)
        company = tmp_path / "company.pem"
        write_file_atomic(company, suite.generate_key().to_pem())
        applicant = key_address(company)
        govchain(
            "subject", "apply", *node, "--key", company, "--kind", "enterprise",
            "--code", demo_uscc(9302), "--name", "济南演示开办有限公司", "--member", m0,
        )  # fmt: skip
        govchain("subject", "approve", applicant, *node, "--key", admin0,
                 "--permissions", "transact")  # fmt: skip
        govchain("locker", "init", *node, "--key", company, "--password-file", password)
        authority = govchain_json(
            "case", "authorize", *node, "--key", company, "--password-file", password,
            "--process", "setup",
        )  # fmt: skip
        assert authority["grants"] == []  # no step reads a material
        assert len(authority["delegations"]) == 1  # the licence adapter shares the licence

        licence_port, seal_port = free_ports(2)
        genesis = layout.directory / "genesis.json"

        def adapter(department: str, admin: Path, port: int, name: str) -> list[str | Path]:
            return [
                "adapter", "run", *node, "--key", admin, "--locker-password-file", password,
                "--department", department, "--endpoint", f"http://127.0.0.1:{port}",
                "--genesis", genesis, "--state-dir", tmp_path / name, "--poll-s", "0.3",
            ]  # fmt: skip

        logs = tmp_path / "logs"
        logs.mkdir()
        with (
            _process(["demo", "department", "--kind", "licence", "--port", str(licence_port)],
                     logs / "licence-system.log"),
            _process(["demo", "department", "--kind", "seal", "--port", str(seal_port),
                      "--delay-ms", "3000", "--return-rate", "1"], logs / "seal-system.log"),
            _process(adapter(m0, admin0, licence_port, "licence-adapter"),
                     logs / "licence-adapter.log"),
        ):  # fmt: skip
            form = tmp_path / "form.json"
            form.write_text(json.dumps({"名称": "济南演示开办有限公司"}, ensure_ascii=False),
                            "utf-8")  # fmt: skip
            case = govchain_json(
                "case", "apply", *node, "--key", layout.client_key, "--process", "setup",
                "--applicant", applicant, "--form", form,
            )["case"]  # fmt: skip

            def steps() -> dict[str, dict[str, Any]]:
                shown = govchain_json("case", "show", case, *node)
                return {s["step"]: s for s in shown["steps"]}

            _wait("the licence step", lambda: steps()["seal"]["state"] == "ready")
            with _process(adapter(m1, admin1, seal_port, "seal-adapter"),
                          logs / "seal-adapter.log") as seal_adapter:  # fmt: skip
                asking = f"case {case} step seal: asking the department (attempt 1)"
                _wait(
                    "the seal adapter's request", lambda: asking in _text(logs / "seal-adapter.log")
                )
                # the seal system holds each answer 3 s: the adapter dies waiting for it
                os.kill(seal_adapter.runs[0].pid, signal.SIGKILL)
                seal_adapter.runs[0].wait()
                seal_adapter.start()  # resumes from its state directory and the chain
                _wait("the seal system's return", lambda: steps()["seal"]["state"] == "returned")
                govchain("case", "resubmit", case, "seal", *node, "--key", company,
                         "--reason", "已补正")  # fmt: skip
                _wait("the case to complete", lambda: _state(case, node) == "completed")

        shown = govchain_json("case", "show", case, *node)
        done = {s["step"]: s for s in shown["steps"]}
        assert [s["interventions"] for s in shown["steps"]] == [0, 0]  # adapters' results
        assert len(done["licence"]["outputs"]) == 1
        assert len(done["seal"]["outputs"]) == 1
        seal_results = [t for t in shown["timeline"] if t["step"] == "seal"]
        assert [t["action"] for t in seal_results].count("approved") == 1  # done once
        assert [t["action"] for t in seal_results].count("returned") == 1
        [shared] = done["seal"]["grants"]

        trusted = load_genesis(genesis)
        with NodeClient(urls.split(",")) as client:
            for step in ("licence", "seal"):
                asset, _ = show_asset(client, done[step]["outputs"][0], trusted)  # proven
                assert (asset.status, asset.holder.hex()) == ("valid", applicant)
            licence_id = done["licence"]["outputs"][0]
            usage = client.get_json(f"/v1/assets/{licence_id}/usage")["usage"]
            readers = {u["reader"] for u in usage}
            assert readers == {key_address(admin1)}  # only the seal step's adapter read it
            assert all(f"case {case} step seal" in u["purpose"] for u in usage)
            grant = client.get_json(f"/v1/grants/{shared}")["record"]
            assert (grant["status"], grant["reason"]) == ("revoked", "the case closed")
            locker = client.get_json(f"/v1/assets/{licence_id}")["asset"]
            assert locker["holder"] == applicant
        proven = govchain_json("case", "timeline", case, *node, "--genesis", genesis)
        assert proven["verified"] is True
        assert [e["entry"]["action"] for e in proven["entries"]] == [
            t["action"] for t in shown["timeline"]
        ]
        seal_log = (logs / "seal-system.log").read_text("utf-8")
        assert "济南演示开办有限公司" not in seal_log  # no form value in the systems' logs
