"""Per-step statistics of a process, kept on chain by the case handlers (F-D6).

docs/spec/workflow.md, "State keys" and "Reads". One :class:`StepStats`
per (process code, step id), shared by every version of the process, under
``workflow/stats/<process code>/<step id>``. The case handlers call the
``count_*`` functions at the moment a step changes; every figure is an
integer (times in BFT milliseconds), so the counts are the same on every
node. Rates (the overdue permille, the average time) are computed by
the read, never stored.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import ClassVar

from govchain.contracts.registry.records import FieldRecord
from govchain.contracts.workflow.records import MATTER_PATTERN, StepState
from govchain.contracts.workflow.state import WORKFLOW_KEY_PREFIX, read_case
from govchain.execution.registry import ReadState, TxContext
from govchain.types.fields import check_text, check_uint

__all__ = [
    "StepStats",
    "count_intervention",
    "count_overdue",
    "count_ready",
    "count_result",
    "read_stats",
    "stats_key",
]

_COUNTS = ("ready", "done", "rejected", "returned", "overdue", "interventions")


@dataclass(frozen=True, slots=True)
class StepStats(FieldRecord):
    """How one step of a process has gone over all its cases.

    ``ready``: step instances that became ready for the first time (a
    resubmission after a return is counted in ``returned``, not again here);
    ``done``, ``rejected``, ``returned``: results; ``overdue``: overdue
    flags; ``interventions``: manual results and extensions; ``total_ms`` and
    ``max_ms``: the sum and the longest of (done time - ready time) over the
    ``done`` results.
    """

    WHAT: ClassVar[str] = "step stats"
    process: str
    step: str
    ready: int
    done: int
    rejected: int
    returned: int
    overdue: int
    interventions: int
    total_ms: int
    max_ms: int

    def validate(self) -> None:
        """Raise ValidationError naming the first field that breaks its rule."""
        check_text("stats.process", self.process, max_size=64, pattern=MATTER_PATTERN)
        check_text("stats.step", self.step, max_size=32)
        for name in (*_COUNTS, "total_ms", "max_ms"):
            check_uint(f"stats.{name}", getattr(self, name))

    @classmethod
    def empty(cls, process: str, step: str) -> StepStats:
        """The stats of a step no case has reached yet."""
        return cls(process, step, 0, 0, 0, 0, 0, 0, 0, 0)


def stats_key(process: str, step: str) -> bytes:
    """State key of one step's statistics (every version of the process together)."""
    return WORKFLOW_KEY_PREFIX + b"stats/" + process.encode("ascii") + b"/" + step.encode("ascii")


def read_stats(read: ReadState, process: str, step: str) -> StepStats:
    """A step's statistics (all zero when no case has reached it)."""
    raw = read(stats_key(process, step))
    return StepStats.empty(process, step) if raw is None else StepStats.from_stored(raw)


def _update(ctx: TxContext, state: StepState, **added: int) -> None:
    case = read_case(ctx.get, state.case)
    assert case is not None, "a step's case exists"
    stats = read_stats(ctx.get, case.process, state.step)
    changed = replace(stats, **{name: getattr(stats, name) + n for name, n in added.items()})
    ctx.put(stats_key(case.process, state.step), changed.encode())


def count_ready(ctx: TxContext, state: StepState) -> None:
    """``state`` (as it was) becomes ready: counted when it was waiting, not after a return."""
    if state.state == "waiting":
        _update(ctx, state, ready=1)


def count_result(ctx: TxContext, state: StepState, outcome: str) -> None:
    """A result of ``outcome`` was recorded; ``state`` is the step as it now stands."""
    if outcome != "approved":
        _update(ctx, state, **{outcome: 1})
        return
    taken = max(0, state.done_at - state.ready_at)
    case = read_case(ctx.get, state.case)
    assert case is not None, "a step's case exists"
    stats = read_stats(ctx.get, case.process, state.step)
    changed = replace(
        stats, done=stats.done + 1, total_ms=stats.total_ms + taken,
        max_ms=max(stats.max_ms, taken),
    )  # fmt: skip
    ctx.put(stats_key(case.process, state.step), changed.encode())


def count_overdue(ctx: TxContext, state: StepState) -> None:
    """The step was flagged overdue."""
    _update(ctx, state, overdue=1)


def count_intervention(ctx: TxContext, state: StepState) -> None:
    """A manual intervention on the step: a result by a staff account, or an extension."""
    _update(ctx, state, interventions=1)
