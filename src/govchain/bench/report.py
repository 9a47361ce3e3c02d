"""Benchmark results as files people read: a Markdown table and a PNG plot.

Both are made from the JSON-ready figures the benchmarks return, so what the
files show is exactly what ``--json`` prints. matplotlib is imported only
when a plot is drawn (it is slow to import), with the Agg backend: no display.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from pathlib import Path
from typing import Any

__all__ = [
    "cluster_markdown",
    "flood_markdown",
    "plot_steps",
    "result_stem",
    "sync_markdown",
    "write_cluster_report",
    "write_flood_report",
    "write_sync_report",
]


def result_stem(kind: str, suite: str, validators: int, started: float) -> str:
    """``cluster-gm-4v-20250101T120000Z``: what the run was and when (UTC)."""
    stamp = dt.datetime.fromtimestamp(started, dt.UTC).strftime("%Y%m%dT%H%M%SZ")
    return f"{kind}-{suite}-{validators}v-{stamp}"


def _cell(value: object) -> str:
    if value is None:
        return "–"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int | float):
        return f"{value:,}"  # figures come rounded as the JSON has them
    return str(value).replace("|", "\\|")


def _table(header: Sequence[str], rows: Sequence[Sequence[object]]) -> list[str]:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(_cell(v) for v in row) + " |" for row in rows]
    return lines


STEP_COLUMNS = (
    "kind",
    "offered tx/s",
    "committed tx/s",
    "p50 ms",
    "p99 ms",
    "submitted",
    "committed",
    "refused",
    "behind",
    "errors",
    "node CPU %",
    "machine CPU %",
    "blocks",
    "txs/block",
    "sustained",
    "why not",
)
_STEP_KEYS = (
    "kind",
    "offered_tps",
    "committed_tps",
    "latency_ms_p50",
    "latency_ms_p99",
    "submitted",
    "committed",
    "refused_total",
    "behind",
    "errors_total",
    "nodes_cpu_percent_total",
    "machine_cpu_percent",
    "blocks",
    "txs_per_block",
    "sustained",
    "reason",
)


def _step_row(step: dict[str, Any]) -> list[object]:
    return [step[key] for key in _STEP_KEYS]


def _sync_row(label: str, figures: dict[str, Any]) -> list[object]:
    keys = ("blocks_per_s", "txs_per_s", "seconds", "blocks", "txs")
    return [label, *(figures[key] for key in keys)]


def _met(met: bool | None) -> str:
    return "met" if met else "not met"


def cluster_markdown(result: dict[str, Any]) -> str:
    """The cluster benchmark as Markdown: headline figures, targets, steps, nodes."""
    machine = result["machine"]
    targets, met = result["targets"], result["targets_met"]
    lines = [
        f"# bench cluster: {result['validators']} validators, {result['suite']}, "
        f"mix {result.get('mix', 'notary')}",
        "",
        f"{machine['cores']} cores ({machine['cpu']}), Python {machine['python']}, "
        f"{result['clients']} load clients, duration {result['duration_s']:g} s, "
        f"load average at start {machine['load_average_at_start']}.",
        "",
        *_table(
            ["figure", "value"],
            [
                ["tps (committed, highest sustained step)", result["tps"]],
                ["highest sustained offered rate (tx/s)", result["max_sustained_offered_tps"]],
                ["ramp stopped", result["ramp_stop"]],
                ["half-load offered rate (tx/s)", result["half_load_tps"]],
                ["half-load committed rate (tx/s)", result["half_load_committed_tps"]],
                ["latency p50 at half load (ms)", result["latency_ms_p50"]],
                ["latency p99 at half load (ms)", result["latency_ms_p99"]],
                ["signature checks per s per core", result["verify_per_s_per_core"]],
                ["verify bound (tx/s) = per core x cores / validators", result["verify_bound_tps"]],
                ["bound ratio = tps / verify bound", result["bound_ratio"]],
                ["CPU other processes took (share of the machine)", result["others_cpu_share"]],
            ],
        ),
        "",
        *(
            [
                "**Noisy run**: other processes took more than 10% of the machine; do not use"
                " these figures for the tables.",
                "",
            ]
            if result["noisy"]
            else []
        ),
        f"Targets: bound ratio >= {targets['bound_ratio']} (set for 4 validators under gm): "
        f"{_met(met['bound_ratio'])}; p99 < {targets['latency_ms_p99']} ms at half load: "
        f"{_met(met['latency_ms_p99'])}.",
        "",
        "## Steps",
        "",
        *_table(STEP_COLUMNS, [_step_row(s) for s in result["steps"]]),
        "",
        *_kinds_section(result.get("kinds", {})),
        "## Nodes",
        "",
        *_table(
            ["node", "role", "CPU % at half load", "CPU % at max", "peak RSS MiB", "of it heap"],
            [
                [*(n[k] for k in NODE_COLUMNS_OF_RESULT), _or_dash(n.get("peak_anon_mb"))]
                for n in result["nodes"]
            ],
        ),
        "",
        f"Load clients: {result['load_clients']['cpu_percent']} % CPU at half load, "
        f"{result['load_clients']['cpu_percent_at_max']} % at max, "
        f"{result['load_clients']['peak_rss_mb']} MiB peak RSS in all.",
        "",
        "CPU is percent of one core; machine CPU counts every process on the machine, ours "
        "and others'. Latency: from submit until the client sees the tx in a block. Blocks: "
        "committed while the step sent.",
        "",
    ]
    return "\n".join(lines)


def plot_steps(steps: Sequence[dict[str, Any]], path: Path, title: str) -> Path:
    """Committed rate and p50/p99 latency against offered load, one point per step."""
    import matplotlib  # noqa: PLC0415 - slow to import; only plots need it

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt  # noqa: PLC0415

    points = sorted(
        (s for s in steps if s["kind"] in ("ramp", "measure")), key=lambda s: s["offered_tps"]
    )
    offered = [s["offered_tps"] for s in points]
    failed = [s for s in points if not s["sustained"]]
    half = [s for s in points if s["kind"] == "measure"]
    figure, (rate_axes, latency_axes) = plt.subplots(2, 1, figsize=(7, 7), sharex=True)
    try:
        rate_axes.plot(offered, offered, linestyle=":", color="grey", label="offered")
        rate_axes.plot(offered, [s["committed_tps"] for s in points], marker="o", label="committed")
        rate_axes.scatter(
            [s["offered_tps"] for s in half],
            [s["committed_tps"] for s in half],
            marker="*", s=200, color="green", zorder=3, label="half-load step",
        )  # fmt: skip
        rate_axes.scatter(
            [s["offered_tps"] for s in failed],
            [s["committed_tps"] for s in failed],
            marker="x", s=100, color="red", zorder=3, label="not sustained",
        )  # fmt: skip
        rate_axes.set_ylabel("tx/s")
        rate_axes.set_title(title)
        rate_axes.legend()
        rate_axes.grid(True, alpha=0.3)
        for key, label in (("latency_ms_p50", "p50"), ("latency_ms_p99", "p99")):
            shown = [(s["offered_tps"], s[key]) for s in points if s[key] is not None]
            latency_axes.plot([x for x, _ in shown], [y for _, y in shown], marker="o", label=label)
        latency_axes.set_xlabel("offered load (tx/s)")
        latency_axes.set_ylabel("latency (ms)")
        latency_axes.legend()
        latency_axes.grid(True, alpha=0.3)
        figure.tight_layout()
        path.parent.mkdir(parents=True, exist_ok=True)
        figure.savefig(path, dpi=100)
    finally:
        plt.close(figure)
    return path


def _kinds_section(kinds: dict[str, dict[str, Any]]) -> list[str]:
    """The mix's tx kinds: share, txs scheduled and committed, rate at max, receipts read."""
    if not kinds:
        return []
    rows = [
        [
            kind,
            f"{f['weight']} ({f['share']:.0%})",
            f["scheduled"],
            f["committed"],
            f["tps_at_max"],
            f"{f['receipts']['failed']} of {f['receipts']['checked']}",
        ]
        for kind, f in kinds.items()
    ]
    header = ["kind", "weight (share)", "scheduled", "committed", "tx/s at max", "failed receipts"]
    errors = [
        f"- {kind}: {f['receipts']['first_error']}"
        for kind, f in kinds.items()
        if f["receipts"]["failed"]
    ]
    return [
        "## Tx kinds",
        "",
        *_table(header, rows),
        "",
        "Every kind carries one signature, so the verify bound is the same for every mix. "
        "Receipts: a sample of each kind's committed txs, read after the run.",
        "",
        *([*errors, ""] if errors else []),
    ]


