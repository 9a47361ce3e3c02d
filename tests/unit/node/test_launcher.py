"""Which process is whose: one node per home, identity by the exact home path (issue 13 item 4)."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from govchain.node import launcher
from govchain.node.home_lock import HomeInUseError, HomeLock, locked_pid
from govchain.node.netinit import NetworkLayout, init_network
from govchain.node.ports import free_base_port

SLEEPER = "import time; print('up', flush=True); time.sleep(120)"
"""A stand-in says it is up once it runs: until then its command line may still be the
parent's (between fork and exec), which would make the launcher rightly not know it."""


@pytest.fixture(scope="module")
def eleven(tmp_path_factory: pytest.TempPathFactory) -> NetworkLayout:
    """``node0`` .. ``node10``: ``node1`` is a prefix of ``node10``."""
    directory = tmp_path_factory.mktemp("eleven") / "net"
    return init_network(directory, validators=1, full_nodes=10, base_port=free_base_port(22))


@pytest.fixture
def stand_ins() -> Iterator[list[subprocess.Popen[bytes]]]:
    """Processes whose command lines look like a node's or net up's; killed afterwards."""
    started: list[subprocess.Popen[bytes]] = []
    yield started
    for process in started:
        process.kill()
        process.wait()
        if process.stdout is not None:
            process.stdout.close()


def _stand_in(started: list[subprocess.Popen[bytes]], *words: str, cwd: Path | None = None) -> int:
    process = subprocess.Popen(
        [sys.executable, "-c", SLEEPER, *words], cwd=cwd, stdout=subprocess.PIPE
    )
    started.append(process)
    assert process.stdout is not None
    assert process.stdout.readline() == b"up\n"
    return process.pid


def test_node1_is_not_node10(
    eleven: NetworkLayout, stand_ins: list[subprocess.Popen[bytes]]
) -> None:
    node1, node10 = eleven.nodes[1], eleven.nodes[10]
    assert str(node10.home).startswith(str(node1.home))
    pid = _stand_in(stand_ins, "node", "start", "--home", str(node10.home))
    (node10.home / launcher.PID_FILE).write_text(f"{pid}\n")
    (node1.home / launcher.PID_FILE).write_text(f"{pid}\n")  # a stale pid, reused by node10
    try:
        assert launcher.running_pid(node10.home) == pid
        assert launcher.running_pid(node1.home) is None
        states = {state.name: state for state in launcher.status(eleven)}
        assert states["node10"].pid == pid
        assert states["node1"].pid is None
        assert [name for name, state in states.items() if state.pid is not None] == ["node10"]
    finally:
        for node in (node1, node10):
            (node.home / launcher.PID_FILE).unlink()


def test_a_pid_reused_after_a_child_of_ours_exited_is_the_new_process(
    eleven: NetworkLayout,
    stand_ins: list[subprocess.Popen[bytes]],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A busy machine hands an exited child's pid to a new process: it is that process's."""
    exited = subprocess.Popen([sys.executable, "-c", "pass"])
    exited.wait()
    node1 = eleven.nodes[1]
    pid = _stand_in(stand_ins, "node", "start", "--home", str(node1.home))
    monkeypatch.setitem(launcher._children, pid, exited)  # as if it had had this pid
    assert launcher.is_process_of(pid, ("node", "start"), "--home", node1.home)


def test_a_relative_home_is_resolved_against_the_process_directory(
    eleven: NetworkLayout, stand_ins: list[subprocess.Popen[bytes]]
) -> None:
    node1 = eleven.nodes[1]
    pid = _stand_in(stand_ins, "node", "start", "--home", "node1", cwd=eleven.directory)
    assert launcher.is_process_of(pid, ("node", "start"), "--home", node1.home)
    assert not launcher.is_process_of(pid, ("node", "start"), "--home", eleven.nodes[10].home)
    assert not launcher.is_process_of(pid, ("net", "up"), "--home", node1.home)
    other = _stand_in(stand_ins, "node", "start", "--home", "node1", cwd=node1.home)
    assert not launcher.is_process_of(other, ("node", "start"), "--home", node1.home)


def test_the_keeper_is_found_by_its_lock_and_exact_directory(
    tmp_path: Path, stand_ins: list[subprocess.Popen[bytes]]
) -> None:
    directory, longer = tmp_path / "net", tmp_path / "net2"
    directory.mkdir()
    longer.mkdir()
    assert launcher.keeper_pid(directory) is None
    pid = _stand_in(stand_ins, "net", "up", "--dir", str(longer))
    (directory / launcher.KEEPER_LOCK).write_text(f"{pid}\n")
    assert launcher.keeper_pid(directory) is None  # that process keeps net2, not net
    pid = _stand_in(stand_ins, "net", "up", "--dir", str(directory))
    (directory / launcher.KEEPER_LOCK).write_text(f"{pid}\n")
    assert launcher.keeper_pid(directory) == pid


def test_a_home_lock_is_exclusive_and_names_its_holder(tmp_path: Path) -> None:
    path = tmp_path / "node.lock"
    lock = HomeLock.take(path, "node home X")
    assert locked_pid(path) == os.getpid()
    with pytest.raises(HomeInUseError) as refused:
        HomeLock.take(path, "node home X")  # another open file: flock refuses it
    assert refused.value.pid == os.getpid()
    assert str(refused.value) == f"node home X is in use by process {os.getpid()} (lock {path})"
    assert locked_pid(path) == os.getpid()  # the refused attempt left the holder's pid alone
    lock.release()
    lock.release()
    with HomeLock.take(path, "node home X"):
        pass
    assert locked_pid(path) is None
