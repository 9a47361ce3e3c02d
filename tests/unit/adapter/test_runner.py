"""The adapter's follower loop over made-up blocks: which steps it tries, when, and what it
keeps across a restart (issue 18 item 5, F-D5).

The chain is a list of blocks of events as ``BlockEvents`` gives them, the step handler a
script of outcomes and errors per step, the clock a number the test moves: no node, no
department system, no sleeping.
"""

from __future__ import annotations

import json
import threading
from concurrent import futures
from pathlib import Path
from typing import Any

import pytest

from govchain.adapter.department import DepartmentUnavailableError
from govchain.adapter.runner import PROGRESS_FILE, AdapterRunner, Progress
from govchain.client.block_events import BlockWaiter
from govchain.client.sdk import NodeUnreachableError
from govchain.codes import demo_uscc
from govchain.types.errors import ValidationError

WAIT_S = 30.0
LICENCE_DEPT = demo_uscc(7001)
SEAL_DEPT = demo_uscc(7002)
CASE_A = bytes([0xA1]) * 32
CASE_B = bytes([0xB2]) * 32

Event = tuple[str, dict[str, Any]]
StepKey = tuple[bytes, str]


def ready(case: bytes, step: str, department: str = LICENCE_DEPT) -> Event:
    return ("workflow.step_ready", {"case": case, "step": step, "department": department})


def done(case: bytes, step: str, outcome: str = "approved") -> Event:
    return ("workflow.step_done", {"case": case, "step": step, "outcome": outcome, "manual": 0})


def closed(case: bytes, state: str = "completed") -> Event:
    return ("workflow.case_closed", {"case": case, "state": state})


class _Blocks:
    """Committed blocks, each a list of events; the heights read are recorded."""

    def __init__(self, *blocks: list[Event]) -> None:
        self.blocks = list(blocks)
        self.read: list[int] = []
        self.down = 0
        """The number of ``latest_height`` calls still to fail (a node not answering)."""

    def add(self, *events: Event) -> None:
        self.blocks.append(list(events))

    def latest_height(self) -> int:
        if self.down:
            self.down -= 1
            raise NodeUnreachableError("no node answered")
        return len(self.blocks)

    def events_at(self, height: int) -> list[Event]:
        self.read.append(height)
        return list(self.blocks[height - 1])


class _Handler:
    """Records each call; each step answers its script in order (the last entry repeats).

    With ``gate`` cleared, a call waits for it: the step is running until the test sets it.
    """

    def __init__(self) -> None:
        self.calls: list[StepKey] = []
        self.script: dict[StepKey, list[str | type[Exception]]] = {}
        self.gate = threading.Event()
        self.gate.set()
        self._called = threading.Condition()

    def handle(self, case_id: bytes, step_id: str) -> str:
        key = (case_id, step_id)
        with self._called:
            self.calls.append(key)
            self._called.notify_all()
        assert self.gate.wait(WAIT_S)
        plan = self.script.get(key, ["approved"])
        what = plan.pop(0) if len(plan) > 1 else plan[0]
        if isinstance(what, str):
            return what
        raise what("made-up failure")

    def wait_calls(self, count: int) -> None:
        with self._called:
            assert self._called.wait_for(lambda: len(self.calls) >= count, WAIT_S)


class _Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock() -> _Clock:
    return _Clock()


@pytest.fixture
def handler() -> _Handler:
    return _Handler()


CHAIN_ID = "govchain-test"


def _runner(
    blocks: _Blocks, handler: _Handler, clock: _Clock, state_dir: Path | None = None, **kw: Any
) -> AdapterRunner:
    progress = Progress(state_dir, CHAIN_ID)
    return AdapterRunner(blocks, handler, LICENCE_DEPT, progress, clock=clock, **kw)


def _settle(runner: AdapterRunner) -> None:
    """Wait until the steps running now have returned (the next poll collects them)."""
    running = list(runner._running.values())
    _, not_done = futures.wait(running, timeout=WAIT_S)
    assert not not_done


def _poll_settled(runner: AdapterRunner) -> None:
    runner.poll()
    _settle(runner)


