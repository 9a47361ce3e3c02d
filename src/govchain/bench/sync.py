"""``govchain bench sync``: how fast a new full node catches up, against the live commit rate.

Validators run as processes and load clients feed them notary anchorings at
a moderate rate until the chain is ``blocks`` high; the live rate is what
the validators committed while the load lasted (blocks/s and txs/s, from the
blocks the clients saw). Then the load stops and a full node that was laid
out with the network, but never started, is started: it fetches and checks
every block. Its catch-up rate is timed from when its API first answers
until it reaches the validators' height (the process start-up before that
is reported apart). The ratio catch-up / live should be at least 3.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

from govchain.bench.loadclients import ClientStep, LoadClients, SeenBlock
from govchain.bench.network import (
    BenchError,
    TxSource,
    api_height,
    local_network,
    start_nodes,
    without_rate_limits,
)
from govchain.bench.procstats import ProcessStats, machine
from govchain.bench.report import write_sync_report
from govchain.node.netinit import NetworkLayout, NodeLayout

__all__ = ["TARGET_RATIO", "LiveWindow", "SyncSettings", "live_window", "run_sync_bench"]

TARGET_RATIO = 3.0
FIRST_CHUNK_S = 5.0
CHUNK_MAX_S = 120.0
CHUNK_DRAIN_S = 2.0
WARMUP_TIMEOUT_S = 60.0
CATCHUP_POLL_S = 0.05
CATCHUP_TIMEOUT_S = 600.0

Progress = Callable[[str], None]


@dataclass(frozen=True)
class SyncSettings:
    """What ``govchain bench sync`` was asked for."""

    validators: int = 4
    suite: str = "gm"
    blocks: int = 300
    rate_tps: float = 50.0
    clients: int = 2
    directory: Path | None = None
    keep: bool = False
    results_dir: Path = Path("bench-results")


@dataclass(frozen=True)
class LiveWindow:
    """Blocks committed while load was offered: counted between the first and last seen."""

    blocks: int
    txs: int
    seconds: float

    def to_json(self) -> dict[str, Any]:
        """Counts, seconds and rates (rounded)."""
        return {
            "blocks": self.blocks,
            "txs": self.txs,
            "seconds": round(self.seconds, 2),
            "blocks_per_s": _per_s(self.blocks, self.seconds),
            "txs_per_s": _per_s(self.txs, self.seconds),
        }

    def __add__(self, other: LiveWindow) -> LiveWindow:
        return LiveWindow(
            self.blocks + other.blocks, self.txs + other.txs, self.seconds + other.seconds
        )


def _per_s(count: int, seconds: float) -> float:
    return round(count / seconds, 1) if seconds > 0 else 0.0


def live_window(blocks: Sequence[SeenBlock], sending_until_s: float) -> LiveWindow:
    """The blocks seen from the start of a step until its last send.

    The first block only opens the window: the rate is the blocks after it,
    and their txs, over the time from the first to the last.
    """
    inside = sorted((b for b in blocks if 0 <= b.seen_s <= sending_until_s), key=lambda b: b.height)
    if len(inside) < 2:
        return LiveWindow(0, 0, 0.0)
    return LiveWindow(
        len(inside) - 1, sum(b.txs for b in inside[1:]), inside[-1].seen_s - inside[0].seen_s
    )


def _sending_until(step: ClientStep) -> float:
    return max(step.send_s, default=0.0)


def _load_chain(
    settings: SyncSettings, clients: LoadClients, source: TxSource, progress: Progress
) -> LiveWindow:
    """Offer load in chunks until the validators' chain is ``blocks`` high."""
    rate, chunk_s, live, chunk = settings.rate_tps, FIRST_CHUNK_S, LiveWindow(0, 0, 0.0), 0
    while True:
        chunk += 1
        txs = source.make(max(1, round(rate * chunk_s)))
        step = clients.run_step(chunk, txs, rate, CHUNK_DRAIN_S, until_height=settings.blocks)
        window = live_window(step.blocks, _sending_until(step))
        if step.sent and not step.blocks:
            raise BenchError(
                f"the validators committed no block in {step.seconds:.0f} s of load; "
                "see each node's node.out"
            )
        live += window
        height = max((b.height for b in step.blocks), default=0)
        progress(f"chain at height {height:,} of {settings.blocks:,}")
        if height >= settings.blocks:
            return live
        per_s = window.blocks / window.seconds if window.seconds > 0 else 0.0
        remaining = settings.blocks - height
        chunk_s = CHUNK_MAX_S if per_s <= 0 else min(CHUNK_MAX_S, remaining / per_s * 1.2 + 2)


def _warm_up(clients: LoadClients, source: TxSource) -> None:
    step = clients.run_step(0, source.make(2), 2.0, WARMUP_TIMEOUT_S)
    if step.committed == 0:
        raise BenchError(
            f"the validators committed none of the warm-up txs in {WARMUP_TIMEOUT_S:g} s "
            f"(refused {step.refused}, errors {step.errors}); see each node's node.out"
        )


