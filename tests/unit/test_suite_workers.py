"""How `make test` spreads the suite over xdist workers (tests/conftest.py; issue 21).

A small suite in a temp directory, with the suite's own conftest, run with the
Makefile's xdist options on two workers: the tests of a module that share a
module-scoped fixture run on one worker, in their order; tests that share one
id (schemathesis gives every operation the function's id) all run.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

CONFTEST = Path(__file__).resolve().parents[1] / "conftest.py"
XDIST = ["-n", "2", "--dist", "loadgroup", "--no-loadscope-reorder"]
"""As the Makefile's PYTEST_XDIST."""

SHARED = """
import json, os
from pathlib import Path
import pytest

LOG = Path(__file__).parent.parent / "ran.jsonl"

def ran(name):
    with LOG.open("a") as log:
        log.write(json.dumps([name, os.environ["PYTEST_XDIST_WORKER"]]) + "\\n")

@pytest.fixture(scope="module")
def shared():
    return []

@pytest.mark.parametrize("n", range(6))
def test_in_order(shared, n):
    ran(f"shared-{n}")
    shared.append(n)
    assert shared == list(range(n + 1))
"""

ALONE = """
import pytest
from .test_shared import ran

@pytest.mark.parametrize("n", range(6))
def test_alone(n):
    ran(f"alone-{n}")
"""

SAME_IDS = """
def pytest_pycollect_makeitem(collector, name, obj):
    if name == "test_op":  # as schemathesis makes one item per operation: named, one id
        return [pytest.Function.from_parent(collector, name=f"test_op[{op}]", callobj=obj,
                                            originalname="test_op") for op in "abc"]
"""


def _suite(tmp_path: Path) -> Path:
    root = tmp_path / "suite"
    tests = root / "tests"
    tests.mkdir(parents=True)
    shutil.copy(CONFTEST, tests / "conftest.py")
    (tests / "__init__.py").write_text("")
    (tests / "test_shared.py").write_text(SHARED)
    (tests / "test_alone.py").write_text(ALONE)
    (root / "pytest.ini").write_text("[pytest]\naddopts = -p no:cacheprovider\n")
    return root


def _run(root: Path) -> dict[str, str]:
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", *XDIST, "tests"],
        cwd=root,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    lines = (root / "ran.jsonl").read_text().splitlines()
    return dict(json.loads(line) for line in lines)


def test_a_module_sharing_a_fixture_runs_whole_on_one_worker(tmp_path: Path) -> None:
    workers = _run(_suite(tmp_path))
    shared = {workers[f"shared-{n}"] for n in range(6)}
    assert len(shared) == 1, workers
    assert {f"alone-{n}" for n in range(6)} <= set(workers)


def test_tests_sharing_one_id_all_run(tmp_path: Path) -> None:
    root = _suite(tmp_path)
    (root / "tests" / "test_same.py").write_text(
        "from .test_shared import ran\n\ndef test_op(request):\n    ran(request.node.name)\n"
    )
    plugin = root / "tests" / "conftest.py"
    plugin.write_text(plugin.read_text() + "\n" + SAME_IDS)
    workers = _run(root)
    assert {"test_op[a]", "test_op[b]", "test_op[c]"} <= set(workers), workers
