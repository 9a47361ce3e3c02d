"""``govchain bench api-flood``: the block rate while one client floods a node's API.

A fresh network runs as one OS process per validator (4 by default). One
load client process offers a light, steady load of notary anchorings
(``LIGHT_TPS``) to every validator but the flooded one, so blocks are made
with a few txs each (without txs a network makes an empty block a second).
The blocks per second over a window of ``duration_s`` is the *idle* rate.
Then, in the same run and with the same light load, one flooding client
process (:mod:`govchain.bench.floodgen`) floods the first validator's API as
fast as it can with reads and batch submissions, and the blocks per second
over a second window of ``duration_s`` is the *flood* rate.
``block_rate_ratio`` = flood / idle; the goal is at least 0.5. It is a
figure, not a pass/fail.

Block rates are counted on the blocks the load client's follower sees on
the first validator that is not flooded (the flooded one itself on a
1-validator network): blocks after the first one seen in the window, over
the time from the first to the last (:func:`govchain.bench.sync.live_window`).
Each validator's own height is also read at both ends of each window.

The flooded node's ``[api.rate_limit]`` is written before it starts, with
``reads_per_s`` and ``submissions_per_s`` as given: the documented defaults
unless told otherwise (the figures say which). The other nodes run
without limits: no flood reaches them, and they carry the bench's own
measurement (the load client and its follower), which must not wait on a
limit. The flood sends from a loopback alias of its own
(:data:`govchain.bench.floodclient.FLOOD_SOURCE`), so those limits count it
apart from the bench's own reads and load. Its batches are fresh txs of a
key of its own, signed before the run: as many as its submission limit lets
in over the window, plus a full bucket, so it never runs out of new txs.
"""

from __future__ import annotations

import dataclasses
import math
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from govchain.api.settings import RateLimits
from govchain.bench.flood_figures import FloodRun, Window, blocks_per_s, flood_figures
from govchain.bench.floodclient import FLOOD_SOURCE, FloodClient
from govchain.bench.floodgen import READERS, SUBMITTERS, write_work
from govchain.bench.loadclients import LoadClients
from govchain.bench.network import (
    BenchError,
    NodeProcesses,
    TxSource,
    api_height,
    local_network,
    node_pids,
    rate_limits_off,
    register_client,
)
from govchain.bench.procstats import ProcessStats, machine
from govchain.bench.report import write_flood_report
from govchain.codec import encode
from govchain.crypto import suite_for
from govchain.node import launcher
from govchain.node.config import read_config, write_config
from govchain.node.netinit import NetworkLayout, NodeLayout

__all__ = ["FLOOD_KINDS", "TARGET_RATIO", "FloodSettings", "flood_tx_count", "run_flood_bench"]

TARGET_RATIO = 0.5
LIGHT_TPS = 20.0
"""The light load, in both windows: enough that every block holds a few txs."""
BATCH_TXS = 1000
"""Txs in one flood batch (the most ``POST /v1/txs/batch`` takes)."""
FLOOD_TXS_MAX = 100_000
"""The most fresh txs signed for the flood (signing them takes about 20 s on 2 cores)."""
DRAIN_S = 5.0
"""How long after a window its light-load txs may still commit and count."""
WARMUP_TIMEOUT_S = 60.0
FLOOD_KINDS = ("both", "reads", "batches")
BENCH_READS_PER_S = RateLimits().reads_per_s
BENCH_SUBMISSIONS_PER_S = RateLimits().submissions_per_s
"""The flooded node's limits unless told otherwise: the documented defaults of
``[api.rate_limit]``, so the figures say what a node as shipped withstands."""

Progress = Callable[[str], None]


@dataclass(frozen=True)
class FloodSettings:
    """What ``govchain bench api-flood`` was asked for."""

    validators: int = 4
    suite: str = "gm"
    duration_s: float = 30.0
    """Length of each window, idle and flood."""
    flood: str = "both"
    """What the flood sends: ``both`` reads and batches, only ``reads``, only ``batches``."""
    reads_per_s: int = BENCH_READS_PER_S
    """The flooded node's ``api.rate_limit.reads_per_s`` (0: no limit)."""
    submissions_per_s: int = BENCH_SUBMISSIONS_PER_S
    """The flooded node's ``api.rate_limit.submissions_per_s`` (0: no limit)."""
    directory: Path | None = None
    keep: bool = False
    results_dir: Path = Path("bench-results")

    def validate(self) -> None:
        """BenchError naming the first setting out of range."""
        if self.flood not in FLOOD_KINDS:
            raise BenchError(f"flood: expected one of {', '.join(FLOOD_KINDS)}, got {self.flood!r}")
        if not 1 <= self.validators <= 16:
            raise BenchError(f"validators: expected 1 to 16, got {self.validators}")
        if self.duration_s <= 0:
            raise BenchError(f"duration: expected seconds above 0, got {self.duration_s}")

    @property
    def readers(self) -> int:
        """Flood tasks sending reads."""
        return 0 if self.flood == "batches" else READERS

    @property
    def submitters(self) -> int:
        """Flood tasks sending batches."""
        return 0 if self.flood == "reads" else SUBMITTERS