def _chain_height(layout: NetworkLayout) -> int:
    heights = [api_height(n.api_url) for n in layout.nodes if n.role == "validator"]
    known = [h for h in heights if h is not None]
    if not known:
        raise BenchError("no validator answers /v1/status")
    return max(known)


def _catch_up(full: NodeLayout, target: int) -> dict[str, Any]:
    """Start the full node; time it from start and from its first answer to ``target``."""
    started = time.monotonic()
    processes = start_nodes([full])
    answered = time.monotonic()
    first = api_height(full.api_url)
    if first is None:
        raise BenchError(f"full node {full.name} stopped answering; see {full.home / 'node.out'}")
    with ProcessStats({full.name: processes[full.name].pid}) as stats:
        before = stats.mark()
        height = first
        while height < target:
            if time.monotonic() - answered > CATCHUP_TIMEOUT_S:
                raise BenchError(
                    f"full node {full.name} reached only height {height} of {target} in "
                    f"{CATCHUP_TIMEOUT_S:g} s; see {full.home / 'node.out'}"
                )
            time.sleep(CATCHUP_POLL_S)
            height = api_height(full.api_url) or height
        done = time.monotonic()
        cpu = stats.cpu_percent_between(before.at, done)
        peak = stats.peak_rss_mb()
    # a short chain may be caught up before the API first answers: the window is then the
    # whole run from the process's start (startup included), never an empty one
    from_start = first >= target
    return {
        "from_height": 0 if from_start else first,
        "seconds": done - (started if from_start else answered),
        "startup_included": from_start,
        "startup_s": round(answered - started, 2),
        "total_s": round(done - started, 2),
        "cpu_percent": cpu.get(full.name, 0.0),
        "peak_rss_mb": peak.get(full.name, 0.0),
    }


def _txs_in(url: str, first: int, last: int) -> int:
    """Txs in blocks ``first..last`` of the node at ``url``."""
    total = 0
    with httpx.Client(base_url=url, timeout=10) as http:
        for height in range(first, last + 1):
            answer = http.get(f"/v1/blocks/{height}")
            answer.raise_for_status()
            total += len(answer.json()["txs"])
    return total


def run_sync_bench(settings: SyncSettings, progress: Progress | None = None) -> dict[str, Any]:
    """Build a chain under load, then time a new full node catching up; JSON-ready figures."""
    report = progress or (lambda _step: None)
    started = time.time()
    report(f"starting {settings.validators} validators")
    with local_network(
        settings.directory,
        settings.keep,
        validators=settings.validators,
        full_nodes=1,
        suite=settings.suite,
        start_full_nodes=False,
        before_start=without_rate_limits,
    ) as (layout, _processes):
        validators = [n.api_url for n in layout.nodes if n.role == "validator"]
        full = next(n for n in layout.nodes if n.role == "full")
        with LoadClients(
            validators, validators, settings.clients, layout.directory / "bench"
        ) as clients:
            source = TxSource(layout)
            report("warming up: waiting for the first commits")
            _warm_up(clients, source)
            live = _load_chain(settings, clients, source, report)
            report("load stopped: letting the last txs commit")
            clients.settle(WARMUP_TIMEOUT_S)
        target = _chain_height(layout)
        report(f"starting full node {full.name}: catching up to height {target:,}")
        catchup = _catch_up(full, target)
        report("counting txs")
        chain_txs = _txs_in(validators[0], 1, target)
        caught_up_txs = _txs_in(validators[0], catchup["from_height"] + 1, target)
        network_dir = str(layout.directory) if settings.keep or settings.directory else None
    return _figures(settings, live, catchup, target, chain_txs, caught_up_txs, network_dir, started)


def _figures(
    settings: SyncSettings,
    live: LiveWindow,
    catchup: dict[str, Any],
    target: int,
    chain_txs: int,
    caught_up_txs: int,
    network_dir: str | None,
    started: float,
) -> dict[str, Any]:
    window = LiveWindow(target - catchup["from_height"], caught_up_txs, catchup["seconds"])
    live_json, catchup_json = live.to_json(), window.to_json()
    catchup_json.update({k: v for k, v in catchup.items() if k not in ("seconds",)})

    def ratio(key: str) -> float:
        return round(catchup_json[key] / live_json[key], 2) if live_json[key] else 0.0

    result: dict[str, Any] = {
        "validators": settings.validators,
        "suite": settings.suite,
        "clients": settings.clients,
        "rate_tps": settings.rate_tps,
        "blocks": target,
        "blocks_asked": settings.blocks,
        "txs": chain_txs,
        "live": live_json,
        "catchup": catchup_json,
        "ratio_txs": ratio("txs_per_s"),
        "ratio_blocks": ratio("blocks_per_s"),
        "target_ratio": TARGET_RATIO,
        "machine": machine(),
        "network_dir": network_dir,
    }
    result["ratio"] = result["ratio_txs"]
    result["target_met"] = result["ratio"] >= TARGET_RATIO
    result["cores"] = result["machine"]["cores"]
    markdown = write_sync_report(result, settings.results_dir, started)
    result["results_files"] = {"markdown": str(markdown)}
    return result