def write_cluster_report(
    result: dict[str, Any], directory: Path, started: float
) -> tuple[Path, Path]:
    """Write ``cluster-<suite>-<V>v-<UTC time>.md`` and ``.png`` into ``directory``."""
    directory.mkdir(parents=True, exist_ok=True)
    stem = result_stem("cluster", result["suite"], result["validators"], started)
    markdown = directory / f"{stem}.md"
    png = directory / f"{stem}.png"
    markdown.write_text(cluster_markdown(result) + f"\n![plot]({png.name})\n", encoding="utf-8")
    title = f"{result['validators']} validators, {result['suite']}, {result['cores']} cores"
    plot_steps(result["steps"], png, title)
    return markdown, png


def sync_markdown(result: dict[str, Any]) -> str:
    """The sync benchmark as Markdown."""
    machine = result["machine"]
    live, catchup = result["live"], result["catchup"]
    lines = [
        f"# bench sync: a full node catches up with {result['validators']} validators, "
        f"{result['suite']}",
        "",
        f"{machine['cores']} cores ({machine['cpu']}), Python {machine['python']}; "
        f"chain of {result['blocks']} blocks, {result['txs']} txs, load offered at "
        f"{result['rate_tps']:g} tx/s.",
        "",
        *_table(
            ["", "blocks/s", "txs/s", "seconds", "blocks", "txs"],
            [
                _sync_row("live (validators under load)", live),
                _sync_row("catch-up (new full node)", catchup),
            ],
        ),
        "",
        f"Ratio catch-up / live: {result['ratio_txs']} in txs/s, {result['ratio_blocks']} in "
        f"blocks/s; target >= {result['target_ratio']}: {_met(result['target_met'])}. "
        f"The full node's process started {catchup['startup_s']} s before its API answered"
        + (
            " (it had caught up by then: the catch-up window includes its startup)."
            if catchup.get("startup_included")
            else "."
        ),
        "",
    ]
    return "\n".join(lines)


