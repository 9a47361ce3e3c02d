"""``govchain net up | status | down``: node processes of a laid-out network, one per node.

Each node runs as ``python -m govchain node start --home H`` in its own
session, with its output in ``H/node.out`` and its pid in ``H/node.pid``
(written by the node); each storage node likewise as ``python -m govchain
storage serve --home H``. A process is taken for the node of ``H`` only if
its command line is ``... node start --home H`` (``... storage serve --home
H``) with exactly that home (resolved against the process's working
directory): ``node1`` is never ``node10``.

``up`` starts the nodes that are not running, so running it again after a
crash restarts the missing ones; ``down`` asks every node to stop (SIGTERM)
and kills those that do not within a grace period. ``govchain net up`` keeps
its nodes running (``node.keeper``) and holds ``D/net.lock`` meanwhile;
``down`` stops that keeper first, so that it restarts nothing.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

from govchain.client.endpoints import client_tls_context
from govchain.node.app_processes import AppProcess, app_processes
from govchain.node.home_lock import locked_pid
from govchain.node.netinit import NetworkLayout, NodeLayout
from govchain.node.storage_layout import StorageNodeLayout
from govchain.node.validator_status import ValidatorSets, shown_sets

PID_FILE = "node.pid"
OUT_FILE = "node.out"
LOCK_FILE = "node.lock"
"""Held (``flock``) by the node process of a home while it runs: one node per home."""
KEEPER_LOCK = "net.lock"
"""Held by the ``govchain net up`` process that keeps a network's nodes running; has its pid."""
STOP_GRACE_S = 15.0
READY_TIMEOUT_S = 60.0

_children: dict[int, subprocess.Popen[bytes]] = {}
"""Processes this process started: kept so that they are reaped, never left as zombies."""

NODE_COMMAND = ("node", "start")
STORAGE_COMMAND = ("storage", "serve")
AnyNode = NodeLayout | StorageNodeLayout | AppProcess
"""A process ``net up`` runs: a chain node, a storage node or an off-chain app
(indexer, monitor, console: ``govchain.node.app_processes``)."""


def argv_of(node: AnyNode) -> list[str]:
    """The command line that runs ``node``."""
    if isinstance(node, AppProcess):
        return node.argv()
    command = STORAGE_COMMAND if isinstance(node, StorageNodeLayout) else NODE_COMMAND
    return [sys.executable, "-m", "govchain", *command, "--home", str(node.home)]


def pid_of(node: AnyNode) -> int | None:
    """The pid of ``node``'s running process (:func:`running_pid` with its command)."""
    if isinstance(node, AppProcess):
        _reap()
        pid = _pid_in(node.home)
        if pid is not None and pid in _children:
            return pid  # started here and not ended (its command line may not show yet)
        alive = pid is not None and is_process_of(
            pid, node.command, node.owner_option, node.owner_path
        )
        return pid if alive else None
    if isinstance(node, StorageNodeLayout):
        return running_pid(node.home, STORAGE_COMMAND)
    return running_pid(node.home)


def every_process(layout: NetworkLayout) -> tuple[AnyNode, ...]:
    """The chain nodes, then the storage nodes: what ``net up`` starts and ``net down`` stops
    (``net down`` stops the network's apps as well: :func:`down`)."""
    return (*layout.nodes, *layout.storage_nodes)


@dataclass(frozen=True)
class StorageNodeState:
    """One storage node as ``net status`` reports it."""

    name: str
    pid: int | None
    url: str
    ready: bool

    def to_json(self) -> dict[str, Any]:
        """The JSON form ``net status --json`` prints."""
        return {"name": self.name, "pid": self.pid, "url": self.url, "ready": self.ready}


@dataclass(frozen=True)
class NodeState:
    """One node as ``net status`` reports it."""

    name: str
    role: str
    pid: int | None
    api_url: str
    height: int | None
    state_root: str | None
    peers: int | None
    block_time: int | None = None
    """BFT time of the node's latest block, ms since the Unix epoch."""
    validator_sets: ValidatorSets | None = None
    """The sets that vote at ``height + 1`` and ``height + 2``, as the node answers them."""

    def to_json(self) -> dict[str, Any]:
        """The JSON form ``net status --json`` prints."""
        return {
            "name": self.name,
            "role": self.role,
            "pid": self.pid,
            "api_url": self.api_url,
            "height": self.height,
            "block_time": self.block_time,
            "state_root": self.state_root,
            "peers": self.peers,
        }