def flood_tx_count(submissions_per_s: int, burst_s: int, seconds: float) -> int:
    """Fresh txs to sign for the flood, in whole batches.

    What the submission limit lets in over the window and its drain, plus a
    full bucket; ``FLOOD_TXS_MAX`` when submissions are not limited (0). At
    least two batches per submitter, so no batch is ever in flight twice.
    """
    wanted = FLOOD_TXS_MAX
    if submissions_per_s > 0:
        wanted = min(FLOOD_TXS_MAX, math.ceil(submissions_per_s * (seconds + DRAIN_S + burst_s)))
    return max(2 * SUBMITTERS, math.ceil(wanted / BATCH_TXS)) * BATCH_TXS


def _limit_flooded(
    settings: FloodSettings, documented: dict[str, int]
) -> Callable[[NetworkLayout], None]:
    """Write the flooded node's ``[api.rate_limit]`` (the first validator's) before it starts.

    ``documented`` receives the limits ``net init`` wrote: the documented defaults.
    """

    def configure(layout: NetworkLayout) -> None:
        home = _validators(layout)[0].home
        for node in layout.nodes:
            if node.home != home:
                rate_limits_off(node.home)
        config = read_config(home)
        documented.update(dataclasses.asdict(config.rate_limit))
        limits = dataclasses.replace(
            config.rate_limit,
            reads_per_s=settings.reads_per_s,
            submissions_per_s=settings.submissions_per_s,
        )
        write_config(home, dataclasses.replace(config, rate_limit=limits))

    return configure


def _validators(layout: NetworkLayout) -> list[NodeLayout]:
    return [n for n in layout.nodes if n.role == "validator"]


def _heights(nodes: Sequence[NodeLayout]) -> dict[str, int | None]:
    return {n.name: api_height(n.api_url, timeout_s=5.0) for n in nodes}


def _window(
    index: int,
    clients: LoadClients,
    stats: ProcessStats,
    txs: list[tuple[bytes, bytes]],
    nodes: Sequence[NodeLayout],
) -> Window:
    before, began = _heights(nodes), time.monotonic()
    step = clients.run_step(index, txs, LIGHT_TPS, DRAIN_S)
    wall_s = time.monotonic() - began
    after = _heights(nodes)
    cpu = stats.cpu_percent_between(step.start_at, step.start_at + step.seconds)
    return Window(step, before, after, wall_s, cpu)


def _check_alive(processes: NodeProcesses, layout: NetworkLayout) -> None:
    homes = {n.name: n.home for n in layout.nodes}
    for name, process in sorted(processes.items()):
        status = process.poll()
        if status is not None:
            raise BenchError(
                f"node {name} exited with status {status} during the run; "
                f"see {homes[name] / 'node.out'}"
            )


def run_flood_bench(settings: FloodSettings, progress: Progress | None = None) -> dict[str, Any]:
    """Run the whole benchmark; returns the JSON-ready figures (and writes the report file)."""
    settings.validate()
    report = progress or (lambda _stage: None)
    started = time.time()
    host = machine()
    documented: dict[str, int] = {}
    report(f"starting {settings.validators} validators")
    with local_network(
        settings.directory,
        settings.keep,
        validators=settings.validators,
        suite=settings.suite,
        before_start=_limit_flooded(settings, documented),
    ) as (layout, processes):
        run = _drive(settings, layout, processes, report, documented)
        result = flood_figures(run)
        result["network_dir"] = (
            str(layout.directory) if settings.keep or settings.directory else None
        )
    result.update(
        validators=settings.validators,
        suite=settings.suite,
        duration_s=settings.duration_s,
        flood=settings.flood,
        cores=host["cores"],
        machine=host,
        target_ratio=TARGET_RATIO,
        target_met=result["block_rate_ratio"] >= TARGET_RATIO,
        wall_s=round(time.time() - started, 1),
    )
    markdown = write_flood_report(result, settings.results_dir, started)
    result["results_files"] = {"markdown": str(markdown)}
    return result


