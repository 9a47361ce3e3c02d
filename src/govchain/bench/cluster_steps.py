"""The figures of one ``bench cluster`` step: latency percentiles, committed rate, backlog
growth, and whether the step is sustained (see :mod:`govchain.bench.cluster`).

Pure functions of what the load clients reported; no process is touched here.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from govchain.bench.loadclients import ClientStep
from govchain.bench.procstats import NOISY_SHARE

__all__ = [
    "BACKLOG_GROWTH_MAX",
    "COMMITTED_MIN",
    "FAILED_MAX",
    "UNCOMMITTED_MAX",
    "StepFigures",
    "backlog_growth_tps",
    "committed_tps",
    "is_noisy",
    "judge_step",
    "others_cpu_share",
    "percentile",
]

COMMITTED_MIN = 0.9
"""A sustained step commits at least this part of the offered rate."""
FAILED_MAX = 0.02
"""... and refuses, leaves behind or loses to errors at most this part of its txs."""
BACKLOG_GROWTH_MAX = 0.25
"""... and its backlog grows by at most this part of the offered rate per second. Looser than
the commit share: in a short step, latency jitter alone tilts the backlog readings."""
UNCOMMITTED_MAX = 0.01
"""... and at most this part of its accepted txs is still uncommitted after the drain."""


def percentile(values: Sequence[float], q: float) -> float | None:
    """The ``q``-th percentile (0-100) by linear interpolation between ranks; None if empty."""
    assert 0 <= q <= 100, "a percentile is between 0 and 100"
    if not values:
        return None
    ordered = sorted(values)
    rank = (len(ordered) - 1) * q / 100
    low = int(rank)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)


def _latencies_s(step: ClientStep) -> list[float]:
    return [c - s for s, c in zip(step.send_s, step.commit_s, strict=True) if c is not None]


def committed_tps(step: ClientStep) -> float:
    """The rate the network committed the step's txs at.

    The accepted rate divided by the slope of commit time against send time
    (least squares over every committed tx): 1 when the network keeps up,
    offered / capacity when it falls behind. Commits come a block at a time;
    the fit over all txs smooths that out, where counting commits in a window
    would be off by up to a block.
    """
    pairs = [(s, c) for s, c in zip(step.send_s, step.commit_s, strict=True) if c is not None]
    if step.seconds <= 0:
        return 0.0
    accepted_tps = step.accepted / step.seconds
    slope = _slope([s for s, _ in pairs], [c for _, c in pairs])
    if slope is None or slope <= 0:
        return len(pairs) / step.seconds  # everything in one block: no slope to fit
    return min(accepted_tps, accepted_tps / slope)


def _slope(xs: Sequence[float], ys: Sequence[float]) -> float | None:
    """Least-squares slope of ys against xs; None when xs do not vary."""
    if len(xs) < 2:
        return None
    mean_x, mean_y = sum(xs) / len(xs), sum(ys) / len(ys)
    spread = sum((x - mean_x) ** 2 for x in xs)
    if spread <= 0:
        return None
    return sum((x - mean_x) * (y - mean_y) for x, y in zip(xs, ys, strict=True)) / spread


def backlog_growth_tps(step: ClientStep) -> float:
    """How fast accepted-but-uncommitted txs pile up while the load lasts (tx/s); about 0 when
    the network keeps up.

    The backlog is read just after each commit in the last two thirds of the step
    (commits come a block at a time, so in between it is a saw tooth), and the
    growth is the least-squares slope of those readings.
    """
    sends = sorted(step.send_s)
    commits = sorted(c for c in step.commit_s if c is not None)
    times = sorted({c for c in commits if step.seconds / 3 <= c <= step.seconds})
    backlog = [_count_upto(sends, t) - _count_upto(commits, t) for t in times]
    return _slope(times, backlog) or 0.0


def _count_upto(ordered: Sequence[float], at: float) -> int:
    low, high = 0, len(ordered)
    while low < high:
        middle = (low + high) // 2
        if ordered[middle] <= at:
            low = middle + 1
        else:
            high = middle
    return low


@dataclass(frozen=True)
class StepFigures:
    """One step as the report shows it."""

    kind: str
    """``ramp`` or ``measure`` (``warmup`` for the few txs that open the run, not reported)."""
    offered_tps: float
    seconds: float
    scheduled: int
    submitted: int
    accepted: int
    committed: int
    committed_tps: float
    latency_ms_p50: float | None
    latency_ms_p99: float | None
    refused: dict[str, int]
    behind: int
    late: int
    errors: dict[str, int]
    backlog_growth_tps: float
    sustained: bool
    reason: str
    """Why the step is not sustained ("" when it is)."""
    blocks: int
    """Blocks committed while the step's txs were sent."""
    txs_per_block: float
    blocks_late_round: int
    """Of those, blocks decided in a round above 0 (a proposal or vote timed out first)."""
    nodes_cpu_percent: dict[str, float] = dataclasses.field(default_factory=dict)
    clients_cpu_percent: float = 0.0
    machine_cpu_percent: float = 0.0
    """Every process of the machine, ours and others' (200.0: two cores busy)."""
    kinds: dict[str, dict[str, int]] = dataclasses.field(default_factory=dict)
    """Tx kind -> {"scheduled": N, "committed": M} of the step."""

    def to_json(self) -> dict[str, Any]:
        """The JSON row (figures rounded, never NaN)."""
        row = dataclasses.asdict(self)
        row["refused_total"] = sum(self.refused.values())
        row["errors_total"] = sum(self.errors.values())
        row["nodes_cpu_percent_total"] = round(sum(self.nodes_cpu_percent.values()), 1)
        return row


