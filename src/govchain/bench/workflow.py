"""``govchain bench workflow``: enterprise-setup cases end to end; what the platform adds per step.

It runs the enterprise-setup demo (``govchain.enterprise_demo``: nine
members, 4 validators, 2 storage nodes, seven department systems with
``--delay-ms 0`` and their adapters) for ``cases`` applications submitted
together, and reports:

- cases per minute: completed cases over the BFT time from the first case
  opened to the last case closed;
- per step, the time from the step becoming ready to its result committed
  (BFT times of the two blocks), the department system's own answer time
  (from its request log) and their difference: the overhead the platform
  adds (the adapter's reads and txs, the output's issue, consensus);
- the txs per second that makes (one application, then an issue and a
  result per step) against the bound of signature checks measured in the
  same run (checks per second on one core x cores / validators).
"""

from __future__ import annotations

import re
import tempfile
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from govchain.bench.cluster import measure_verify_per_s, percentile, verify_bound_tps
from govchain.bench.procstats import machine
from govchain.client.process_files import load_process_file
from govchain.enterprise_demo import DemoOptions, Progress, run_enterprise_setup
from govchain.enterprise_demo.plan import DEMO_VALIDATORS, MATTERS, examples_dir
from govchain.enterprise_demo.report import CaseOutcome
from govchain.types.errors import ValidationError

__all__ = ["WorkflowSettings", "answer_ms_by_step", "run_workflow_bench", "workflow_figures"]

MAX_BENCH_CASES = 200
TXS_PER_STEP = 2
"""The output's ``assets.issue`` and the ``workflow.step_result``."""
TXS_PER_CASE_FIXED = 2
"""The applicant's ``grants.delegate`` (the licence department shares the licence) and the
window's ``workflow.apply``."""
TXS_PER_READ = 2
"""An input read by a later step: the producing adapter's ``grants.grant`` and the reading
adapter's ``grants.use`` (its usage record)."""
_ANSWER = re.compile(
    r" POST /v1/cases 200 case=(?P<case>\S+) step=(?P<step>\S+) outcome=\S+ (?P<ms>\d+)ms$"
)


@dataclass(frozen=True, slots=True)
class WorkflowSettings:
    """How many cases the bench runs."""

    cases: int = 10

    def validate(self) -> None:
        """Raise ValidationError if the count is out of range."""
        if not 1 <= self.cases <= MAX_BENCH_CASES:
            raise ValidationError(f"--cases: expected 1..{MAX_BENCH_CASES}")


def answer_ms_by_step(lines: Iterable[str]) -> dict[tuple[str, str], int]:
    """The department system's answer time per (case, step), from its request log lines
    (the first answer of each; other lines are skipped)."""
    found: dict[tuple[str, str], int] = {}
    for line in lines:
        match = _ANSWER.search(line.rstrip("\n"))
        if match:
            found.setdefault((match["case"], match["step"]), int(match["ms"]))
    return found


def txs_per_enterprise_case() -> int:
    """The txs one case of the shipped process commits without returns: the authority and the
    application, each step's output and result, each input's grant and usage record."""
    process = load_process_file(examples_dir() / "processes" / "enterprise-setup.toml")
    steps: list[dict[str, Any]] = list(process["steps"])  # type: ignore[call-overload]
    reads = sum(len(step["inputs"]) for step in steps)
    return TXS_PER_CASE_FIXED + TXS_PER_STEP * len(MATTERS) + TXS_PER_READ * reads


def workflow_figures(
    outcomes: list[CaseOutcome], answers: dict[tuple[str, str], int], bound_tps: float
) -> dict[str, Any]:
    """The bench's figures from the cases' outcomes and the departments' answer times."""
    completed = [o for o in outcomes if o.state == "completed"]
    span_ms = (
        max(o.closed for o in completed) - min(o.opened for o in completed) if completed else 0
    )
    per_min = 60_000 * len(completed) / span_ms if span_ms > 0 else None
    step_ms, answer_ms, overhead_ms = [], [], []
    for outcome in completed:
        for step in outcome.steps:
            if step.time_ms is None:
                continue
            answered = answers.get((outcome.case, step.step))
            step_ms.append(float(step.time_ms))
            if answered is not None:
                answer_ms.append(float(answered))
                overhead_ms.append(float(step.time_ms - answered))
    txs_per_case = txs_per_enterprise_case()
    tx_per_s = None if per_min is None else per_min * txs_per_case / 60
    return {
        "cases": len(outcomes),
        "completed": len(completed),
        "span_s": round(span_ms / 1000, 1),
        "cases_per_min": None if per_min is None else round(per_min, 2),
        "case_ms_p50": _rounded(percentile([float(o.closed - o.opened) for o in completed], 50)),
        "step_ms_p50": _rounded(percentile(step_ms, 50)),
        "step_ms_p90": _rounded(percentile(step_ms, 90)),
        "department_answer_ms_p50": _rounded(percentile(answer_ms, 50)),
        "overhead_ms_p50": _rounded(percentile(overhead_ms, 50)),
        "overhead_ms_p90": _rounded(percentile(overhead_ms, 90)),
        "steps_measured": len(overhead_ms),
        "txs_per_case": txs_per_case,
        "tx_per_s": None if tx_per_s is None else round(tx_per_s, 2),
        "verify_bound_tps": round(bound_tps, 1),
        "bound_ratio": None if tx_per_s is None else round(tx_per_s / bound_tps, 5),
    }


def run_workflow_bench(
    settings: WorkflowSettings, report: Callable[[str], None] | None = None
) -> dict[str, Any]:
    """Run the bench in a temporary directory (removed afterwards); the JSON-ready figures."""
    settings.validate()
    stage = report or (lambda _text: None)
    started = time.time()
    host = machine()
    stage("measuring gm signature checks on one core")
    verify_rate = measure_verify_per_s("gm")
    with tempfile.TemporaryDirectory(prefix="govchain-bench-workflow-") as directory:
        run = run_enterprise_setup(
            Path(directory), DemoOptions(cases=settings.cases, delay_ms=0), Progress(stage)
        )
        answers: dict[tuple[str, str], int] = {}
        for log in run.department_logs:
            with log.open(encoding="utf-8", errors="replace") as lines:
                for key, ms in answer_ms_by_step(lines).items():
                    answers.setdefault(key, ms)
    bound = verify_bound_tps(verify_rate, host["cores"], DEMO_VALIDATORS)
    return {
        **workflow_figures(run.outcomes, answers, bound),
        "validators": DEMO_VALIDATORS,
        "storage_nodes": run.network["storage_nodes"],
        "suite": "gm",
        "cores": host["cores"],
        "verify_per_s_per_core": round(verify_rate, 1),
        "machine": host,
        "wall_s": round(time.time() - started, 1),
    }


def _rounded(value: float | None) -> float | None:
    return None if value is None else round(value, 1)
