"""Issue 21: bench cluster's ramp closes in on the ceiling after its first failed step."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, cast

import pytest

from govchain.bench import cluster
from govchain.bench.cluster import RAMP_FACTOR, REFINE_STEPS, START_TPS, ClusterSettings


@dataclass
class _Step:
    offered_tps: float
    sustained: bool
    reason: str


@dataclass
class _FakeRun:
    """A network that sustains every rate up to ``ceiling`` and none above."""

    ceiling: float
    settings: ClusterSettings = field(default_factory=lambda: ClusterSettings(duration_s=3600))
    offered: list[float] = field(default_factory=list)

    def step(self, _kind: str, rate: float, _seconds: float, _drain_s: float) -> _Step:
        self.offered.append(rate)
        ok = rate <= self.ceiling
        return _Step(rate, ok, "" if ok else f"backlog at {rate:.0f}")


def _ramp(run: _FakeRun) -> tuple[Any, str]:
    return cluster._ramp(cast(Any, run), lambda _line: None)


@pytest.mark.parametrize("ceiling", [50.0, 300.0, 560.0, 630.0])
def test_the_refined_figure_is_the_best_rate_tried_within_the_ceiling(ceiling: float) -> None:
    run = _FakeRun(ceiling)
    best, stop = _ramp(run)
    rising, refining = run.offered[:-REFINE_STEPS], run.offered[-REFINE_STEPS:]
    assert rising == [START_TPS * RAMP_FACTOR**i for i in range(len(rising))]
    assert rising[-2] <= ceiling < rising[-1]  # the ramp stopped at its first failure
    assert all(rising[-2] < r < rising[-1] for r in refining)
    assert best.offered_tps == max(r for r in run.offered if r <= ceiling)
    failed = min(r for r in run.offered if r > ceiling)
    assert stop.startswith(f"{failed:,.0f} tx/s not sustained")
    # two geometric halvings of a x1.5 gap: within a factor 1.5 ** (1/4) of the ceiling
    assert ceiling / best.offered_tps < 1.5**0.25 + 1e-9


def test_without_a_sustained_step_nothing_is_refined() -> None:
    run = _FakeRun(ceiling=1.0)
    best, stop = _ramp(run)
    assert best is None
    assert run.offered == [START_TPS]
    assert stop.startswith("25 tx/s not sustained")