def write_sync_report(result: dict[str, Any], directory: Path, started: float) -> Path:
    """Write ``sync-<suite>-<V>v-<UTC time>.md`` into ``directory``."""
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / f"{result_stem('sync', result['suite'], result['validators'], started)}.md"
    path.write_text(sync_markdown(result), encoding="utf-8")
    return path


FLOOD_WINDOW_COLUMNS = (
    "window",
    "blocks/s",
    "blocks",
    "txs/s",
    "light txs committed",
    "light txs refused",
    "light p99 ms",
    "block interval s, flooded node proposing",
    "block interval s, others proposing",
    "blocks after a timed-out round",
    "nodes CPU %",
    "flood client CPU %",
    "machine CPU %",
)
FLOOD_NODE_COLUMNS = (
    "node",
    "flooded",
    "CPU % idle",
    "CPU % flood",
    "blocks idle",
    "blocks flood",
    "peak RSS MiB",
)
FLOOD_NODE_KEYS = (
    "name",
    "flooded",
    "cpu_percent_idle",
    "cpu_percent_flood",
    "blocks_idle",
    "blocks_flood",
    "peak_rss_mb",
)


NODE_COLUMNS_OF_RESULT = ("name", "role", "cpu_percent", "cpu_percent_at_max", "peak_rss_mb")


def _or_dash(value: object) -> object:
    return "-" if value is None else value


def _window_row(label: str, window: dict[str, Any]) -> list[object]:
    light = window["light_load"]
    return [
        label,
        window["blocks_per_s"],
        window["blocks"],
        window["txs_per_s"],
        light["committed"],
        sum(light["refused"].values()) + sum(light["errors"].values()),
        light["latency_ms_p99"],
        window["block_interval_s_flooded_proposing"],
        window["block_interval_s_others_proposing"],
        window["blocks_late_round"],
        window["nodes_cpu_percent_total"],
        window["flood_client_cpu_percent"],
        window["machine_cpu_percent"],
    ]


