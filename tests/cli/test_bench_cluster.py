"""`govchain bench cluster` and `bench sync` end to end on a 1-validator network of processes.

Short runs: they check the JSON the issue fixes and the result files, never the figures' size.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tests.govchain_cli import govchain, one_line_error

CLUSTER_KEYS = {
    "validators": int,
    "suite": str,
    "clients": int,
    "duration_s": float,
    "cores": int,
    "tps": float,
    "latency_ms_p50": float,
    "latency_ms_p99": float,
    "half_load_tps": float,
    "verify_per_s_per_core": float,
    "verify_bound_tps": float,
    "bound_ratio": float,
    "targets": dict,
    "targets_met": dict,
    "steps": list,
    "nodes": list,
    "machine": dict,
    "results_files": dict,
}
STEP_KEYS = {
    "kind",
    "offered_tps",
    "committed_tps",
    "latency_ms_p50",
    "latency_ms_p99",
    "submitted",
    "committed",
    "refused",
    "behind",
    "sustained",
}


def test_bench_cluster_json_results_and_files(tmp_path: Path) -> None:
    """One short run of the mixed load (issue 21 item 6) checks the JSON and files of every
    mix and the per-kind figures: a run per mix would cost half a minute each."""
    result = govchain(
        "bench", "cluster", "--validators", "1", "--duration", "5", "--clients", "1",
        "--mix", "mixed",
        "--json", "--dir", tmp_path / "net", "--results-dir", tmp_path / "results",
    )  # fmt: skip
    report = json.loads(result.stdout)
    for key, kind in CLUSTER_KEYS.items():
        assert isinstance(report[key], kind), (key, report[key])
    assert report["validators"] == 1
    assert report["suite"] == "gm"
    assert report["tps"] > 0
    assert report["targets"] == {"bound_ratio": 0.6, "latency_ms_p99": 1000}
    assert set(report["targets_met"]) == {"bound_ratio", "latency_ms_p99"}
    bound = report["verify_per_s_per_core"] * report["cores"] / report["validators"]
    assert report["verify_bound_tps"] == pytest.approx(bound, abs=0.2)
    assert report["bound_ratio"] == pytest.approx(report["tps"] / bound, abs=0.002)
    assert [s["kind"] for s in report["steps"]][-1] == "measure"
    for step in report["steps"]:
        assert set(step) >= STEP_KEYS
        assert step["committed"] <= step["submitted"]
    assert report["committed"] <= report["submitted"]
    (node,) = report["nodes"]
    assert node["name"] == "node0"
    assert node["peak_rss_mb"] > 0
    assert 0 < node["peak_anon_mb"] <= node["peak_rss_mb"]  # the heap, without mapped files
    assert node["cpu_percent"] >= 0
    markdown = Path(report["results_files"]["markdown"])
    png = Path(report["results_files"]["png"])
    assert markdown.parent == png.parent == tmp_path / "results"
    assert "bench cluster" in markdown.read_text(encoding="utf-8")
    assert png.read_bytes().startswith(b"\x89PNG")
    assert (tmp_path / "net" / "network.json").exists()  # --dir is kept
    assert not list((tmp_path / "net").glob("node*/node.pid"))  # and every node stopped
    _check_every_kind_committed(report)


def _check_every_kind_committed(report: dict[str, Any]) -> None:
    """``--mix mixed`` set up and offered every kind, each committed and executed (a sample
    of its receipts read back with status 0), counted per kind and per step (N-1)."""
    assert report["mix"] == "mixed"
    kinds = report["kinds"]
    assert set(kinds) == {
        "notary.anchor", "assets.issue", "grants.grant", "grants.use",
        "workflow.step_result", "contracts.call",
    }  # fmt: skip
    for kind, figures in kinds.items():
        assert figures["committed"] > 0, kind
        assert figures["committed"] <= figures["scheduled"], kind
        assert figures["receipts"]["checked"] > 0, kind
        assert figures["receipts"]["failed"] == 0, (kind, figures["receipts"])
    assert sum(k["share"] for k in kinds.values()) == pytest.approx(1.0)
    assert sum(k["committed"] for k in kinds.values()) == report["committed"]
    for step in report["steps"]:
        assert sum(k["committed"] for k in step["kinds"].values()) == step["committed"]
        assert sum(k["scheduled"] for k in step["kinds"].values()) == step["scheduled"]
    markdown = Path(report["results_files"]["markdown"]).read_text(encoding="utf-8")
    assert "mix mixed" in markdown
    assert "| grants.use |" in markdown


def test_bench_sync_json_compares_catch_up_with_the_live_rate(tmp_path: Path) -> None:
    result = govchain(
        "bench", "sync", "--validators", "1", "--blocks", "15", "--clients", "1", "--json",
        "--results-dir", tmp_path,
    )  # fmt: skip
    report = json.loads(result.stdout)
    assert report["blocks"] >= 15
    assert report["txs"] > 0
    for window in ("live", "catchup"):
        assert set(report[window]) >= {"blocks", "txs", "seconds", "blocks_per_s", "txs_per_s"}
    assert report["catchup"]["blocks"] > 0
    assert report["live"]["txs_per_s"] > 0
    assert isinstance(report["ratio_txs"], float)
    assert isinstance(report["ratio_blocks"], float)
    assert report["target_ratio"] == 3.0
    assert isinstance(report["target_met"], bool)
    assert Path(report["results_files"]["markdown"]).exists()


def test_bench_cluster_refuses_an_unknown_suite_and_a_used_directory(tmp_path: Path) -> None:
    unknown = govchain("bench", "cluster", "--suite", "rot13", check=False)
    assert "--suite" in one_line_error(unknown)
    no_mix = govchain("bench", "cluster", "--mix", "payroll", check=False)
    assert "--mix: expected one of notary, assets, workflow, contracts, mixed" in one_line_error(
        no_mix
    )
    used = tmp_path / "used"
    used.mkdir()
    (used / "file").write_text("x")
    taken = govchain("bench", "cluster", "--dir", used, "--duration", "5", check=False)
    assert "not empty" in one_line_error(taken)
