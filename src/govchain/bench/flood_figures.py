"""The figures of one ``govchain bench api-flood`` run, from what its clients and probes saw.

Pure: :func:`flood_figures` turns a :class:`FloodRun` (the two windows of the
light load, the flooding client's summary, the limits) into the JSON-ready
result that ``--json`` prints and the Markdown report shows.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from govchain.bench.cluster import judge_step, percentile
from govchain.bench.loadclients import ClientStep
from govchain.bench.procstats import MACHINE
from govchain.bench.sync import live_window

__all__ = ["FloodRun", "Window", "blocks_per_s", "flood_figures", "intervals_by_proposer"]


@dataclass(frozen=True)
class Window:
    """One measured window: the light load's step and each validator's heights around it."""

    step: ClientStep
    heights_before: dict[str, int | None]
    heights_after: dict[str, int | None]
    """Each validator's height read at the window's ends (None: it did not answer)."""
    wall_s: float
    """From the first height reading to the last."""
    cpu: dict[str, float]
    """Percent of one core by process name (and ``machine``) while the light load was sent."""


@dataclass(frozen=True)
class FloodRun:
    """Everything one run saw."""

    validators: tuple[str, ...]
    """The validators' names, the flooded one first."""
    light_to: tuple[str, ...]
    """The validators the light load went to; the first one's blocks were counted."""
    light_tps: float
    drain_s: float
    idle: Window
    flood: Window
    summary: dict[str, Any]
    """The flooding client's summary (``govchain.bench.floodgen.Flooder.summary``)."""
    source: str
    batch_txs: int
    batches: int
    fresh_txs: int
    limits: dict[str, int]
    """The flooded node's ``[api.rate_limit]`` in the run."""
    documented: dict[str, int]
    """The documented defaults (what ``net init`` writes)."""
    peak_rss_mb: dict[str, float]
    proposers: dict[str, str]
    """Validator address (hex) -> node name, to name the proposer of each block."""

    @property
    def windows(self) -> dict[str, Window]:
        """The two windows by name."""
        return {"idle": self.idle, "flood": self.flood}


def blocks_per_s(window: Window) -> float:
    """Blocks/s the light load's follower saw while the window's txs were sent."""
    seen = live_window(window.step.blocks, window.step.seconds).to_json()
    return float(seen["blocks_per_s"])


def intervals_by_proposer(window: Window, names: dict[str, str]) -> dict[str, tuple[float, ...]]:
    """Seconds from the block before to each block seen in the window, by the block's proposer.

    A block's interval is the time its proposer's round took (plus any round that timed out
    first): a proposer that is slow to build or to send shows up here.
    """
    inside = sorted(
        (b for b in window.step.blocks if 0 <= b.seen_s <= window.step.seconds),
        key=lambda b: b.height,
    )
    found: dict[str, list[float]] = {}
    for before, block in itertools.pairwise(inside):
        if block.height == before.height + 1:
            name = names.get(block.proposer, block.proposer[:16] or "unknown")
            found.setdefault(name, []).append(block.seen_s - before.seen_s)
    return {name: tuple(found[name]) for name in sorted(found)}


def _mean(values: Sequence[float]) -> float | None:
    return round(sum(values) / len(values), 3) if values else None


