"""`govchain bench api-flood` end to end on a 1-validator network of processes (issue 13, N-5).

A short run: it checks the JSON and the result file, never the figures' size.
"""

from __future__ import annotations

import json
from pathlib import Path

from govchain.api.ratelimit import RateLimits
from tests.govchain_cli import govchain, one_line_error

FLOOD_KEYS = {
    "validators": int,
    "suite": str,
    "duration_s": float,
    "flood": str,
    "cores": int,
    "machine": dict,
    "idle_blocks_per_s": float,
    "flood_blocks_per_s": float,
    "block_rate_ratio": float,
    "target_ratio": float,
    "target_met": bool,
    "requests": int,
    "requests_per_s": float,
    "answered": int,
    "answers_by_status": dict,
    "share_429": float,
    "latency_ms_by_status": dict,
    "flooded_node": str,
    "rate_limit": dict,
    "flood_client": dict,
    "windows": dict,
    "nodes": list,
    "results_files": dict,
}
WINDOW_KEYS = {
    "blocks",
    "blocks_per_s",
    "txs_per_s",
    "light_load",
    "block_interval_s_by_proposer",
    "nodes_cpu_percent_total",
    "flood_client_cpu_percent",
    "machine_cpu_percent",
}


def test_bench_api_flood_json_results_and_file(tmp_path: Path) -> None:
    result = govchain(
        "bench", "api-flood", "--validators", "1", "--duration", "2", "--json",
        "--reads-per-s", "50", "--dir", tmp_path / "net", "--results-dir", tmp_path / "results",
    )  # fmt: skip
    report = json.loads(result.stdout)
    for key, kind in FLOOD_KEYS.items():
        assert isinstance(report[key], kind), (key, report[key])
    assert report["validators"] == 1
    assert report["flood"] == "both"
    assert report["target_ratio"] == 0.5
    assert report["idle_blocks_per_s"] > 0
    assert report["block_rate_ratio"] == round(
        report["flood_blocks_per_s"] / report["idle_blocks_per_s"], 3
    )
    assert report["requests"] == report["answered"] + report["no_answer"]
    assert sum(report["answers_by_status"].values()) == report["answered"] > 0
    assert isinstance(report["latency_ms_p50"], float)
    limits = report["rate_limit"]
    shipped = RateLimits()  # what net init writes: the documented defaults
    assert (limits["reads_per_s"], limits["submissions_per_s"]) == (50, shipped.submissions_per_s)
    assert limits["values"] == "bench values"
    assert limits["documented"]["reads_per_s"] == shipped.reads_per_s
    client = report["flood_client"]
    assert client["source"] == "127.0.0.2"
    assert set(client["by_kind"]) >= {"status", "block", "tx", "notary", "evidence", "batch"}
    assert set(report["windows"]) == {"idle", "flood"}
    for window in report["windows"].values():
        assert set(window) >= WINDOW_KEYS
    (node,) = report["nodes"]
    assert node["name"] == "node0"
    assert node["flooded"] is True
    assert node["cpu_percent_flood"] >= 0
    markdown = Path(report["results_files"]["markdown"])
    assert markdown.parent == tmp_path / "results"
    assert "bench api-flood" in markdown.read_text(encoding="utf-8")
    assert not list((tmp_path / "net").glob("node*/node.pid"))  # every node stopped


def test_bench_api_flood_refuses_an_unknown_flood_kind() -> None:
    refused = govchain("bench", "api-flood", "--flood", "writes", check=False)
    assert "--flood" in one_line_error(refused)
