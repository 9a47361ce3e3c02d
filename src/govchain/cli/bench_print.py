"""How ``govchain bench`` shows its results to a person: the cluster tables, and the small
formatters every bench command uses (kept apart so ``bench_cmd`` stays small)."""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from typing import Any

from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn
from rich.table import Table

from govchain.cli.console import console

__all__ = [
    "count_text",
    "met_text",
    "ms_text",
    "print_cluster",
    "stage_spinner",
    "validators_text",
]


def print_cluster(result: dict[str, Any]) -> None:
    """The steps, the nodes, latency and the bound, per-kind figures, noise, files written."""
    validators = validators_text(result["validators"])
    title = (
        f"bench cluster: {validators}, {result['suite']}, mix {result['mix']} "
        "(tx/s, latency ms, node CPU %)"
    )
    table = Table(title=title)
    columns = ("step", "offered", "committed", "p50", "p99", "refused", "behind", "CPU %")
    for column in (*columns, "ok"):
        table.add_column(column, justify="right")
    for step in result["steps"]:
        table.add_row(
            step["kind"],
            f"{step['offered_tps']:,}",
            f"{step['committed_tps']:,}",
            ms_text(step["latency_ms_p50"]),
            ms_text(step["latency_ms_p99"]),
            str(step["refused_total"]),
            str(step["behind"]),
            f"{step['nodes_cpu_percent_total']:,}",
            "yes" if step["sustained"] else "no",
        )
    console.print(table)
    nodes = Table(title="nodes")
    for column in ("node", "CPU % half load", "CPU % at max", "peak RSS MiB", "of it heap"):
        nodes.add_column(column, justify="right")
    for node in result["nodes"]:
        anon = node.get("peak_anon_mb")
        nodes.add_row(
            node["name"],
            f"{node['cpu_percent']}",
            f"{node['cpu_percent_at_max']}",
            f"{node['peak_rss_mb']}",
            "-" if anon is None else f"{anon}",
        )
    console.print(nodes)
    met, targets = result["targets_met"], result["targets"]
    console.print(
        f"tps {result['tps']:,} (ramp stopped: {result['ramp_stop']}); at half load "
        f"({result['half_load_tps']:,} tx/s) p50 {ms_text(result['latency_ms_p50'])} ms, "
        f"p99 {ms_text(result['latency_ms_p99'])} ms (target < {targets['latency_ms_p99']}: "
        f"{met_text(met['latency_ms_p99'])})"
    )
    console.print(
        f"verify bound {result['verify_bound_tps']:,} tx/s = {result['verify_per_s_per_core']:,}"
        f"/s per core x {result['cores']} cores / {result['validators']} validators; "
        f"bound ratio {result['bound_ratio']} (target >= {targets['bound_ratio']}: "
        f"{met_text(met['bound_ratio'])})"
    )
    _print_kinds(result["kinds"])
    if result["noisy"]:
        console.print(
            f"noisy: other processes took {100 * result['others_cpu_share']:.0f}% of the machine"
            " (more than 10%); do not use this run for the tables",
            style="yellow",
            highlight=False,
        )
    files = result["results_files"]
    console.print(f"wrote {files['markdown']} and {files['png']}")


def _print_kinds(kinds: dict[str, dict[str, Any]]) -> None:
    table = Table(title="tx kinds (receipts: failed of read)")
    for column in ("kind", "share", "scheduled", "committed", "tx/s at max", "receipts"):
        table.add_column(column, justify="right")
    for kind, figures in kinds.items():
        receipts = figures["receipts"]
        table.add_row(
            kind,
            f"{figures['share']:.0%}",
            f"{figures['scheduled']:,}",
            f"{figures['committed']:,}",
            f"{figures['tps_at_max']:,}",
            f"{receipts['failed']} of {receipts['checked']}",
        )
    console.print(table)
    for kind, figures in kinds.items():
        if figures["receipts"]["failed"]:
            console.print(f"[yellow]{kind}: failed receipts: {figures['receipts']['first_error']}")


def validators_text(count: int) -> str:
    return f"{count} validator" + ("" if count == 1 else "s")


def count_text(value: int | None) -> str:
    return "–" if value is None else f"{value:,}"


def ms_text(value: float | None) -> str:
    return "–" if value is None else f"{value:,}"


def met_text(met: bool) -> str:
    return "met" if met else "not met"


@contextlib.contextmanager
def stage_spinner(hidden: bool) -> Iterator[Callable[[str], None]]:
    """A spinner with the current stage (nothing when the output is JSON); yields the reporter."""
    columns = (SpinnerColumn(), TextColumn("{task.description}"), TimeElapsedColumn())
    with Progress(*columns, console=console, transient=True, disable=hidden) as progress:
        task = progress.add_task("starting", total=None)
        yield lambda stage: progress.update(task, description=stage)