@dataclass(frozen=True)
class _Signed:
    """The txs of a run, signed before it: signing costs CPU no window may spend."""

    idle_txs: list[tuple[bytes, bytes, bytes]]
    """Light load of the idle window: (tx hash, encoded tx, digest); also the flood's reads."""
    flood_window_txs: list[tuple[bytes, bytes]]
    """Light load of the flood window."""
    batches: list[bytes]
    """The flood's batch bodies, fresh txs of a key of its own."""
    fresh: int


def _sign(
    settings: FloodSettings, layout: NetworkLayout, limits: dict[str, int], report: Progress
) -> _Signed:
    light = TxSource(layout)
    count = max(1, round(LIGHT_TPS * settings.duration_s))
    fresh = 0
    if settings.submitters:
        fresh = flood_tx_count(limits["submissions_per_s"], limits["burst_s"], settings.duration_s)
    report(f"signing {2 * count + fresh:,} txs ahead of time")
    idle_txs = light.make_anchorings(count)
    flood_window_txs = light.make(count)
    flood_key = suite_for(layout.suite).generate_key()
    report("registering the flood's own key as a client account")
    register_client(layout, flood_key)
    flood_txs = TxSource(layout, flood_key).make(fresh) if fresh else []
    batches = [
        encode([raw for _, raw in flood_txs[i : i + BATCH_TXS]])
        for i in range(0, len(flood_txs), BATCH_TXS)
    ]
    return _Signed(idle_txs, flood_window_txs, batches, fresh)


def _proposer_names(node: NodeLayout) -> dict[str, str]:
    """Validator address (hex) -> node name, from a node's status."""
    status = launcher.api_status(node.api_url, 5.0)
    if status is None:
        raise BenchError(f"{node.name} does not answer /v1/status")
    return {str(v["address"]): str(v["name"]) for v in status["validators"]}


def _warm_up(clients: LoadClients, layout: NetworkLayout) -> None:
    warm = clients.run_step(0, TxSource(layout).make(2), 2.0, WARMUP_TIMEOUT_S)
    if warm.committed == 0:
        raise BenchError(
            f"the network committed none of the warm-up txs in {WARMUP_TIMEOUT_S:g} s "
            f"(refused {warm.refused}, errors {warm.errors}); see each node's node.out"
        )


def _drive(
    settings: FloodSettings,
    layout: NetworkLayout,
    processes: NodeProcesses,
    report: Progress,
    documented: dict[str, int],
) -> FloodRun:
    """Sign, start the clients, measure the idle window, then the flood window."""
    validators = _validators(layout)
    flooded, others = validators[0], validators[1:] or validators[:1]
    limits = dataclasses.asdict(read_config(flooded.home).rate_limit)
    proposers = _proposer_names(others[0])
    signed = _sign(settings, layout, limits, report)
    workdir = layout.directory / "bench"
    reads = signed.idle_txs
    work = write_work(workdir, signed.batches, [h for h, _, _ in reads], [d for *_, d in reads])
    flood_client = FloodClient(
        flooded.api_url, work, workdir, readers=settings.readers, submitters=settings.submitters
    )
    loads = [n.api_url for n in others]
    with LoadClients(loads, loads[:1], 1, workdir) as clients, flood_client as flood:
        pids = {**node_pids(processes), "loadgen": clients.pids[0], "floodgen": flood.pid}
        with ProcessStats(pids, machine=True) as stats:
            report("warming up: waiting for the first commits")
            _warm_up(clients, layout)
            report(f"idle: {LIGHT_TPS:g} tx/s for {settings.duration_s:g} s")
            idle = _window(1, clients, stats, [(h, raw) for h, raw, _ in reads], validators)
            report(f"flood on {flooded.name}, {LIGHT_TPS:g} tx/s for {settings.duration_s:g} s")
            flood.start(api_height(flooded.api_url) or 0)
            flooded_window = _window(2, clients, stats, signed.flood_window_txs, validators)
            summary = flood.stop()
            _check_alive(processes, layout)
            peaks = stats.peak_rss_mb()
    if blocks_per_s(idle) <= 0:
        raise BenchError(
            f"the network committed no block in {idle.step.seconds:g} s of light load; "
            "see each node's node.out"
        )
    return FloodRun(
        validators=tuple(n.name for n in validators),
        light_to=tuple(n.name for n in others),
        light_tps=LIGHT_TPS,
        drain_s=DRAIN_S,
        idle=idle,
        flood=flooded_window,
        summary=summary,
        source=FLOOD_SOURCE,
        batch_txs=BATCH_TXS,
        batches=len(signed.batches),
        fresh_txs=signed.fresh,
        limits=limits,
        documented=dict(documented),
        peak_rss_mb=peaks,
        proposers=proposers,
    )