def _reap() -> None:
    """Collect the exit status of every child that has ended (no zombies, no warnings)."""
    for pid, child in list(_children.items()):
        if child.poll() is not None:
            del _children[pid]


def running_pid(home: Path, command: tuple[str, str] = NODE_COMMAND) -> int | None:
    """The pid of the process of ``home`` (running ``command``), if it is alive and really that."""
    _reap()
    pid = _pid_in(home)
    return pid if pid is not None and is_process_of(pid, command, "--home", home) else None


def _pid_in(home: Path) -> int | None:
    try:
        return int((home / PID_FILE).read_text().strip())
    except (OSError, ValueError):
        return None


def keeper_pid(directory: Path) -> int | None:
    """The pid of the ``govchain net up`` process keeping the network of ``directory`` up."""
    _reap()
    pid = locked_pid(directory / KEEPER_LOCK)
    if pid is None:
        return None
    return pid if is_process_of(pid, ("net", "up"), "--dir", directory) else None


def is_process_of(pid: int, command: tuple[str, ...], option: str, path: Path) -> bool:
    """Whether ``pid`` is alive and runs ``... COMMAND ... OPTION PATH`` for exactly ``path``.

    The path on the command line is resolved against the process's working
    directory, so a relative ``--home`` matches; a path that merely starts
    with ``path`` (``node10`` for ``node1``) does not.
    """
    if not _alive(pid):
        return False
    try:
        argv = [a.decode() for a in Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")]
        cwd = Path(os.readlink(f"/proc/{pid}/cwd"))
    except (OSError, UnicodeDecodeError):
        return False
    words = iter(argv)
    if not all(word in words for word in command):  # in this order
        return False
    try:
        given = argv[argv.index(option, 1) + 1]
    except (ValueError, IndexError):
        return False
    return os.path.realpath(cwd / given) == os.path.realpath(path)


def start_node(node: AnyNode) -> subprocess.Popen[bytes]:
    """Start one node (storage node, app) process in its own session (Ctrl-C in a terminal
    reaches only ``up``). An app's pid file is written here (a node writes its own)."""
    out = (node.home / OUT_FILE).open("ab")
    try:
        process = subprocess.Popen(
            argv_of(node),
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    finally:
        out.close()
    _children[process.pid] = process
    if isinstance(node, AppProcess):
        (node.home / PID_FILE).write_text(f"{process.pid}\n")
    return process


def up(layout: NetworkLayout, on_started: Callable[[str, int], None] | None = None) -> list[int]:
    """Start every node and storage node that is not running; return the pids started."""
    started = []
    for node in every_process(layout):
        if pid_of(node) is not None:
            continue
        process = start_node(node)
        started.append(process.pid)
        if on_started is not None:
            on_started(node.name, process.pid)
    return started


def wait_ready(
    layout: NetworkLayout,
    timeout_s: float = READY_TIMEOUT_S,
    stop_requested: Callable[[], bool] = lambda: False,
) -> list[str]:
    """Wait until every node's API answers (or a stop is requested); return the late names."""
    deadline = time.monotonic() + timeout_s
    waiting = list(every_process(layout))
    while waiting and time.monotonic() < deadline and not stop_requested():
        waiting = [n for n in waiting if not answers(n, layout.ca_bundle)]
        if waiting:
            time.sleep(0.3)
    return [n.name for n in waiting]


def status(layout: NetworkLayout) -> list[NodeState]:
    """Each node's pid and, when its API answers, its height, state root and peers."""
    states = []
    for node in layout.nodes:
        pid = running_pid(node.home)
        answer = api_status(node.api_url, 2.0, layout.ca_bundle) if pid is not None else None
        states.append(
            NodeState(
                node.name,
                node.role,
                pid,
                node.api_url,
                None if answer is None else int(answer["height"]),
                None if answer is None else str(answer.get("state_root", "")),
                None if answer is None else len(answer.get("peers", [])),
                None if answer is None else _int_or_none(answer.get("block_time")),
                None if answer is None else shown_sets(answer),
            )
        )
    return states


def answers(node: AnyNode, ca_bundle: Path | None) -> bool:
    """Whether the node's API (``/v1/status``) or the storage node's (``/v1/health``) answers;
    an app: whether its page answers (the console) or its file is there (indexer, monitor)."""
    if isinstance(node, AppProcess):
        return app_ready(node)
    if isinstance(node, StorageNodeLayout):
        return storage_ready(node.url, 1.0)
    return api_status(node.api_url, 1.0, ca_bundle) is not None


def app_ready(app: AppProcess) -> bool:
    """Whether ``app`` runs and answers: its URL with 200, or its file written."""
    if pid_of(app) is None:
        return False
    if app.url:
        try:
            return httpx.get(f"{app.url}/", timeout=2.0).status_code == 200
        except httpx.HTTPError:
            return False
    return app.ready_file is None or app.ready_file.is_file()


def storage_status(layout: NetworkLayout) -> list[StorageNodeState]:
    """Each storage node's pid and whether its API answers."""
    states = []
    for node in layout.storage_nodes:
        pid = running_pid(node.home, STORAGE_COMMAND)
        ready = pid is not None and storage_ready(node.url, 2.0)
        states.append(StorageNodeState(node.name, pid, node.url, ready))
    return states


def storage_ready(url: str, timeout_s: float) -> bool:
    """Whether the storage node at ``url`` answers ``GET /v1/health`` with status ok."""
    try:
        answer = httpx.get(f"{url}/v1/health", timeout=timeout_s)
        body = answer.json() if answer.status_code == 200 else None
    except (httpx.HTTPError, ValueError):
        return False
    return isinstance(body, dict) and body.get("status") == "ok"


def down(layout: NetworkLayout, grace_s: float = STOP_GRACE_S) -> dict[str, str]:
    """Stop the network's keeper, then its apps, every node and storage node: SIGTERM,
    SIGKILL after ``grace_s``.

    Returns node name -> what happened. The keeper (``net up``) is told first,
    so that it restarts nothing; it stops the nodes too, which is harmless.
    """
    keeper = keeper_pid(layout.directory)
    if keeper == os.getpid():
        keeper = None  # the keeper itself is stopping its nodes
    every: tuple[AnyNode, ...] = (*app_processes(layout), *every_process(layout))
    pids = {n.name: pid_of(n) or _child_of(n.home) for n in every}
    if keeper is not None:
        _signal(keeper, signal.SIGTERM)
    outcome = {name: "not running" for name, pid in pids.items() if pid is None}
    for pid in pids.values():
        if pid is not None:
            _signal(pid, signal.SIGTERM)
    deadline = time.monotonic() + grace_s
    alive = {name: pid for name, pid in pids.items() if pid is not None}
    while alive and time.monotonic() < deadline:
        for name, pid in list(alive.items()):
            if not _alive(pid):
                outcome[name] = "stopped"
                del alive[name]
        time.sleep(0.1)
    for name, pid in alive.items():
        _signal(pid, signal.SIGKILL)
        outcome[name] = "killed"
    while keeper is not None and _alive(keeper) and time.monotonic() < deadline + grace_s:
        time.sleep(0.1)  # the keeper ends once its nodes have; it waits at most as long
    for child in list(_children.values()):
        with contextlib.suppress(subprocess.TimeoutExpired):
            child.wait(timeout=5)
    _reap()
    return outcome


def _child_of(home: Path) -> int | None:
    """A node process this process started for ``home`` that has not written its pid yet."""
    for pid, child in _children.items():
        if child.poll() is None and str(home) in child.args:  # type: ignore[operator]
            return pid
    return None


def _int_or_none(value: object) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def api_status(url: str, timeout_s: float, ca_bundle: Path | None = None) -> dict[str, Any] | None:
    """A node's ``GET /v1/status`` answer, or None if it does not answer in time.

    An ``https://`` node must present a certificate from a CA of ``ca_bundle``
    (the network's ``ca-bundle.pem``; None: the system's CAs), or it counts
    as not answering. A bundle that cannot be read is a CaBundleError.
    """
    verify = True if ca_bundle is None else client_tls_context(ca_bundle)
    try:
        answer = httpx.get(f"{url}/v1/status", timeout=timeout_s, verify=verify)
    except httpx.HTTPError:
        return None
    if answer.status_code != 200:
        return None
    try:
        body = answer.json()
    except ValueError:  # something else answers on that port
        return None
    return body if isinstance(body, dict) and isinstance(body.get("height"), int) else None


def _alive(pid: int) -> bool:
    child = _children.get(pid)
    if child is not None:
        if child.poll() is None:
            return True
        del _children[pid]  # reaped: its pid may already be another process's, asked below
    try:
        os.kill(pid, 0)
    except (ProcessLookupError, PermissionError):  # gone, or another user's: not ours
        return False
    try:
        state = Path(f"/proc/{pid}/stat").read_text().split(") ")[-1]
    except OSError:
        return False
    return not state.startswith("Z")  # a zombie has exited


def _signal(pid: int, sig: signal.Signals) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, sig)
