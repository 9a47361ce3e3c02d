"""What a demo run found, as the JSON ``--json`` prints and the rows of the table (pure).

A case's read (``GET /v1/cases/{id}``) becomes a :class:`CaseOutcome`: its
state, each step with the time it took (BFT time from ready to done), the
outputs issued into the applicant's locker, how many steps went overdue
and how many manual interventions there were.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

__all__ = [
    "TABLE_COLUMNS",
    "CaseOutcome",
    "StepOutcome",
    "case_outcome",
    "demo_json",
    "run_succeeded",
    "table_rows",
]

TABLE_COLUMNS = ("case", "state", "steps", "time per step", "outputs", "overdue", "interventions")


@dataclass(frozen=True, slots=True)
class StepOutcome:
    """One step of a case as the chain shows it at the end of the run."""

    step: str
    state: str
    time_ms: int | None
    """BFT time from ready to done (None while the step is not done)."""
    outputs: tuple[str, ...]
    overdue: bool
    interventions: int


@dataclass(frozen=True, slots=True)
class CaseOutcome:
    """One case at the end of the run, with how many of its outputs verified."""

    case: str
    state: str
    steps: tuple[StepOutcome, ...]
    verified: int = 0
    opened: int = 0
    """BFT time (ms) of the block that opened the case."""
    closed: int = 0
    """BFT time (ms) of the block that closed it (0 while open)."""

    @property
    def outputs(self) -> tuple[str, ...]:
        """Every output asset of the case (content ids), in step order."""
        return tuple(output for step in self.steps for output in step.outputs)

    @property
    def overdue(self) -> int:
        """How many steps were flagged overdue."""
        return sum(step.overdue for step in self.steps)

    @property
    def interventions(self) -> int:
        """How many manual interventions the steps recorded."""
        return sum(step.interventions for step in self.steps)


def case_outcome(read: dict[str, Any], verified: int = 0) -> CaseOutcome:
    """A case's outcome from its read (``GET /v1/cases/{id}``); KeyError if a key is missing."""
    steps = []
    for step in read["steps"]:
        done = step["state"] == "done" and step["done_at"] >= step["ready_at"] > 0
        steps.append(
            StepOutcome(
                step=str(step["step"]),
                state=str(step["state"]),
                time_ms=int(step["done_at"]) - int(step["ready_at"]) if done else None,
                outputs=tuple(str(output) for output in step["outputs"]),
                overdue=bool(step["overdue"]),
                interventions=int(step["interventions"]),
            )
        )
    case = read["case"]
    return CaseOutcome(
        str(case["id"]),
        str(case["state"]),
        tuple(steps),
        verified,
        int(case.get("opened", 0)),
        int(case.get("closed", 0)),
    )


def run_succeeded(outcomes: list[CaseOutcome]) -> bool:
    """True when every case completed and every output of every case verified."""
    return bool(outcomes) and all(
        o.state == "completed" and o.outputs and o.verified == len(o.outputs) for o in outcomes
    )


def demo_json(outcomes: list[CaseOutcome], network: dict[str, int]) -> dict[str, Any]:
    """The ``--json`` object: ``cases`` as docs/operations.md shows, then the totals."""
    outputs = sum(len(o.outputs) for o in outcomes)
    return {
        "cases": [
            {
                "case": o.case,
                "state": o.state,
                "steps": [
                    {
                        "step": s.step,
                        "state": s.state,
                        "time_ms": s.time_ms,
                        "outputs": list(s.outputs),
                        "overdue": s.overdue,
                        "interventions": s.interventions,
                    }
                    for s in o.steps
                ],
                "outputs": list(o.outputs),
                "overdue": o.overdue,
                "interventions": o.interventions,
                "verified": o.verified,
            }
            for o in outcomes
        ],
        "completed": sum(o.state == "completed" for o in outcomes),
        "outputs": outputs,
        "verified": sum(o.verified for o in outcomes),
        "network": dict(network),
        "ok": run_succeeded(outcomes),
    }


def table_rows(outcomes: list[CaseOutcome]) -> list[tuple[str, ...]]:
    """One row per case in the order of :data:`TABLE_COLUMNS`."""
    rows: list[tuple[str, ...]] = []
    for o in outcomes:
        done = sum(s.state == "done" for s in o.steps)
        times = " ".join(f"{s.step} {_seconds(s.time_ms)}" for s in o.steps)
        rows.append(
            (
                o.case[:12],
                o.state,
                f"{done}/{len(o.steps)}",
                times,
                f"{len(o.outputs)} ({o.verified} verified)",
                str(o.overdue),
                str(o.interventions),
            )
        )
    return rows


def _seconds(time_ms: int | None) -> str:
    if time_ms is None:
        return "-"
    return f"{time_ms // 1000}.{time_ms % 1000 // 100}s"
