"""``govchain bench profile``: where one validator's CPU goes, per committed tx, by stage.

A fresh local network (4 validators by default) runs as OS processes, as
``bench cluster`` starts it. Load clients offer pre-signed txs open loop at
one steady rate: notarizations, or another of ``bench cluster``'s mixes
(:mod:`govchain.bench.mix`; each service's handlers get their own stage).
While they do, py-spy samples one validator's threads (``--format raw
--native``: the compiled hot paths are C frames, seen only so) and the CPU
time of each of its threads is read from the kernel at the start and end of
the window. Each sample is put in one stage (:mod:`govchain.bench.stages`);
a stage's CPU is its share of the samples in each thread times the CPU that
thread really used (the kernel's count), and its cost per tx is that
divided by the txs the network committed in the window. Stages a block
costs once are also given per block.

The signature check of one tx (one core, measured at the start of the run)
sits beside the table: it is the part of a tx's cost the bound allows.
A run is marked noisy when processes other than the network, its load
clients and the sampler took more than ``NOISY_SHARE`` of the machine.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import psutil  # type: ignore[import-untyped]  # psutil 7.2.2 ships no type hints

from govchain.bench.cluster import measure_verify_per_s
from govchain.bench.loadclients import START_LEAD_S, ClientStep, LoadClients
from govchain.bench.mix import mix_source
from govchain.bench.network import (
    BenchError,
    local_network,
    node_pids,
    without_rate_limits,
)
from govchain.bench.procstats import NOISY_SHARE, machine, machine_busy_s
from govchain.bench.stages import StageCounts, count_stages

__all__ = [
    "NOISY_SHARE",
    "ProfileSettings",
    "disk_wait_table",
    "run_profile_bench",
    "stage_table",
]

WARMUP_TXS = 8
DRAIN_S = 20.0
PY_SPY = "py-spy"

Progress = Callable[[str], None]


@dataclass(frozen=True)
class ProfileSettings:
    """What ``bench profile`` runs."""

    rate_tps: float = 150.0
    seconds: float = 20.0
    validators: int = 4
    suite: str = "gm"
    clients: int = 2
    node: int = 0
    sample_hz: int = 100
    mix: str = "notary"
    directory: Path | None = None
    keep: bool = False
    samples_out: Path | None = None
    """Where to keep py-spy's raw samples (collapsed stacks, for a flame graph)."""


@dataclass(frozen=True)
class _Window:
    """What was measured while the sampler ran."""

    wall_s: float
    node_cpu_s: float
    thread_cpu_s: dict[int, float]
    others_cpu_s: float
    committed: int
    blocks: int
    stages: StageCounts
    sample_hz: int


def stage_table(window: _Window) -> list[dict[str, Any]]:
    """Rows of the stage table, largest first: CPU share, µs per committed tx, µs per block."""
    cpu = window.stages.cpu_by_stage(window.thread_cpu_s)
    total = sum(cpu.values())
    rows = []
    for stage, used_s in cpu.items():
        cpu_us = used_s * 1e6
        rows.append(
            {
                "stage": stage,
                "share_percent": round(100 * used_s / total, 1) if total else 0.0,
                "us_per_tx": round(cpu_us / window.committed, 1) if window.committed else None,
                "us_per_block": round(cpu_us / window.blocks)
                if window.blocks and window.stages.per_block(stage)
                else None,
            }
        )
    return rows


def disk_wait_table(window: _Window) -> list[dict[str, Any]]:
    """Wall time threads spent waiting on the disk, by stage: ms per block (sampled)."""
    return [
        {
            "stage": stage,
            "ms_per_block": round(1000 * samples / window.sample_hz / window.blocks, 2)
            if window.blocks
            else None,
        }
        for stage, samples in window.stages.disk_wait.most_common()
    ]


def _py_spy() -> str:
    found = shutil.which(PY_SPY, path=str(Path(sys.executable).parent)) or shutil.which(PY_SPY)
    if found is None:
        raise BenchError("py-spy is not installed: run `make install` (it is a dev dependency)")
    return found


