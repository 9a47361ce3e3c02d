"""``govchain demo enterprise-setup --cases 3 --json`` end to end (issue 18 item 7, Acceptance).

The demo lays out and starts its own network, department systems and
adapters; three cases run through the seven departments; every output is a
verified asset in the enterprise's locker; the demo stops everything it
started and exits 0.
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from tests.govchain_cli import GOVCHAIN

pytestmark = pytest.mark.timeout(900)


def test_the_demo_runs_three_cases_to_verified_outputs(tmp_path: Path) -> None:
    run = subprocess.run(
        [str(GOVCHAIN), "demo", "enterprise-setup", "--dir", str(tmp_path / "demo"),
         "--cases", "3", "--json"],
        check=False, capture_output=True, text=True, timeout=840,
    )  # fmt: skip
    assert run.returncode == 0, run.stderr
    shown = json.loads(run.stdout)  # nothing else on stdout
    assert len(shown["cases"]) == 3
    for case in shown["cases"]:
        assert case["state"] == "completed"
        assert len(case["outputs"]) == 7
        assert len(set(case["outputs"])) == 7
        assert case["verified"] == 7
        assert [s["state"] for s in case["steps"]] == ["done"] * 7
        assert case["overdue"] == 0
        assert case["interventions"] == 0  # every result came from the adapters
    assert shown["ok"] is True
    assert shown["verified"] == 21
