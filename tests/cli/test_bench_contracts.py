"""`govchain bench contracts` end to end at its smallest: 1 validator, a few calls.

It checks the JSON's shape, that every offered call and notarization was committed, that the
fuel per call is what the receipts said, and that the network is stopped afterwards; never a
figure's size (issue 20 acceptance, F-D2).
"""

from __future__ import annotations

import json
from pathlib import Path

from tests.govchain_cli import govchain, one_line_error

PHASE_KEYS = {
    "offered": int,
    "committed": int,
    "failed": int,
    "blocks": int,
    "seconds": float,
    "per_s": float,
    "send_s": float,
    "first_error": str,
}
REPORT_KEYS = {
    "validators": int,
    "suite": str,
    "contract": str,
    "method": str,
    "module_bytes": int,
    "calls": dict,
    "notarizations": dict,
    "calls_per_s": float,
    "notarizations_per_s": float,
    "calls_to_notarizations": float,
    "fuel_per_call": int,
    "fuel_per_call_min": int,
    "fuel_per_call_max": int,
    "tx_fuel": int,
    "block_fuel": int,
    "calls_per_block_fuel": int,
    "cores": int,
    "machine": dict,
}


def test_f_d2_bench_contracts_json_compares_calls_with_notarizations(tmp_path: Path) -> None:
    result = govchain(
        "bench", "contracts", "--validators", "1", "--calls", "12", "--notarizations", "8",
        "--json", "--dir", tmp_path / "net",
    )  # fmt: skip
    report = json.loads(result.stdout)
    for key, kind in REPORT_KEYS.items():
        assert isinstance(report[key], kind), (key, report[key])
    for phase, offered in (("calls", 12), ("notarizations", 8)):
        figures = report[phase]
        for key, kind in PHASE_KEYS.items():
            assert isinstance(figures[key], kind), (phase, key, figures[key])
        assert figures["offered"] == figures["committed"] == offered, figures
        assert figures["failed"] == 0
        assert figures["first_error"] == ""
        assert figures["blocks"] >= 1
        assert figures["per_s"] > 0
    assert report["calls_per_s"] == report["calls"]["per_s"]
    assert report["validators"] == 1
    # the first call finds no counter, the others read one: each read costs its bytes' fuel
    assert 0 < report["fuel_per_call_min"] < report["fuel_per_call_max"]
    assert report["fuel_per_call"] == report["fuel_per_call_max"]
    assert report["calls_per_block_fuel"] == report["block_fuel"] // report["fuel_per_call"]
    assert (tmp_path / "net" / "network.json").exists()  # --dir is kept
    assert not list((tmp_path / "net").glob("node*/node.pid"))  # and every node stopped


def test_bench_contracts_refuses_an_unknown_suite_and_a_used_directory(tmp_path: Path) -> None:
    unknown = govchain("bench", "contracts", "--suite", "rot13", check=False)
    assert "--suite" in one_line_error(unknown)
    used = tmp_path / "used"
    used.mkdir()
    (used / "file").write_text("x")
    taken = govchain("bench", "contracts", "--dir", used, "--calls", "2", check=False)
    assert "not empty" in one_line_error(taken)
