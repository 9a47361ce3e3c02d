"""The demo's table and JSON from case reads (issue 18 item 7, F-D5, F-D6)."""

from __future__ import annotations

from typing import Any

from govchain.enterprise_demo.report import (
    TABLE_COLUMNS,
    case_outcome,
    demo_json,
    run_succeeded,
    table_rows,
)

STEPS = ("licence", "seal", "social", "medical", "housing", "bank", "tax")


def _read(case: str, state: str, done: int, overdue: tuple[str, ...] = ()) -> dict[str, Any]:
    steps = []
    for i, name in enumerate(STEPS):
        finished = i < done
        steps.append({
            "step": name, "state": "done" if finished else "ready",
            "ready_at": 1_000 + i, "done_at": 3_500 + i if finished else 0,
            "outputs": [f"{i:02d}" * 16] if finished else [],
            "overdue": name in overdue, "interventions": 1 if name == "seal" else 0,
        })  # fmt: skip
    return {"case": {"id": case, "state": state}, "steps": steps}


def test_a_completed_case_has_seven_outputs_and_its_step_times() -> None:
    outcome = case_outcome(_read("ab" * 16, "completed", 7), verified=7)
    assert outcome.outputs == tuple(f"{i:02d}" * 16 for i in range(7))
    assert [s.time_ms for s in outcome.steps] == [2_500] * 7
    assert (outcome.overdue, outcome.interventions) == (0, 1)
    assert run_succeeded([outcome])


def test_an_open_step_has_no_time_and_the_run_fails() -> None:
    outcome = case_outcome(_read("cd" * 16, "open", 1, overdue=("tax",)), verified=1)
    assert [s.time_ms for s in outcome.steps][:2] == [2_500, None]
    assert outcome.overdue == 1
    assert not run_succeeded([outcome])


def test_an_unverified_output_fails_the_run() -> None:
    assert not run_succeeded([case_outcome(_read("ab" * 16, "completed", 7), verified=6)])
    assert not run_succeeded([])


def test_json_has_the_keys_the_issue_names() -> None:
    outcomes = [
        case_outcome(_read("ab" * 16, "completed", 7), verified=7),
        case_outcome(_read("cd" * 16, "rejected", 1), verified=1),
    ]
    shown = demo_json(outcomes, {"validators": 4, "storage_nodes": 2, "members": 9})
    first = shown["cases"][0]
    assert {"case", "state", "steps", "outputs", "overdue", "interventions"} <= set(first)
    assert first["case"] == "ab" * 16
    assert first["state"] == "completed"
    assert len(first["outputs"]) == 7
    assert [s["step"] for s in first["steps"]] == list(STEPS)
    assert first["steps"][0] == {
        "step": "licence", "state": "done", "time_ms": 2_500, "outputs": ["00" * 16],
        "overdue": False, "interventions": 0,
    }  # fmt: skip
    assert (shown["completed"], shown["outputs"], shown["verified"]) == (1, 8, 8)
    assert shown["ok"] is False
    assert shown["network"] == {"validators": 4, "storage_nodes": 2, "members": 9}


def test_one_table_row_per_case_in_the_column_order() -> None:
    rows = table_rows([case_outcome(_read("ab" * 16, "completed", 7), verified=7)])
    assert len(TABLE_COLUMNS) == len(rows[0]) == 7
    case, state, steps, times, outputs, overdue, interventions = rows[0]
    assert (case, state, steps) == ("ab" * 6, "completed", "7/7")
    assert times.split()[:4] == ["licence", "2.5s", "seal", "2.5s"]
    assert (outputs, overdue, interventions) == ("7 (7 verified)", "0", "1")