class _Sampler:
    """py-spy on one process for a fixed time, started at a given monotonic time."""

    def __init__(self, pid: int, seconds: float, hz: int, out: Path) -> None:
        self._command = [
            _py_spy(), "record", "--pid", str(pid), "--rate", str(hz), "--format", "raw",
            "--output", str(out), "--duration", str(max(1, round(seconds))), "--threads",
            "--native",
        ]  # fmt: skip
        self._pid = pid
        self.out = out
        self.started = 0.0
        self.ended = 0.0
        self.node_cpu = (0.0, 0.0)
        self.thread_cpu: dict[int, float] = {}
        self.busy = (0.0, 0.0)
        self.error = ""
        self._thread: threading.Thread | None = None

    def start_at(self, at: float, ours: Callable[[], float]) -> None:
        self._thread = threading.Thread(target=self._run, args=(at, ours), daemon=True)
        self._thread.start()

    def join(self) -> None:
        assert self._thread is not None
        self._thread.join()
        if self.error:
            raise BenchError(self.error)

    def _run(self, at: float, ours: Callable[[], float]) -> None:
        time.sleep(max(0.0, at - time.monotonic()))
        node = psutil.Process(self._pid)
        before = (_cpu_s(node), machine_busy_s() - ours())
        threads = _thread_cpu_s(node)
        self.started = time.monotonic()
        done = subprocess.run(self._command, capture_output=True, text=True, check=False)
        self.ended = time.monotonic()
        self.node_cpu = (before[0], _cpu_s(node))
        self.thread_cpu = {
            tid: used - threads.get(tid, 0.0) for tid, used in _thread_cpu_s(node).items()
        }
        self.busy = (before[1], machine_busy_s() - ours())
        if done.returncode != 0 or not self.out.exists():
            tail = (done.stderr or done.stdout).strip().splitlines()[-3:]
            self.error = (
                "py-spy failed: "
                + " | ".join(tail)
                + (
                    " (it needs ptrace: run as root or set kernel.yama.ptrace_scope=0)"
                    if "ermission" in (done.stderr or "")
                    else ""
                )
            )


def _cpu_s(process: psutil.Process) -> float:
    times = process.cpu_times()
    return float(times.user + times.system)


def _thread_cpu_s(process: psutil.Process) -> dict[int, float]:
    """CPU seconds used so far by each thread of ``process``, by native thread id."""
    return {t.id: float(t.user_time + t.system_time) for t in process.threads()}


def _ours(pids: list[int]) -> Callable[[], float]:
    """CPU seconds used so far by this process, ``pids`` and their descendants, each once,
    and by this process's children that have exited (py-spy among them)."""
    me = psutil.Process()

    def used() -> float:
        live: dict[int, psutil.Process] = {me.pid: me}
        for root in [me, *(_process(pid) for pid in pids)]:
            if root is None:
                continue
            live.setdefault(root.pid, root)
            try:
                live.update((child.pid, child) for child in root.children(recursive=True))
            except psutil.Error:
                continue
        total = 0.0
        for process in live.values():
            try:
                total += _cpu_s(process)
            except psutil.Error:
                continue
        reaped = me.cpu_times()
        return total + float(reaped.children_user + reaped.children_system)

    return used


def _process(pid: int) -> psutil.Process | None:
    try:
        return psutil.Process(pid)
    except psutil.Error:
        return None


_DECISIONS = re.compile(r'^govchain_decisions_received\{outcome="received"\} (\S+)$', re.M)


def decisions_received(api_url: str) -> int | None:
    """How many decided blocks a node has received whole (its ``/metrics``); None if unread."""
    try:
        text = httpx.get(f"{api_url}/metrics", timeout=5.0).text
    except httpx.HTTPError:
        return None
    found = _DECISIONS.search(text)
    return None if found is None else int(float(found.group(1)))


def _decisions_during(before: dict[str, int | None], apis: dict[str, str]) -> dict[str, int]:
    """Decisions each validator received since ``before`` (those read both times)."""
    during: dict[str, int] = {}
    for name, url in apis.items():
        start, end = before.get(name), decisions_received(url)
        if start is not None and end is not None:
            during[name] = end - start
    return during


def _window(sampler: _Sampler, step: ClientStep, settings_hz: int) -> _Window:
    lo, hi = sampler.started - step.start_at, sampler.ended - step.start_at
    seen = [b for b in step.blocks if lo <= b.seen_s <= hi]
    with sampler.out.open(encoding="utf-8", errors="replace") as lines:
        stages = count_stages(lines)
    return _Window(
        wall_s=sampler.ended - sampler.started,
        node_cpu_s=sampler.node_cpu[1] - sampler.node_cpu[0],
        thread_cpu_s=sampler.thread_cpu,
        others_cpu_s=max(0.0, sampler.busy[1] - sampler.busy[0]),
        committed=sum(b.txs for b in seen),
        blocks=len(seen),
        stages=stages,
        sample_hz=settings_hz,
    )


