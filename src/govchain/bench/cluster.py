"""``govchain bench cluster``: the highest rate a local network of processes sustains.

A fresh network runs as one OS process per validator. Load clients, separate
processes (:mod:`govchain.bench.loadgen`), offer pre-signed notary anchorings
open loop, in steps of rising rate: 25 tx/s, then 1.5 times more each step. A
step is *sustained* when the network commits at least 90% of the offered
rate, the backlog of accepted but uncommitted txs does not keep growing,
almost nothing is refused or left unsent, and every accepted tx is committed
shortly after the step. After the first step that is not sustained, two
more steps offer rates between it and the last sustained one, so the figure
is not up to a third below the network's ceiling; the ramp also stops when
``duration_s`` is spent. One more step at half the highest sustained rate
gives the latency figures, from submit until the client sees the tx in a
block.

``mix`` (:mod:`govchain.bench.mix`) chooses what the load is: notary
anchorings (the baseline), e-licences, cases, contract calls, or all of
them in a stated ratio; the network is set up for it before anything is
timed, and every figure below is the mix's. Each step also counts its
scheduled and committed txs by kind, and after the run a sample of each
kind's receipts is read (they must show status 0).

The bound: every validator checks every tx signature once, so V validators
sharing C cores commit at most (verifications/s on one core) x C / V txs/s.
``bound_ratio`` says how close the network comes to it. Targets are reported
with whether they were met; nothing here fails on a figure.
"""

from __future__ import annotations

import dataclasses
import math
import os
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from govchain.bench.cluster_steps import (
    StepFigures,
    backlog_growth_tps,
    committed_tps,
    is_noisy,
    judge_step,
    others_cpu_share,
    percentile,
)
from govchain.bench.loadclients import ClientStep, LoadClients
from govchain.bench.mix import (
    MIX_NAMES,
    MixSource,
    check_receipts,
    kind_counts,
    kind_figures,
    mix_source,
)
from govchain.bench.network import (
    BenchError,
    local_network,
    node_pids,
    without_rate_limits,
)
from govchain.bench.procstats import MACHINE, ProcessStats, machine, usable_cores
from govchain.bench.report import write_cluster_report
from govchain.crypto import suite_for
from govchain.node.netinit import NetworkLayout

__all__ = [
    "TARGETS",
    "ClusterSettings",
    "StepFigures",
    "backlog_growth_tps",
    "committed_tps",
    "judge_step",
    "measure_verify_per_s",
    "percentile",
    "run_cluster_bench",
    "verify_bound_tps",
]

TARGETS: dict[str, float] = {"bound_ratio": 0.6, "latency_ms_p99": 1000}
START_TPS = 25.0
RAMP_FACTOR = 1.5
MAX_TPS = 50_000.0
REFINE_STEPS = 2
"""Steps between the highest sustained rate and the first one not sustained."""
RAMP_SHARE = 0.8
"""Part of ``duration_s`` for the ramp; the rest is the half-load step."""
WARMUP_TIMEOUT_S = 60.0
SETTLE_TIMEOUT_S = 60.0

LOAD_CLIENT = "loadgen"
"""Load client processes are watched as loadgen0, loadgen1, ..."""

Progress = Callable[[str], None]


@dataclass(frozen=True)
class ClusterSettings:
    """What ``govchain bench cluster`` was asked for."""

    validators: int = 4
    suite: str = "gm"
    duration_s: float = 60.0
    clients: int = 2
    directory: Path | None = None
    """Where to lay out the network; None: a temporary directory, removed afterwards."""
    keep: bool = False
    """Keep the temporary network directory."""
    results_dir: Path = Path("bench-results")
    mix: str = "notary"
    """The application mix offered (a name of ``govchain.bench.mix.MIXES``)."""

    @property
    def step_s(self) -> float:
        """Length of one ramp step."""
        return min(10.0, max(2.0, self.duration_s / 10))

    @property
    def drain_s(self) -> float:
        """How long after a step its txs may still commit and count."""
        return max(2.0, self.step_s)

    @property
    def measure_s(self) -> float:
        """Length of the half-load step."""
        return max(self.step_s, self.duration_s * (1 - RAMP_SHARE))


# --- figures of one step (pure) -------------------------------------------------------


def verify_bound_tps(verify_per_s_per_core: float, cores: int, validators: int) -> float:
    """Txs/s the machine could commit if checking signatures were all the work."""
    assert cores >= 1, "at least one core"
    assert validators >= 1, "at least one validator"
    return verify_per_s_per_core * cores / validators


def measure_verify_per_s(suite_name: str, seconds: float = 1.0) -> float:
    """Signature checks per second of the suite on one core (one thread)."""
    suite = suite_for(suite_name)
    key = suite.generate_key()
    message = os.urandom(160)  # about a notary tx's signed bytes
    signature = key.sign(message)
    done, start = 0, time.perf_counter()
    while (elapsed := time.perf_counter() - start) < seconds:
        for _ in range(16):
            assert suite.verify(key.public_key, message, signature), "a fresh signature checks"
        done += 16
    return done / elapsed


