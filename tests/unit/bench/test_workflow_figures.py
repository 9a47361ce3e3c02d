"""``bench workflow`` figures from case outcomes and department logs (issue 18, bench)."""

from __future__ import annotations

from govchain.bench.workflow import answer_ms_by_step, workflow_figures
from govchain.enterprise_demo.report import CaseOutcome, StepOutcome

KINDS = ("licence", "seal", "social", "medical", "housing", "bank", "tax")


def _case(
    case: str, opened: int, closed: int, step_ms: int, state: str = "completed"
) -> CaseOutcome:
    steps = tuple(
        StepOutcome(kind, "done", step_ms, (f"{case}{kind}",), False, 0) for kind in KINDS
    )
    return CaseOutcome(case, state, steps, 7, opened, closed)


def test_answer_times_are_read_from_the_request_lines_first_answer_kept() -> None:
    lines = [
        "demo department seal (济南市演示公安局): http://127.0.0.1:1",
        "2026-01-01T00:00:00.000+00:00 POST /v1/cases 200 case=aa step=seal outcome=approved 12ms",
        "2026-01-01T00:00:01.000+00:00 POST /v1/cases 200 case=aa step=seal outcome=approved 99ms",
        "2026-01-01T00:00:02.000+00:00 POST /v1/cases 400 case=- step=- outcome=- 1ms",
        "2026-01-01T00:00:03.000+00:00 GET /v1/health 200 case=- step=- outcome=- 0ms",
        "demo department seal stopped",
    ]
    assert answer_ms_by_step(lines) == {("aa", "seal"): 12}


def test_cases_per_minute_and_the_overhead_per_step() -> None:
    outcomes = [_case("a", 0, 30_000, 2_000), _case("b", 10_000, 60_000, 3_000)]
    answers = {(c, k): 100 for c in ("a", "b") for k in KINDS}
    figures = workflow_figures(outcomes, answers, bound_tps=1_000.0)
    assert figures["completed"] == 2
    assert figures["cases_per_min"] == 2.0  # 2 cases over 60 s of BFT time
    assert figures["step_ms_p50"] == 2_500.0
    assert figures["department_answer_ms_p50"] == 100.0
    assert figures["overhead_ms_p50"] == 2_400.0
    assert figures["steps_measured"] == 14
    # apply and delegate, 7 x (issue, result), 6 licence reads x (grant, use)
    assert figures["txs_per_case"] == 2 + 7 * 2 + 6 * 2
    assert figures["tx_per_s"] == round(2 * 28 / 60, 2)  # 2 cases a minute, 28 txs each
    assert figures["bound_ratio"] == round(2 * 28 / 60 / 1_000, 5)


def test_no_completed_case_gives_no_rate() -> None:
    figures = workflow_figures([_case("a", 0, 0, 1_000, state="rejected")], {}, 1_000.0)
    assert figures["completed"] == 0
    assert figures["cases_per_min"] is None
    assert figures["bound_ratio"] is None
    assert figures["overhead_ms_p50"] is None