def run_profile_bench(
    settings: ProfileSettings, progress: Progress | None = None
) -> dict[str, Any]:
    """Run the profile; returns the JSON-ready table and figures."""
    report = progress or (lambda _stage: None)
    host = machine()
    _py_spy()
    report(f"measuring {settings.suite} signature checks on one core")
    verify_rate = measure_verify_per_s(settings.suite)
    report(f"starting {settings.validators} validators")
    with local_network(
        settings.directory,
        settings.keep,
        validators=settings.validators,
        suite=settings.suite,
        before_start=without_rate_limits,
    ) as (layout, processes):
        pids = node_pids(processes)
        name = f"node{settings.node}"
        if name not in pids:
            raise BenchError(f"--node {settings.node}: the network has nodes 0 to {len(pids) - 1}")
        named = {n.name: n.api_url for n in layout.nodes if n.role == "validator"}
        apis = list(named.values())
        work = Path(tempfile.mkdtemp(prefix="govchain-profile-"))
        try:
            with LoadClients(apis, apis, settings.clients, layout.directory / "bench") as clients:
                source = mix_source(settings.mix, layout, report)
                report("warming up: waiting for the first commits")
                warm = clients.run_step(1, source.make(WARMUP_TXS), 4.0, 60.0)
                if warm.committed == 0:
                    raise BenchError(
                        "the network committed no warm-up tx; see each node's node.out"
                    )
                report(f"signing {round(settings.rate_tps * settings.seconds):,} txs")
                txs = source.make(max(1, round(settings.rate_tps * settings.seconds)))
                sampler = _Sampler(pids[name], settings.seconds, settings.sample_hz, work / "raw")
                sampler.start_at(
                    time.monotonic() + START_LEAD_S, _ours([*pids.values(), *clients.pids])
                )
                report(f"offering {settings.rate_tps:,.0f} tx/s; sampling {name}")
                before = {node: decisions_received(url) for node, url in named.items()}
                step = clients.run_step(2, txs, settings.rate_tps, DRAIN_S)
                sampler.join()
                decisions = _decisions_during(before, named)
                window = _window(sampler, step, settings.sample_hz)
                if settings.samples_out is not None:
                    shutil.copyfile(sampler.out, settings.samples_out)
        finally:
            shutil.rmtree(work, ignore_errors=True)
    return {**_result(settings, host, verify_rate, window, step), "decisions_received": decisions}


def _result(
    settings: ProfileSettings,
    host: dict[str, Any],
    verify_rate: float,
    window: _Window,
    step: ClientStep,
) -> dict[str, Any]:
    others = window.others_cpu_s / (window.wall_s * host["cores"]) if window.wall_s else 0.0
    per_tx = window.node_cpu_s * 1e6 / window.committed if window.committed else None
    signature_us = 1e6 / verify_rate if verify_rate else None
    return {
        "validators": settings.validators,
        "suite": settings.suite,
        "mix": settings.mix,
        "node": f"node{settings.node}",
        "offered_tps": settings.rate_tps,
        "committed_tps": round(window.committed / window.wall_s, 1) if window.wall_s else 0.0,
        "refused": sum(step.refused.values()),
        "refused_codes": dict(sorted(step.refused.items())),
        "errors": sum(step.errors.values()),
        "window_s": round(window.wall_s, 1),
        "committed": window.committed,
        "blocks": window.blocks,
        "txs_per_block": round(window.committed / window.blocks, 1) if window.blocks else None,
        "node_cpu_percent": round(100 * window.node_cpu_s / window.wall_s, 1)
        if window.wall_s
        else 0.0,
        "node_cpu_us_per_tx": round(per_tx, 1) if per_tx is not None else None,
        "signature_us": round(signature_us, 1) if signature_us is not None else None,
        "cpu_per_tx_in_signatures": round(per_tx / signature_us, 2)
        if per_tx is not None and signature_us
        else None,
        "samples": window.stages.busy,
        "idle_samples_dropped": window.stages.idle,
        "others_cpu_share": round(others, 3),
        "noisy": others > NOISY_SHARE,
        "cores": host["cores"],
        "machine": host,
        "verify_per_s_per_core": round(verify_rate, 1),
        "stages": stage_table(window),
        "disk_waits": disk_wait_table(window),
    }
