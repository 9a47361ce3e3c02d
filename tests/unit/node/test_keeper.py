"""``net up`` restarts a node that exits non-zero, bounded and backed off (issue 13 item 1)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from govchain.node import keeper as keeper_module
from govchain.node import launcher
from govchain.node.keeper import (
    RESTART_DELAYS_S,
    RESTARTS_MAX,
    STABLE_RUN_S,
    NetworkKeeper,
    RestartBudget,
    last_words,
)
from govchain.node.netinit import NetworkLayout, NodeLayout


def test_restart_delays_double_up_to_the_cap_then_give_up() -> None:
    budget = RestartBudget()
    delays = [budget.next_delay_s(ran_s=0.5) for _ in range(RESTARTS_MAX + 1)]
    assert delays[:6] == [1.0, 2.0, 4.0, 8.0, 16.0, 30.0]
    assert delays[6:RESTARTS_MAX] == [RESTART_DELAYS_S[-1]] * (RESTARTS_MAX - 6)
    assert delays[RESTARTS_MAX] is None


def test_a_stable_run_starts_a_fresh_count() -> None:
    budget = RestartBudget()
    for _ in range(RESTARTS_MAX - 1):
        budget.next_delay_s(ran_s=1.0)
    assert budget.next_delay_s(ran_s=STABLE_RUN_S) == RESTART_DELAYS_S[0]
    assert budget.failures == 1
    budget.next_delay_s(ran_s=STABLE_RUN_S - 0.1)
    assert budget.failures == 2


class _Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def _layout(tmp_path: Path, names: tuple[str, ...]) -> NetworkLayout:
    nodes = []
    for name in names:
        (tmp_path / name).mkdir()
        nodes.append(NodeLayout(name, "full", tmp_path / name, "127.0.0.1:1", "http://127.0.0.1:2"))
    return NetworkLayout(tmp_path, "c", "intl", tuple(nodes), tmp_path / "key.pem")


def _fake_start(scripts: dict[str, list[str]]) -> object:
    """launcher.start_node with stand-in processes: each node runs its next script."""

    def start(node: NodeLayout) -> subprocess.Popen[bytes]:
        code = scripts[node.name].pop(0)
        with (node.home / launcher.OUT_FILE).open("ab") as out:
            return subprocess.Popen([sys.executable, "-c", code], stdout=out)

    return start


def test_a_node_that_exits_non_zero_is_restarted_after_its_delay_and_one_that_exits_0_is_not(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    fails = "print('error: node a failed: disk full'); raise SystemExit(1)"
    sleeps = "import time; time.sleep(60)"
    scripts = {"a": [fails, sleeps], "b": ["raise SystemExit(0)"]}
    monkeypatch.setattr(keeper_module.launcher, "start_node", _fake_start(scripts))
    monkeypatch.setattr(keeper_module.launcher, "running_pid", lambda _home: None)
    said: list[str] = []
    clock = _Clock()
    keeper = NetworkKeeper(_layout(tmp_path, ("a", "b")), said.append, clock)
    assert keeper.start() == 2
    processes = {w.node.name: w.process for w in keeper._watched}
    for process in processes.values():
        assert process is not None
        process.wait(30)
    keeper.check()
    assert said[2:] == [
        "a exited with status 1: error: node a failed: disk full; "
        "restarting it in 1 s (restart 1 of at most 8 in a row)",
        "b stopped (status 0); not restarting it",
    ]
    keeper.check()  # the delay is not over: nothing happens
    assert len(said) == 4
    clock.now += 1.0
    keeper.check()
    assert said[4].startswith("started a (pid ")
    restarted = keeper._watched[0].process
    assert restarted is not None
    assert restarted.poll() is None
    restarted.kill()
    restarted.wait(30)
    keeper.check()
    assert (
        said[5] == "a was killed by SIGKILL; restarting it in 2 s (restart 2 of at most 8 in a row)"
    )


def test_a_node_out_of_restarts_is_left_stopped(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    scripts = {"a": ["raise SystemExit(3)"] * (RESTARTS_MAX + 1)}
    monkeypatch.setattr(keeper_module.launcher, "start_node", _fake_start(scripts))
    monkeypatch.setattr(keeper_module.launcher, "running_pid", lambda _home: None)
    said: list[str] = []
    clock = _Clock()
    keeper = NetworkKeeper(_layout(tmp_path, ("a",)), said.append, clock)
    keeper.start()
    for _ in range(RESTARTS_MAX + 1):
        process = keeper._watched[0].process
        assert process is not None
        process.wait(30)
        keeper.check()
        clock.now += 60.0 - 1  # long enough for any delay, too short for a stable run
        keeper.check()
    assert said[-1].startswith("a exited with status 3; it failed 8 times in a row")
    assert keeper._watched[0].done
    assert sum(line.startswith("started a") for line in said) == RESTARTS_MAX + 1


def test_last_words_are_the_last_error_line_of_this_run(tmp_path: Path) -> None:
    node = _layout(tmp_path, ("a",)).nodes[0]
    assert last_words(node) == ""
    earlier = "error: an earlier run\n"
    printed = "a (full): API ...\n" + "x" * 9000 + "\nerror: bad\nerror: worse\n\n"
    (node.home / launcher.OUT_FILE).write_text(earlier + printed)
    assert last_words(node, len(earlier)) == "error: worse"
    (node.home / launcher.OUT_FILE).write_text(earlier + "a (full): API ...\n")
    assert last_words(node, len(earlier)) == ""  # killed: it said nothing this time
