"""How `make test` spreads the suite over xdist workers (tests/conftest.py; issue 21).

A small suite in a temp directory, with the suite's own conftest, run with the
Makefile's xdist options on two workers: the tests of a module that share a
module-scoped fixture run on one worker, in their order; tests that share one
id (schemathesis gives every operation the function's id) all run.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

CONFTEST = Path(__file__).resolve().parents[1] / "conftest.py"
XDIST = ["-n", "2", "--dist", "loadgroup", "--no-loadscope-reorder"]
"""As the Makefile's PYTEST_XDIST."""

SHARED = """
import json, os
from pathlib import Path

import pytest
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


@pytest.fixture(scope="module")
def suite_run(tmp_path_factory: pytest.TempPathFactory) -> tuple[str, dict[str, str]]:
    """The small suite run once: pytest's output and the worker each test ran on."""
    tests = tmp_path_factory.mktemp("suite") / "tests"
    tests.mkdir()
    (tests / "conftest.py").write_text(CONFTEST.read_text() + "\n" + SAME_IDS)
    (tests / "__init__.py").write_text("")
    (tests / "test_shared.py").write_text(SHARED)
    (tests / "test_alone.py").write_text(ALONE)
    (tests / "test_same.py").write_text(
        "from .test_shared import ran\n\ndef test_op(request):\n    ran(request.node.name)\n"
    )
    (tests.parent / "pytest.ini").write_text("[pytest]\naddopts = -p no:cacheprovider\n")
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", *XDIST, "tests"],
        cwd=tests.parent,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    lines = (tests.parent / "ran.jsonl").read_text().splitlines()
    return done.stdout[-3000:] + done.stderr[-3000:], dict(json.loads(line) for line in lines)


def test_a_module_sharing_a_fixture_runs_whole_on_one_worker(
    suite_run: tuple[str, dict[str, str]],
) -> None:
    output, workers = suite_run
    shared = {workers[f"shared-{n}"] for n in range(6)}
    assert len(shared) == 1, workers
    assert {f"alone-{n}" for n in range(6)} <= set(workers)
    assert "passed" in output
    assert "failed" not in output, output


def test_tests_sharing_one_id_all_run(suite_run: tuple[str, dict[str, str]]) -> None:
    _, workers = suite_run
    assert {"test_op[a]", "test_op[b]", "test_op[c]"} <= set(workers), workers