# --- the run --------------------------------------------------------------------------


@dataclass
class _Run:
    """The live parts of one benchmark run."""

    settings: ClusterSettings
    clients: LoadClients
    source: MixSource
    stats: ProcessStats
    node_names: list[str]
    steps: list[StepFigures] = dataclasses.field(default_factory=list)
    count: int = 0
    committed: dict[str, list[bytes]] = dataclasses.field(default_factory=dict)
    """Tx kind -> hashes of its committed txs, every step's (the warm-up's too)."""

    def step(self, kind: str, rate_tps: float, seconds: float, drain_s: float) -> StepFigures:
        """Sign, offer and judge one step; kept in ``steps`` unless it is the warm-up."""
        count = max(1, round(rate_tps * seconds))
        txs = self.source.make(count)
        self.count += 1
        sample = self.clients.run_step(self.count, txs, rate_tps, drain_s)
        cpu = self.stats.cpu_percent_between(sample.start_at, sample.start_at + sample.seconds)
        figures = dataclasses.replace(
            judge_step(sample, rate_tps, drain_s, kind),
            nodes_cpu_percent={n: cpu.get(n, 0.0) for n in self.node_names},
            clients_cpu_percent=round(
                sum(v for n, v in cpu.items() if n.startswith(LOAD_CLIENT)), 1
            ),
            machine_cpu_percent=cpu.get(MACHINE, 0.0),
            kinds=self._kinds(txs, sample),
        )
        if kind != "warmup":
            self.steps.append(figures)
        return figures

    def _kinds(
        self, txs: list[tuple[bytes, bytes]], sample: ClientStep
    ) -> dict[str, dict[str, int]]:
        committed = sample.committed_hashes
        for tx_hash in committed:
            self.committed.setdefault(self.source.kind_of(tx_hash), []).append(tx_hash)
        scheduled = kind_counts((h for h, _ in txs), self.source.kind_of)
        done = kind_counts(committed, self.source.kind_of)
        return {k: {"scheduled": n, "committed": done.get(k, 0)} for k, n in scheduled.items()}


def _warm_up(run: _Run, progress: Progress) -> None:
    """A few txs, waited for: consensus is live and every client is connected."""
    progress("warming up: waiting for the first commits")
    rate = float(2 * run.settings.clients)
    figures = run.step("warmup", rate, 1.0, WARMUP_TIMEOUT_S)
    if figures.committed == 0:
        raise BenchError(
            f"the network committed none of {figures.submitted} warm-up txs in "
            f"{WARMUP_TIMEOUT_S:g} s ({_failures_of(figures)}); see each node's node.out"
        )


def _failures_of(figures: StepFigures) -> str:
    return f"accepted {figures.accepted}, refused {figures.refused}, errors {figures.errors}"


def _ramp(run: _Run, progress: Progress) -> tuple[StepFigures | None, str]:
    """Rising steps until one is not sustained, then ``REFINE_STEPS`` between the two.

    Returns the best sustained step and why the ramp stopped. Each refining
    step offers the geometric middle of the highest sustained rate and the
    lowest one not sustained, so the figure lands within about 5% of the
    ceiling instead of up to a third below it.
    """
    settings, rate = run.settings, START_TPS
    budget_s, began, best, done = settings.duration_s * RAMP_SHARE, time.monotonic(), None, 0
    failed: tuple[float, str] | None = None
    """The lowest rate not sustained, and why."""
    refined = 0
    while True:
        progress(
            f"ramp: offering {rate:,.0f} tx/s"
            + (f" (sustained {best.offered_tps:,.0f})" if best else "")
        )
        figures = run.step("ramp", rate, settings.step_s, settings.drain_s)
        done += 1
        if figures.sustained:
            best = figures
        else:
            failed = (rate, figures.reason)
        stop = None if failed is None else f"{failed[0]:,.0f} tx/s not sustained: {failed[1]}"
        if failed is not None:
            if best is None or refined == REFINE_STEPS:
                return best, str(stop)
            refined += 1
            rate = math.sqrt(best.offered_tps * failed[0])
        else:
            rate *= RAMP_FACTOR
            if rate > MAX_TPS:
                return best, f"reached the ramp's ceiling of {MAX_TPS:,.0f} tx/s"
        spent = time.monotonic() - began
        if spent + spent / done > budget_s * 1.1:  # the next step would overrun by much
            spent_line = f"duration spent ({spent:.0f} s of the ramp's {budget_s:.0f} s)"
            return best, spent_line if stop is None else f"{stop}; {spent_line}"