def _plural(count: int, thing: str) -> str:
    return f"{count} {thing}" + ("" if count == 1 else "s")


def _counts(counts: dict[str, int]) -> str:
    return ", ".join(f"{key} {value:,}" for key, value in counts.items()) or "none"


def _flood_answers(result: dict[str, Any]) -> list[str]:
    """The flood's requests and answers: a table of figures, then answers by kind."""
    client = result["flood_client"]
    latency = f"{_cell(result['latency_ms_p50'])} / {_cell(result['latency_ms_p99'])}"
    return [
        *_table(
            ["figure", "value"],
            [
                ["requests (answered or failed)", result["requests"]],
                ["requests per s", result["requests_per_s"]],
                ["answers by status", _counts(result["answers_by_status"])],
                ["429 share of answers", result["share_429"]],
                ["no answer", _counts(client["errors"])],
                ["error codes", _counts(client["codes"])],
                ["429/503 without Retry-After", client["retry_after_missing"]],
                ["latency p50 / p99 of answers (ms)", latency],
                ["txs in batches answered 200", _counts(client["txs_in_answered_batches"])],
            ],
        ),
        "",
        *_table(
            ["kind", "answers by status"],
            [[kind, _counts(counts)] for kind, counts in client["by_kind"].items()],
        ),
    ]


def flood_markdown(result: dict[str, Any]) -> str:
    """The API flood benchmark as Markdown: the two windows, the flood's answers, the nodes."""
    machine, limits, client = result["machine"], result["rate_limit"], result["flood_client"]
    met = "met" if result["target_met"] else "not met"
    lines = [
        f"# bench api-flood: {_plural(result['validators'], 'validator')}, {result['suite']}",
        "",
        f"{machine['cores']} cores ({machine['cpu']}), Python {machine['python']}, load average "
        f"at start {machine['load_average_at_start']}; two windows of {result['duration_s']:g} s, "
        f"light load {result['light_load']['tps']:g} tx/s to "
        f"{', '.join(result['light_load']['to'])}; {result['flooded_node']} flooded "
        f"({result['flood']}) from {client['source']} by {client['readers']} readers and "
        f"{client['submitters']} submitters (batches of {client['batch_txs']:,} fresh txs).",
        "",
        f"Rate limits of {result['flooded_node']} ({limits['values']}): reads "
        f"{limits['reads_per_s']:,}/s, submissions {limits['submissions_per_s']:,} txs/s, "
        f"burst {limits['burst_s']} s.",
        "",
        f"**block_rate_ratio {result['block_rate_ratio']}** (flood "
        f"{result['flood_blocks_per_s']} blocks/s / idle {result['idle_blocks_per_s']} "
        f"blocks/s); goal >= {result['target_ratio']}: {met}.",
        "",
        *_table(
            FLOOD_WINDOW_COLUMNS,
            [_window_row(name, window) for name, window in result["windows"].items()],
        ),
        "",
        "## The flood",
        "",
        *_flood_answers(result),
        "",
        "## Nodes",
        "",
        *_table(FLOOD_NODE_COLUMNS, [[n[k] for k in FLOOD_NODE_KEYS] for n in result["nodes"]]),
        "",
        "Blocks/s: blocks after the first one the light load's follower saw in the window, over "
        "the time from the first to the last. Block interval: mean time from the block before, "
        "by who proposed the block. Node blocks: its height at the window's end minus "
        "at its start (read from 127.0.0.1). CPU is percent of one core; machine CPU counts "
        "every process on the machine, ours and others'.",
        "",
    ]
    return "\n".join(lines)


def write_flood_report(result: dict[str, Any], directory: Path, started: float) -> Path:
    """Write ``api-flood-<suite>-<V>v-<UTC time>.md`` into ``directory``."""
    directory.mkdir(parents=True, exist_ok=True)
    stem = result_stem("api-flood", result["suite"], result["validators"], started)
    path = directory / f"{stem}.md"
    path.write_text(flood_markdown(result), encoding="utf-8")
    return path
