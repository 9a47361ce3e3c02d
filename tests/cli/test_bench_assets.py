"""`govchain bench assets` end to end at its smallest: 1 validator, 2 storage nodes, few assets.

It checks the JSON's shape, that every count is positive, that every read
through a grant or a code left one usage record on chain, and that the
network (storage nodes included) is stopped afterwards; never a figure's
size (issue 16 and issue 17 acceptance, F-C1, F-A1, F-C2, F-C3).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from govchain.node import launcher
from govchain.node.storage_layout import StorageNodeLayout
from tests.govchain_cli import govchain, one_line_error

PHASE_KEYS = {
    "count": int,
    "seconds": float,
    "per_s": float,
    "latency_ms_p50": float,
    "latency_ms_p99": float,
    "storage_ms_p50": (float, type(None)),
    "errors": dict,
    "cpu_percent": dict,
}
REPORT_KEYS = {
    "validators": int,
    "storage_nodes": int,
    "copies": int,
    "suite": str,
    "clients": int,
    "assets": int,
    "document_kib": int,
    "grants": int,
    "codes": int,
    "issue": dict,
    "fetch": dict,
    "grant": dict,
    "grant_fetch": dict,
    "code": dict,
    "code_fetch": dict,
    "unlock_ms_p50": float,
    "reads": int,
    "usage_records": int,
    "annotations_verified": int,
    "cores": int,
    "verify_per_s_per_core": float,
    "verify_bound_tps": float,
    "issue_bound_ratio": float,
    "fetch_bound_ratio": float,
    "grant_bound_ratio": float,
    "grant_fetch_bound_ratio": float,
    "code_bound_ratio": float,
    "code_fetch_bound_ratio": float,
    "machine": dict,
    "wall_s": float,
}


def test_bench_assets_json_issues_fetches_and_stops_everything(tmp_path: Path) -> None:
    net = tmp_path / "net"
    result = govchain(
        "bench", "assets", "--validators", "1", "--assets", "4", "--clients", "2",
        "--document-kib", "1", "--grants", "3", "--codes", "2", "--json", "--dir", net,
    )  # fmt: skip
    report = json.loads(result.stdout)
    for key, kind in REPORT_KEYS.items():
        assert isinstance(report[key], kind), (key, report[key])
    assert (report["validators"], report["storage_nodes"], report["copies"]) == (1, 2, 2)
    done = {"issue": 4, "fetch": 4, "grant": 3, "grant_fetch": 3, "code": 2, "code_fetch": 2}
    for phase, count in done.items():
        figures = report[phase]
        for key, kind in PHASE_KEYS.items():
            assert isinstance(figures[key], kind), (phase, key, figures[key])
        assert figures["count"] == count, (phase, figures)
        assert figures["errors"] == {}
        assert figures["per_s"] > 0
        assert set(figures["cpu_percent"]) == {"validators", "storage_nodes", "clients", "machine"}
        assert figures["cpu_percent"]["clients"] > 0
    for phase in ("issue", "fetch", "grant_fetch", "code_fetch"):  # the phases that PUT or GET
        assert report[phase]["storage_ms_p50"] > 0, phase
    for phase in ("grant", "code"):  # on chain only
        assert report[phase]["storage_ms_p50"] is None, phase
    # every read through a grant or a code made exactly one usage record, and the first
    # read's annotated copy (one of every ten) verified offline
    assert report["reads"] == 3 + 2
    assert report["usage_records"] == report["reads"]
    assert report["annotations_verified"] == 1
    bound = report["verify_per_s_per_core"] * report["cores"] / report["validators"]
    assert report["verify_bound_tps"] == pytest.approx(bound, abs=0.2)
    for phase in done:
        ratio = report[f"{phase}_bound_ratio"]
        assert ratio == pytest.approx(report[phase]["per_s"] / bound, abs=1e-3), phase
    assert report["network_dir"] == str(net)
    layout = json.loads((net / "network.json").read_text("utf-8"))
    storage = [StorageNodeLayout.from_json(s) for s in layout["storage_nodes"]]
    assert [s.name for s in storage] == ["storage1", "storage2"]
    for node in storage:  # 4 assets and 3 lockers' keys (2 holders, the bank), on both; stopped
        blobs = [p for p in (node.home / "blobs").rglob("*") if p.is_file()]
        assert len(blobs) == 4 + 3, node.name
        assert launcher.running_pid(node.home, launcher.STORAGE_COMMAND) is None
    assert launcher.running_pid(net / "node0") is None


def test_bench_assets_refuses_more_copies_than_storage_nodes() -> None:
    result = govchain("bench", "assets", "--storage-nodes", "1", "--copies", "2", check=False)
    assert "--copies" in one_line_error(result)
