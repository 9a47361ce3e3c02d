"""Result files from fixed figures: the Markdown says what the JSON says; the PNG is drawn."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from govchain.bench.report import (
    cluster_markdown,
    plot_steps,
    result_stem,
    sync_markdown,
    write_cluster_report,
    write_sync_report,
)

STARTED = 1_700_000_000.0
MACHINE = {
    "cores": 2,
    "cpu": "test cpu",
    "python": "3.11",
    "platform": "linux",
    "load_average_at_start": [0.1, 0.2, 0.3],
}


def _step(kind: str, offered: float, committed: float, sustained: bool) -> dict[str, Any]:
    return {
        "kind": kind,
        "offered_tps": offered,
        "committed_tps": committed,
        "latency_ms_p50": 120.5,
        "latency_ms_p99": None if not committed else 480.0,
        "submitted": 100,
        "committed": 90,
        "refused_total": 0 if sustained else 7,
        "behind": 0,
        "errors_total": 0,
        "nodes_cpu_percent_total": 150.0,
        "machine_cpu_percent": 190.0,
        "blocks": 12,
        "txs_per_block": 8.5,
        "sustained": sustained,
        "reason": "" if sustained else "committed 70% of the offered rate",
    }


def _cluster_result() -> dict[str, Any]:
    return {
        "validators": 4,
        "suite": "gm",
        "clients": 2,
        "duration_s": 30.0,
        "cores": 2,
        "machine": MACHINE,
        "tps": 84.2,
        "max_sustained_offered_tps": 84.4,
        "ramp_stop": "127 tx/s not sustained: committed 70% of the offered rate",
        "half_load_tps": 42.2,
        "half_load_committed_tps": 41.9,
        "latency_ms_p50": 190.4,
        "latency_ms_p99": 328.1,
        "verify_per_s_per_core": 2460.3,
        "verify_bound_tps": 1230.2,
        "bound_ratio": 0.068,
        "others_cpu_share": 0.02,
        "noisy": False,
        "targets": {"bound_ratio": 0.6, "latency_ms_p99": 1000},
        "targets_met": {"bound_ratio": False, "latency_ms_p99": True},
        "steps": [
            _step("ramp", 25.0, 24.7, True),
            _step("ramp", 84.4, 84.2, True),
            _step("ramp", 126.6, 88.0, False),
            _step("measure", 42.2, 41.9, True),
            _step("ramp", 190.0, 0.0, False),
        ],
        "nodes": [
            {
                "name": f"node{i}",
                "role": "validator",
                "cpu_percent": 24.2,
                "cpu_percent_at_max": 40.0,
                "peak_rss_mb": 81.9,
            }
            for i in range(4)
        ],
        "load_clients": {"cpu_percent": 22.0, "cpu_percent_at_max": 26.9, "peak_rss_mb": 76.3},
    }


def test_the_stem_names_the_benchmark_suite_size_and_utc_time() -> None:
    assert result_stem("cluster", "gm", 4, STARTED) == "cluster-gm-4v-20231114T221320Z"


def test_cluster_markdown_has_the_figures_targets_steps_and_nodes() -> None:
    text = cluster_markdown(_cluster_result())
    assert text.startswith("# bench cluster: 4 validators, gm")
    assert "| bound ratio = tps / verify bound | 0.068 |" in text
    assert "| latency p99 at half load (ms) | 328.1 |" in text
    assert "not met" in text
    assert "| ramp | 126.6 | 88.0 |" in text
    assert "committed 70% of the offered rate" in text
    assert text.count("| validator |") == 4
    assert "–" in text  # a figure that does not exist is a dash, never NaN
    assert "| CPU other processes took (share of the machine) | 0.02 |" in text
    assert "Noisy run" not in text
    noisy = cluster_markdown({**_cluster_result(), "others_cpu_share": 0.31, "noisy": True})
    assert "**Noisy run**" in noisy


def test_the_plot_is_a_png_from_fixed_figures(tmp_path: Path) -> None:
    path = plot_steps(_cluster_result()["steps"], tmp_path / "plot.png", "4 validators")
    data = path.read_bytes()
    assert data.startswith(b"\x89PNG\r\n\x1a\n")
    assert len(data) > 5000


def test_cluster_report_files_are_written_side_by_side(tmp_path: Path) -> None:
    markdown, png = write_cluster_report(_cluster_result(), tmp_path / "results", STARTED)
    assert markdown.name == "cluster-gm-4v-20231114T221320Z.md"
    assert png.with_suffix(".md") == markdown
    assert f"![plot]({png.name})" in markdown.read_text(encoding="utf-8")
    assert png.stat().st_size > 0


def test_sync_markdown_gives_both_rates_and_the_ratio(tmp_path: Path) -> None:
    window = {"blocks": 100, "txs": 2000, "seconds": 10.0, "blocks_per_s": 10.0, "txs_per_s": 200.0}
    result = {
        "validators": 4,
        "suite": "gm",
        "machine": MACHINE,
        "blocks": 300,
        "txs": 6000,
        "rate_tps": 50.0,
        "live": window,
        "catchup": {**window, "blocks_per_s": 40.0, "txs_per_s": 800.0, "startup_s": 1.5},
        "ratio_txs": 4.0,
        "ratio_blocks": 4.0,
        "target_ratio": 3.0,
        "target_met": True,
    }
    text = sync_markdown(result)
    assert "| catch-up (new full node) | 40.0 | 800.0 |" in text
    assert "target >= 3.0: met" in text
    path = write_sync_report(result, tmp_path, STARTED)
    assert path.name == "sync-gm-4v-20231114T221320Z.md"
    assert path.read_text(encoding="utf-8") == text
