"""Per-step statistics kept on chain by the case handlers (F-D6): ready, results, time taken,
overdue flags and interventions, every version of a process together."""

from __future__ import annotations

from pathlib import Path

import pytest

from govchain.contracts.workflow import (
    AdapterSetArgs,
    ExtendArgs,
    FlagOverdueArgs,
    ResubmitArgs,
    StepResultArgs,
)
from govchain.contracts.workflow.state import read_step
from govchain.contracts.workflow.stats import StepStats, read_stats, stats_key
from tests.unit.contracts.assets.asset_chain import TYPE_CODE, ok, refused
from tests.unit.contracts.workflow.test_cases import SEAL, Setup


@pytest.fixture
def setup(tmp_path: Path) -> Setup:
    made = Setup()
    made.tmp = tmp_path
    return made


def _counts(setup: Setup, step: str) -> tuple[int, ...]:
    stats = read_stats(setup.ac.gc.read, "setup", step)
    return (stats.ready, stats.done, stats.rejected, stats.returned, stats.overdue,
            stats.interventions)  # fmt: skip


def test_no_case_no_stats_record_f_d6(setup: Setup) -> None:
    assert setup.ac.gc.read(stats_key("setup", "licence")) is None
    assert read_stats(setup.ac.gc.read, "setup", "licence") == StepStats.empty("setup", "licence")


def test_ready_results_time_taken_and_interventions_are_counted_f_d6(setup: Setup) -> None:
    gc = setup.ac.gc
    case = setup.apply()
    assert _counts(setup, "licence") == (1, 0, 0, 0, 0, 0)
    assert _counts(setup, "seal") == (0, 0, 0, 0, 0, 0)
    ok(setup.send(gc.admins[0], AdapterSetArgs(gc.codes[0], gc.address(gc.admins[0]))))
    ok(setup.send(gc.admins[0], StepResultArgs(case, "licence", "returned", "住所证明不清晰")))
    ok(setup.send(setup.applicant_key, ResubmitArgs(case, "licence", "已补正"), advance_ms=120_000))
    assert _counts(setup, "licence") == (1, 0, 0, 1, 0, 0), "a resubmission is no new ready"
    licence = setup.output(0, TYPE_CODE)
    ok(setup.send(gc.admins[0], StepResultArgs(case, "licence", "approved", outputs=(licence,))))
    done = read_step(gc.read, case, "licence")
    assert done is not None
    taken = done.done_at - done.ready_at
    assert taken >= 120_000
    stats = read_stats(gc.read, "setup", "licence")
    assert (stats.done, stats.interventions, stats.total_ms, stats.max_ms) == (1, 0, taken, taken)
    assert _counts(setup, "seal")[0] == 1
    assert _counts(setup, "bank")[0] == 1
    seal = setup.output(1, SEAL)
    ok(setup.send(gc.admins[1], StepResultArgs(case, "seal", "approved", outputs=(seal,))))
    assert _counts(setup, "seal") == (1, 1, 0, 0, 0, 1), "a staff result is an intervention"
    ok(setup.send(gc.admins[2], ExtendArgs(case, "bank", 5, "系统维护")))
    assert _counts(setup, "bank") == (1, 0, 0, 0, 0, 1), "an extension is an intervention"


def test_overdue_flags_and_rejections_are_counted_across_cases_f_d6(setup: Setup) -> None:
    gc = setup.ac.gc
    first = setup.apply()
    second = setup.apply()
    assert _counts(setup, "licence")[0] == 2
    gc.run(advance_ms=2 * 60_000)  # past the one-minute limit
    ok(setup.send(gc.admins[3], FlagOverdueArgs(first, "licence")))
    refused(setup.send(gc.admins[3], FlagOverdueArgs(first, "licence")), "bad_status")
    ok(setup.send(gc.admins[0], StepResultArgs(second, "licence", "rejected", "名称重复")))
    assert _counts(setup, "licence") == (2, 0, 1, 0, 1, 1)
    stats = read_stats(gc.read, "setup", "licence")
    assert (stats.total_ms, stats.max_ms) == (0, 0), "only approved results take time"
