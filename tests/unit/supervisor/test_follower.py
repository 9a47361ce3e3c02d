"""The supervisor's logic over a fake chain (F-D6): a flag once the latest block's BFT time is
past a deadline and not before, resent after RETRY_HEIGHTS, dropped when the step is done or
the case closed; alerts once per committed event, keyed; resumed from the state file."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from govchain.codes.demo import demo_uscc
from govchain.contracts.workflow.records import StepState
from govchain.supervisor.follower import (
    RETRY_HEIGHTS,
    Alert,
    ChainEvent,
    DepartmentStep,
    Supervisor,
    alert_key,
    alert_text,
)
from govchain.supervisor.progress import (
    PROGRESS_FILE,
    OpenStep,
    Progress,
    ProgressFileError,
    load_progress,
    save_progress,
)
from govchain.types.errors import GovChainError

CASE = bytes(range(16))
OTHER = bytes(range(1, 17))
ADAPTER = b"\x0a" * 20
CHAIN_ID = "govchain-test"


def _department() -> str:
    return demo_uscc(7)


@dataclass
class FakeChain:
    """Blocks of events, step records, a BFT time per height; records the flags sent."""

    height: int = 0
    times: dict[int, int] = field(default_factory=dict)
    blocks: dict[int, list[ChainEvent]] = field(default_factory=dict)
    steps: dict[tuple[bytes, str], StepState] = field(default_factory=dict)
    flags: list[tuple[bytes, str, int]] = field(default_factory=list)
    refuse_flags: bool = False

    def block(self, time_ms: int, *events: ChainEvent) -> int:
        self.height += 1
        self.times[self.height] = time_ms
        self.blocks[self.height] = list(events)
        return self.height

    def latest(self) -> tuple[int, int]:
        return self.height, self.times.get(self.height, 0)

    def events_at(self, height: int) -> list[ChainEvent]:
        return list(self.blocks[height])

    def step(self, case: bytes, step: str) -> DepartmentStep | None:
        found = self.steps.get((case, step))
        return None if found is None else DepartmentStep(found, ADAPTER)

    def flag(self, case: bytes, step: str) -> None:
        self.flags.append((case, step, self.height))
        if self.refuse_flags:
            raise GovChainError("bad_status: step licence cannot be flagged now")


def _state(case: bytes, step: str, state: str, deadline: int, overdue: bool = False) -> StepState:
    return StepState(case, step, _department(), state, 1_000, deadline, 0, (), overdue, 0, 0, "")


def _event(kind: str, case: bytes, step: str, tx: int = 1) -> ChainEvent:
    return ChainEvent(bytes([tx]) * 32, kind, {"case": case, "step": step})


class Harness:
    def __init__(self, tmp: Path | None = None) -> None:
        self.chain = FakeChain()
        self.alerts: list[Alert] = []
        self.lines: list[str] = []
        self.tmp = tmp
        self.supervisor = self.fresh()

    def fresh(self) -> Supervisor:
        return Supervisor.resumed(
            self.chain, self.alerts.append, self.lines.append, CHAIN_ID, self.tmp
        )

    def ready(self, case: bytes, step: str, deadline: int, time_ms: int) -> None:
        self.chain.steps[(case, step)] = _state(case, step, "ready", deadline)
        self.chain.block(time_ms, _event("workflow.step_ready", case, step))


def test_a_flag_is_sent_once_the_latest_block_is_past_the_deadline_not_before_f_d6() -> None:
    h = Harness()
    h.ready(CASE, "licence", 60_000, 1_000)
    h.supervisor.step()
    assert h.supervisor.open == {(CASE, "licence"): 60_000}
    h.chain.block(60_000)  # at the deadline: not past it
    h.supervisor.step()
    assert h.chain.flags == []
    h.chain.block(60_001)
    h.supervisor.step()
    assert h.chain.flags == [(CASE, "licence", 3)]
    h.supervisor.step()  # the same height: not sent again
    assert len(h.chain.flags) == 1


def test_an_unseen_flag_is_sent_again_after_retry_heights_and_refusals_are_quiet_f_d6() -> None:
    h = Harness()
    h.chain.refuse_flags = True
    h.ready(CASE, "licence", 10, 1)
    h.chain.block(20)
    h.supervisor.step()
    assert len(h.chain.flags) == 1
    for _ in range(RETRY_HEIGHTS - 1):
        h.chain.block(30)
        h.supervisor.step()
    assert len(h.chain.flags) == 1
    h.chain.block(40)
    h.supervisor.step()
    assert [f[2] for f in h.chain.flags] == [2, 2 + RETRY_HEIGHTS]


def test_done_steps_and_closed_cases_are_dropped_returned_ones_kept_f_d6() -> None:
    h = Harness()
    h.ready(CASE, "licence", 10, 1)
    h.ready(OTHER, "licence", 10, 1)
    h.ready(OTHER, "seal", 10, 1)
    h.chain.steps[(CASE, "licence")] = _state(CASE, "licence", "returned", 10)
    h.chain.block(2, _event("workflow.step_done", CASE, "licence"))
    h.supervisor.step()
    assert set(h.supervisor.open) == {(CASE, "licence"), (OTHER, "licence"), (OTHER, "seal")}
    h.chain.steps[(CASE, "licence")] = _state(CASE, "licence", "done", 10)
    h.chain.block(3, _event("workflow.step_done", CASE, "licence"),
                  ChainEvent(b"\x02" * 32, "workflow.case_closed", {"case": OTHER}))  # fmt: skip
    h.chain.block(50)
    h.supervisor.step()
    assert h.supervisor.open == {}
    assert h.chain.flags == []


def test_overdue_and_intervention_events_alert_once_each_with_a_stable_key_f_d6() -> None:
    h = Harness()
    h.ready(CASE, "licence", 10, 1)
    h.chain.block(20)
    h.supervisor.step()
    h.chain.steps[(CASE, "licence")] = _state(CASE, "licence", "ready", 10, overdue=True)
    h.chain.block(21, _event("workflow.overdue", CASE, "licence", tx=7))
    h.chain.steps[(OTHER, "seal")] = _state(OTHER, "seal", "ready", 99)
    h.chain.block(22, _event("workflow.intervention", OTHER, "seal", tx=8))
    h.supervisor.step()
    assert [(a.kind, a.case, a.step, a.adapter) for a in h.alerts] == [
        ("overdue", CASE, "licence", ADAPTER),
        ("intervention", OTHER, "seal", ADAPTER),
    ]
    assert h.alerts[0].key == alert_key("overdue", CASE, "licence", b"\x07" * 32)
    assert len(h.alerts[0].key) <= 64
    assert h.alerts[0].key != h.alerts[1].key
    assert (CASE, "licence") not in h.supervisor.open, "a flagged step is no longer watched"
    assert (OTHER, "seal") in h.supervisor.open
    assert len(h.lines) == 2
    assert h.lines[0] == (
        f"alert overdue: case {CASE.hex()} step licence department {_department()} height 3"
    )
    assert alert_text(h.alerts[0]) == (  # ids and codes only: never a form value or a name
        f"workflow alert: case {CASE.hex()} step licence of department {_department()} is "
        "overdue (past its deadline); recorded at height 3"
    )
    again = Harness()
    again.chain = h.chain
    again.supervisor = again.fresh()
    again.supervisor.step()
    assert [a.key for a in again.alerts] == [a.key for a in h.alerts]


def test_a_failed_post_reads_the_height_again_on_the_next_poll_f_d6() -> None:
    h = Harness()
    failing = [True]

    def post(alert: Alert) -> None:
        if failing[0]:
            raise GovChainError("unavailable: no storage node took the message")
        h.alerts.append(alert)

    h.supervisor.post = post
    h.chain.steps[(CASE, "licence")] = _state(CASE, "licence", "ready", 10, overdue=True)
    h.chain.block(21, _event("workflow.overdue", CASE, "licence"))
    with pytest.raises(GovChainError):
        h.supervisor.step()
    assert h.supervisor.scanned == 0
    failing[0] = False
    h.supervisor.step()
    assert (h.supervisor.scanned, len(h.alerts)) == (1, 1)


def test_progress_is_saved_and_a_restart_resumes_from_it_f_d6(tmp_path: Path) -> None:
    h = Harness(tmp_path)
    h.ready(CASE, "licence", 10_000, 1)
    h.ready(OTHER, "seal", 20_000, 2)
    h.supervisor.step()
    saved = load_progress(tmp_path, CHAIN_ID)
    assert saved.scanned == 2
    assert saved.open == (OpenStep(CASE, "licence", 10_000), OpenStep(OTHER, "seal", 20_000))
    h.chain.blocks[1] = h.chain.blocks[2] = []  # what was read is never read again
    restarted = h.fresh()
    assert (restarted.scanned, restarted.open) == (2, h.supervisor.open)
    h.chain.block(15_000)
    restarted.step()
    assert [f[:2] for f in h.chain.flags] == [(CASE, "licence")]


def test_a_bad_or_foreign_state_file_is_refused_naming_it(tmp_path: Path) -> None:
    save_progress(tmp_path, Progress("another-chain", 5, ()))
    with pytest.raises(ProgressFileError, match="another-chain"):
        load_progress(tmp_path, CHAIN_ID)
    (tmp_path / PROGRESS_FILE).write_text('{"format": "nope"}', encoding="utf-8")
    with pytest.raises(ProgressFileError, match=PROGRESS_FILE):
        load_progress(tmp_path, CHAIN_ID)
    bad = Progress(CHAIN_ID, 1, (OpenStep(CASE, "Bad Step", 1),))
    (tmp_path / PROGRESS_FILE).write_text(json.dumps(bad.to_json()), encoding="utf-8")
    with pytest.raises(ProgressFileError, match="open step step"):
        load_progress(tmp_path, CHAIN_ID)