def judge_step(step: ClientStep, offered_tps: float, drain_s: float, kind: str) -> StepFigures:
    """The figures of a step and whether the network sustained its rate (with why not)."""
    latencies_ms = [1000 * s for s in _latencies_s(step)]
    committed = committed_tps(step)
    growth = backlog_growth_tps(step)
    failed = step.behind + sum(step.refused.values()) + sum(step.errors.values())
    blocks = [b for b in step.blocks if 0 <= b.seen_s <= step.seconds]
    reasons = []
    if committed < COMMITTED_MIN * offered_tps:
        reasons.append(f"committed {committed / offered_tps:.0%} of the offered rate")
    if failed > FAILED_MAX * max(1, step.scheduled - step.unsent):
        reasons.append(_failures(step))
    if growth > BACKLOG_GROWTH_MAX * offered_tps:
        reasons.append(f"backlog growing {growth:.0f} tx/s")
    uncommitted = step.accepted - step.committed
    if uncommitted > UNCOMMITTED_MAX * step.accepted:
        reasons.append(f"{uncommitted} accepted txs not committed {drain_s:g} s after the step")
    p50, p99 = percentile(latencies_ms, 50), percentile(latencies_ms, 99)
    return StepFigures(
        kind=kind,
        offered_tps=round(offered_tps, 1),
        seconds=round(step.seconds, 2),
        scheduled=step.scheduled,
        submitted=step.sent,
        accepted=step.accepted,
        committed=step.committed,
        committed_tps=round(committed, 1),
        latency_ms_p50=None if p50 is None else round(p50, 1),
        latency_ms_p99=None if p99 is None else round(p99, 1),
        refused=dict(step.refused),
        behind=step.behind,
        late=step.late,
        errors=dict(step.errors),
        backlog_growth_tps=round(growth, 1),
        sustained=not reasons,
        reason="; ".join(reasons),
        blocks=len(blocks),
        txs_per_block=round(sum(b.txs for b in blocks) / len(blocks), 1) if blocks else 0.0,
        blocks_late_round=sum(1 for b in blocks if b.commit_round > 0),
    )


def _failures(step: ClientStep) -> str:
    parts = [f"{code} {count}" for code, count in sorted(step.refused.items())]
    parts += [f"{kind} {count}" for kind, count in sorted(step.errors.items())]
    if step.behind:
        parts.append(f"behind {step.behind} (client in-flight limit)")
    return f"{', '.join(parts)} of {step.scheduled} txs not taken"


def others_cpu_share(steps: Sequence[StepFigures], cores: int) -> float:
    """The part of the machine that processes other than the network and its load clients
    took during ``steps``, each step weighed by its length (0.0 to 1.0)."""
    capacity = sum(step.seconds for step in steps) * 100 * cores
    others = sum(
        max(
            0.0,
            step.machine_cpu_percent
            - sum(step.nodes_cpu_percent.values())
            - step.clients_cpu_percent,
        )
        * step.seconds
        for step in steps
    )
    return others / capacity if capacity > 0 else 0.0


def is_noisy(others_share: float) -> bool:
    """Whether a run's figures are not to be used: others took more than ``NOISY_SHARE``."""
    return others_share > NOISY_SHARE