def test_a_step_ready_for_its_department_is_handled_another_departments_is_not_f_d5(
    handler: _Handler, clock: _Clock
) -> None:
    blocks = _Blocks(
        [ready(CASE_A, "licence"), ready(CASE_B, "seal", SEAL_DEPT)],
        [("workflow.step_ready", {"case": CASE_B.hex(), "step": "x", "department": LICENCE_DEPT})],
    )
    runner = _runner(blocks, handler, clock)
    _poll_settled(runner)
    runner.poll()
    assert handler.calls == [(CASE_A, "licence")]
    assert runner.handled == {"approved": 1}
    assert runner.progress.scanned == 2
    assert runner.idle()


def test_a_poll_reads_at_most_its_share_of_blocks_in_order_f_d5(
    handler: _Handler, clock: _Clock, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("govchain.adapter.runner.BLOCKS_PER_POLL", 2)
    blocks = _Blocks([], [ready(CASE_A, "licence")], [], [], [ready(CASE_B, "licence")])
    runner = _runner(blocks, handler, clock)
    runner.poll()
    assert blocks.read == [1, 2]
    _settle(runner)
    runner.poll()
    runner.poll()
    _settle(runner)
    assert blocks.read == [1, 2, 3, 4, 5]
    assert handler.calls == [(CASE_A, "licence"), (CASE_B, "licence")]


def test_a_failing_step_is_tried_again_only_after_a_doubling_backoff_capped_at_60_s_f_d5(
    handler: _Handler, clock: _Clock
) -> None:
    key = (CASE_A, "licence")
    handler.script[key] = [DepartmentUnavailableError] * 8 + ["approved"]
    runner = _runner(_Blocks([ready(*key)]), handler, clock)
    _poll_settled(runner)
    for tries, delay in enumerate([2, 4, 8, 16, 32, 60, 60], start=1):
        failed_at = clock.now
        runner.poll()  # collects the failure: the next try is due at failed_at + delay
        assert len(handler.calls) == tries
        clock.now = failed_at + delay - 0.001
        runner.poll()
        assert len(handler.calls) == tries, f"tried again before {delay} s"
        clock.now = failed_at + delay
        runner.poll()
        handler.wait_calls(tries + 1)
        _settle(runner)
    runner.poll()  # collects the eighth failure
    clock.now += 60
    _poll_settled(runner)
    runner.poll()
    assert runner.handled == {"approved": 1}
    assert runner.idle()


def test_a_bug_in_one_step_is_retried_and_does_not_stop_the_others_f_d5(
    handler: _Handler, clock: _Clock
) -> None:
    handler.script[(CASE_A, "licence")] = [RuntimeError, "approved"]
    runner = _runner(_Blocks([ready(CASE_A, "licence"), ready(CASE_B, "licence")]), handler, clock)
    _poll_settled(runner)
    runner.poll()
    assert runner.handled == {"approved": 1}
    assert runner.progress.pending == {(CASE_A, "licence")}
    clock.now += 2
    _poll_settled(runner)
    runner.poll()
    assert runner.handled == {"approved": 2}
    assert runner.idle()


def test_a_step_not_ready_on_the_node_read_is_tried_again_later_f_d5(
    handler: _Handler, clock: _Clock
) -> None:
    key = (CASE_A, "licence")
    handler.script[key] = ["not ready", "approved"]
    runner = _runner(_Blocks([ready(*key)]), handler, clock)
    _poll_settled(runner)
    runner.poll()
    assert runner.handled == {"not ready": 1}
    assert runner.progress.pending == {key}
    assert len(handler.calls) == 1
    clock.now += 2
    _poll_settled(runner)
    runner.poll()
    assert runner.handled == {"not ready": 1, "approved": 1}
    assert runner.idle()


@pytest.mark.parametrize("outcome", ["gone", "approved", "rejected", "returned", "already"])
def test_a_step_handled_or_gone_is_dropped_f_d5(
    handler: _Handler, clock: _Clock, outcome: str
) -> None:
    handler.script[(CASE_A, "licence")] = [outcome]
    runner = _runner(_Blocks([ready(CASE_A, "licence")]), handler, clock)
    _poll_settled(runner)
    runner.poll()
    assert runner.idle()
    clock.now += 3600
    runner.poll()
    assert handler.calls == [(CASE_A, "licence")]
    assert runner.handled == {outcome: 1}


def test_step_done_drops_a_pending_step_waiting_for_its_retry_f_d5(
    handler: _Handler, clock: _Clock
) -> None:
    handler.script[(CASE_A, "licence")] = [DepartmentUnavailableError]
    blocks = _Blocks([ready(CASE_A, "licence"), ready(CASE_A, "seal")])
    runner = _runner(blocks, handler, clock)
    _poll_settled(runner)
    runner.poll()
    assert runner.progress.pending == {(CASE_A, "licence")}
    blocks.add(done(CASE_A, "licence"))  # staff completed it meanwhile
    runner.poll()
    assert runner.idle()
    clock.now += 3600
    runner.poll()
    assert handler.calls == [(CASE_A, "licence"), (CASE_A, "seal")]


def test_case_closed_drops_the_pending_steps_of_that_case_only_f_d5(
    handler: _Handler, clock: _Clock
) -> None:
    for key in [(CASE_A, "seal"), (CASE_A, "tax"), (CASE_B, "seal")]:
        handler.script[key] = [DepartmentUnavailableError, "approved"]
    blocks = _Blocks([ready(CASE_A, "seal"), ready(CASE_A, "tax"), ready(CASE_B, "seal")])
    runner = _runner(blocks, handler, clock)
    _poll_settled(runner)
    runner.poll()
    assert len(runner.progress.pending) == 3
    blocks.add(closed(CASE_A, "rejected"))
    runner.poll()
    assert runner.progress.pending == {(CASE_B, "seal")}
    clock.now += 2
    _poll_settled(runner)
    runner.poll()
    assert handler.calls[3:] == [(CASE_B, "seal")]
    assert runner.idle()


def test_step_done_while_the_step_runs_leaves_the_decision_to_the_handler_f_d5(
    handler: _Handler, clock: _Clock
) -> None:
    key = (CASE_A, "licence")
    handler.script[key] = [DepartmentUnavailableError, "gone"]
    handler.gate.clear()
    blocks = _Blocks([ready(*key)])
    runner = _runner(blocks, handler, clock)
    runner.poll()
    handler.wait_calls(1)
    blocks.add(done(*key))
    runner.poll()
    assert runner.progress.pending == {key}  # running: not forgotten under it
    handler.gate.set()
    _settle(runner)
    runner.poll()  # the attempt failed: tried again, and the handler finds it done
    clock.now += 2
    _poll_settled(runner)
    runner.poll()
    assert runner.handled == {"gone": 1}
    assert runner.idle()


@pytest.mark.parametrize(
    "between",
    [
        pytest.param([[ready(CASE_A, "licence")]], id="ready-again"),
        pytest.param(
            [[done(CASE_A, "licence", "returned")], [ready(CASE_A, "licence")]],
            id="returned-then-ready",
        ),
        pytest.param(
            [[done(CASE_A, "licence", "returned"), ready(CASE_A, "licence")]],
            id="both-in-one-block",
        ),
    ],
)
def test_a_step_made_ready_again_while_it_runs_is_handled_again_at_once_f_d5(
    handler: _Handler, clock: _Clock, between: list[list[Event]]
) -> None:
    key = (CASE_A, "licence")
    handler.script[key] = ["returned", "approved"]
    handler.gate.clear()
    blocks = _Blocks([ready(*key)])
    runner = _runner(blocks, handler, clock)
    runner.poll()
    handler.wait_calls(1)
    for events in between:  # the applicant resubmits while the first attempt runs
        blocks.add(*events)
        runner.poll()
    handler.gate.set()
    _settle(runner)
    runner.poll()  # collects "returned", and starts the new attempt without a backoff
    handler.wait_calls(2)
    _settle(runner)
    runner.poll()
    assert runner.handled == {"returned": 1, "approved": 1}
    assert runner.idle()


def test_progress_is_saved_after_each_poll_and_a_new_runner_resumes_from_it_f_d5(
    handler: _Handler, clock: _Clock, tmp_path: Path
) -> None:
    for key in [(CASE_A, "licence"), (CASE_B, "licence")]:
        handler.script[key] = [DepartmentUnavailableError]
    blocks = _Blocks([ready(CASE_A, "licence")], [], [ready(CASE_B, "licence")])
    runner = _runner(blocks, handler, clock, tmp_path)
    _poll_settled(runner)
    runner.poll()
    saved = json.loads((tmp_path / PROGRESS_FILE).read_text(encoding="utf-8"))
    assert saved == {
        "chain_id": CHAIN_ID,
        "scanned": 3,
        "pending": sorted([[CASE_A.hex(), "licence"], [CASE_B.hex(), "licence"]]),
    }
    runner._pool.shutdown(wait=True)  # the first adapter stops

    blocks.add(ready(CASE_A, "seal", SEAL_DEPT), ready(CASE_A, "tax"))
    blocks.read.clear()
    later = _Handler()
    resumed = _runner(blocks, later, clock, tmp_path)
    assert resumed.progress.scanned == 3
    _poll_settled(resumed)
    resumed.poll()
    assert blocks.read == [4]
    assert sorted(later.calls) == sorted(
        [(CASE_A, "licence"), (CASE_B, "licence"), (CASE_A, "tax")]
    )
    assert resumed.idle()
    saved = json.loads((tmp_path / PROGRESS_FILE).read_text(encoding="utf-8"))
    assert saved == {"chain_id": CHAIN_ID, "scanned": 4, "pending": []}


def test_progress_without_a_state_dir_writes_nothing_f_d5(
    handler: _Handler, clock: _Clock, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    runner = _runner(_Blocks([ready(CASE_A, "licence")]), handler, clock)
    _poll_settled(runner)
    runner.poll()
    assert runner.progress.path is None
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(
    "text",
    [
        b"{not json",
        b"\xff\xfe",
        b"[]",
        b'{"pending": []}',
        b'{"scanned": "7", "pending": []}',
        b'{"scanned": true, "pending": []}',
        b'{"scanned": -1, "pending": []}',
        b'{"scanned": 7, "pending": [["zz", "licence"]]}',
        b'{"scanned": 7, "pending": [["a1", 3]]}',
        b'{"scanned": 7, "pending": [["a1"]]}',
        b'{"scanned": 7, "pending": 5}',
        b'{"scanned": 7, "pending": [[5, "licence"]]}',
        b'{"scanned": 7, "pending": [["a1", ""]]}',
    ],
)
def test_a_damaged_progress_file_is_refused_naming_it_f_d5(tmp_path: Path, text: bytes) -> None:
    path = tmp_path / PROGRESS_FILE
    path.write_bytes(text)
    with pytest.raises(ValidationError) as refused:
        Progress(tmp_path, CHAIN_ID)
    assert str(path) in str(refused.value)
    assert "not an adapter progress file" in str(refused.value)
    assert path.read_bytes() == text  # left as it was, for the operator to look at


def test_run_stops_when_told_and_waits_for_the_running_step_f_d5(
    handler: _Handler, clock: _Clock, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    waiter = BlockWaiter(0.01)
    handler.gate.clear()
    blocks = _Blocks([ready(CASE_A, "licence")])
    blocks.down = 2  # the node does not answer at first: the loop goes on
    runner = _runner(blocks, handler, clock, tmp_path)
    shutdown = runner._pool.shutdown

    def shutdown_releasing(*args: Any, **kw: Any) -> None:
        handler.gate.set()  # the running step ends only once the runner is stopping
        shutdown(*args, **kw)

    monkeypatch.setattr(runner._pool, "shutdown", shutdown_releasing)
    loop = threading.Thread(target=runner.run, args=(waiter,))
    loop.start()
    handler.wait_calls(1)
    waiter.stop()
    loop.join(WAIT_S)
    assert not loop.is_alive()
    assert runner.handled == {"approved": 1}  # its result was collected before run returned
    saved = json.loads((tmp_path / PROGRESS_FILE).read_text(encoding="utf-8"))
    assert saved == {"chain_id": CHAIN_ID, "scanned": 1, "pending": []}


def test_the_progress_of_another_chain_is_refused_naming_it_f_d5(tmp_path: Path) -> None:
    Progress(tmp_path, "chain-a").save()
    with pytest.raises(ValidationError, match="the progress of chain 'chain-a', not 'chain-b'"):
        Progress(tmp_path, "chain-b")