def run_cluster_bench(
    settings: ClusterSettings, progress: Progress | None = None
) -> dict[str, Any]:
    """Run the whole benchmark; returns the JSON-ready figures (and writes the report files)."""
    report = progress or (lambda _step: None)
    started = time.time()
    host = machine()
    report(f"measuring {settings.suite} signature checks on one core")
    verify_rate = measure_verify_per_s(settings.suite)
    if settings.mix not in MIX_NAMES:
        raise BenchError(f"unknown mix {settings.mix!r}; use one of {', '.join(MIX_NAMES)}")
    report(f"starting {settings.validators} validators")
    with local_network(
        settings.directory,
        settings.keep,
        validators=settings.validators,
        suite=settings.suite,
        before_start=without_rate_limits,
    ) as (layout, processes):
        result = _drive(settings, layout, node_pids(processes), report)
        result["network_dir"] = (
            str(layout.directory) if settings.keep or settings.directory else None
        )
    bound = verify_bound_tps(verify_rate, host["cores"], settings.validators)
    result.update(
        validators=settings.validators,
        suite=settings.suite,
        mix=settings.mix,
        clients=settings.clients,
        duration_s=settings.duration_s,
        cores=host["cores"],
        machine=host,
        verify_per_s_per_core=round(verify_rate, 1),
        verify_bound_tps=round(bound, 1),
        bound_ratio=round(result["tps"] / bound, 3),
        targets=TARGETS,
        wall_s=round(time.time() - started, 1),
    )
    result["targets_met"] = {
        "bound_ratio": result["bound_ratio"] >= TARGETS["bound_ratio"],
        "latency_ms_p99": result["latency_ms_p99"] is not None
        and result["latency_ms_p99"] < TARGETS["latency_ms_p99"],
    }
    markdown, png = write_cluster_report(result, settings.results_dir, started)
    result["results_files"] = {"markdown": str(markdown), "png": str(png)}
    return result


def _drive(
    settings: ClusterSettings, layout: NetworkLayout, pids: dict[str, int], progress: Progress
) -> dict[str, Any]:
    apis = [n.api_url for n in layout.nodes if n.role == "validator"]
    workdir = layout.directory / "bench"
    source = mix_source(settings.mix, layout, progress)
    with LoadClients(apis, apis, settings.clients, workdir) as clients:
        watched = {**pids, **{f"{LOAD_CLIENT}{i}": pid for i, pid in enumerate(clients.pids)}}
        with ProcessStats(watched, machine=True) as stats:
            run = _Run(settings, clients, source, stats, list(pids))
            _warm_up(run, progress)
            best, stop = _ramp(run, progress)
            progress("letting the backlog commit")
            unsettled = clients.settle(SETTLE_TIMEOUT_S)
            half = (best.offered_tps if best else START_TPS) / 2
            progress(f"measuring latency at {half:,.0f} tx/s")
            measured = run.step("measure", half, settings.measure_s, settings.drain_s)
            peaks, anon = stats.peak_rss_mb(), stats.peak_anon_mb()
    progress("reading a sample of each kind's receipts")
    receipts = check_receipts(layout, run.committed)
    result = _figures(run, best, measured, stop, unsettled, peaks, layout)
    for node in result["nodes"]:  # the heap alone: the store's mapped pages grow with the chain
        node["peak_anon_mb"] = anon.get(node["name"])
    ramp = [s for s in run.steps if s.kind == "ramp"]
    top = best or max(ramp, key=lambda s: s.committed_tps, default=None)  # as ``tps`` is
    result["kinds"] = kind_figures(
        run.source,
        [s.kinds for s in run.steps],
        top.kinds if top else {},
        top.committed_tps if top else 0.0,
        receipts,
    )
    return result


def _figures(
    run: _Run,
    best: StepFigures | None,
    measured: StepFigures,
    stop: str,
    unsettled: int,
    peaks: dict[str, float],
    layout: NetworkLayout,
) -> dict[str, Any]:
    ramp = [s for s in run.steps if s.kind == "ramp"]
    tps = best.committed_tps if best else max((s.committed_tps for s in ramp), default=0.0)
    at_max = best.nodes_cpu_percent if best else {}
    roles = {n.name: n.role for n in layout.nodes}
    others = others_cpu_share(run.steps, usable_cores())
    return {
        "tps": tps,
        "others_cpu_share": round(others, 3),
        "noisy": is_noisy(others),
        "max_sustained_offered_tps": best.offered_tps if best else None,
        "half_load_tps": measured.offered_tps,
        "half_load_committed_tps": measured.committed_tps,
        "latency_ms_p50": measured.latency_ms_p50,
        "latency_ms_p99": measured.latency_ms_p99,
        "ramp_stop": stop,
        "unsettled_before_measure": unsettled,
        "submitted": sum(s.submitted for s in run.steps),
        "committed": sum(s.committed for s in run.steps),
        "steps": [s.to_json() for s in run.steps],
        "nodes": [
            {
                "name": name,
                "role": roles.get(name, ""),
                "cpu_percent": measured.nodes_cpu_percent.get(name, 0.0),
                "cpu_percent_at_max": at_max.get(name, 0.0),
                "peak_rss_mb": peaks.get(name, 0.0),
            }
            for name in run.node_names
        ],
        "load_clients": {
            "cpu_percent": measured.clients_cpu_percent,
            "cpu_percent_at_max": best.clients_cpu_percent if best else 0.0,
            "peak_rss_mb": round(sum(v for n, v in peaks.items() if n.startswith(LOAD_CLIENT)), 1),
        },
    }