def flood_figures(run: FloodRun) -> dict[str, Any]:
    """The run's JSON-ready figures: block rates and their ratio, the flood, each window, nodes."""
    idle, flood = blocks_per_s(run.idle), blocks_per_s(run.flood)
    flooded = run.validators[0]
    return {
        "idle_blocks_per_s": idle,
        "flood_blocks_per_s": flood,
        "block_rate_ratio": round(flood / idle, 3) if idle > 0 else 0.0,
        **_flood_headline(run.summary, run.flood.cpu.get("floodgen", 0.0)),
        "flooded_node": flooded,
        "light_load": {
            "tps": run.light_tps,
            "to": list(run.light_to),
            "blocks_seen_on": run.light_to[0],
        },
        "rate_limit": {
            **run.limits,
            "values": "documented defaults" if run.limits == run.documented else "bench values",
            "documented": run.documented,
        },
        "flood_client": {
            "source": run.source,
            "readers": run.summary["readers"],
            "submitters": run.summary["submitters"],
            "batch_txs": run.batch_txs,
            "batches": run.batches,
            "fresh_txs": run.fresh_txs,
            "seconds": run.summary["seconds"],
            "by_kind": run.summary["by_kind"],
            "codes": run.summary["codes"],
            "errors": run.summary["errors"],
            "unfinished": run.summary["unfinished"],
            "retry_after_missing": run.summary["retry_after_missing"],
            "txs_in_answered_batches": run.summary["batch_txs"],
        },
        "windows": {name: _window_figures(run, name, w) for name, w in run.windows.items()},
        "nodes": [
            {
                "name": name,
                "flooded": name == flooded,
                **{
                    f"{key}_{window_name}": value
                    for window_name, window in run.windows.items()
                    for key, value in _node_figures(name, window).items()
                },
                "peak_rss_mb": run.peak_rss_mb.get(name, 0.0),
            }
            for name in run.validators
        ],
    }


def _flood_headline(summary: dict[str, Any], cpu_percent: float) -> dict[str, Any]:
    """Requests, answers by status, the 429 share and latency of the answered requests."""
    latencies = [ms for values in summary["latency_ms"].values() for ms in values]
    by_status = {
        status: {"p50": _round(percentile(values, 50)), "p99": _round(percentile(values, 99))}
        for status, values in summary["latency_ms"].items()
    }
    answered, seconds = summary["answered"], summary["seconds"]
    return {
        "requests": summary["sent"],
        "requests_per_s": round(summary["sent"] / seconds, 1) if seconds > 0 else 0.0,
        "answered": answered,
        "answers_by_status": summary["status"],
        "no_answer": sum(summary["errors"].values()),
        "share_429": round(summary["status"].get("429", 0) / answered, 3) if answered else 0.0,
        "latency_ms_p50": _round(percentile(latencies, 50)),
        "latency_ms_p99": _round(percentile(latencies, 99)),
        "latency_ms_by_status": by_status,
        "flood_client_cpu_percent": cpu_percent,
    }


def _window_figures(run: FloodRun, name: str, window: Window) -> dict[str, Any]:
    seen = live_window(window.step.blocks, window.step.seconds).to_json()
    light = judge_step(window.step, run.light_tps, run.drain_s, name)
    intervals = intervals_by_proposer(window, run.proposers)
    flooded = run.validators[0]
    others = [s for name, values in intervals.items() if name != flooded for s in values]
    return {
        **seen,
        "blocks_late_round": light.blocks_late_round,
        "block_interval_s_by_proposer": {n: _mean(v) for n, v in intervals.items()},
        "block_interval_s_flooded_proposing": _mean(intervals.get(flooded, ())),
        "block_interval_s_others_proposing": _mean(others),
        "light_load": {
            "submitted": light.submitted,
            "accepted": light.accepted,
            "committed": light.committed,
            "refused": light.refused,
            "errors": light.errors,
            "latency_ms_p50": light.latency_ms_p50,
            "latency_ms_p99": light.latency_ms_p99,
        },
        "nodes_cpu_percent_total": round(sum(window.cpu.get(n, 0.0) for n in run.validators), 1),
        "load_client_cpu_percent": window.cpu.get("loadgen", 0.0),
        "flood_client_cpu_percent": window.cpu.get("floodgen", 0.0),
        "machine_cpu_percent": window.cpu.get(MACHINE, 0.0),
    }


def _node_figures(name: str, window: Window) -> dict[str, Any]:
    """A node's CPU and the blocks it committed in a window (None: it did not answer)."""
    before, after = window.heights_before.get(name), window.heights_after.get(name)
    blocks = None if before is None or after is None else after - before
    return {
        "cpu_percent": window.cpu.get(name, 0.0),
        "blocks": blocks,
        "blocks_per_s": None if blocks is None else round(blocks / window.wall_s, 2),
    }


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 1)
