"""`govchain bench ledger` reports the figures the ledger issue names (values are not judged)."""

from __future__ import annotations

from govchain.bench.ledger import run_ledger_bench


def test_bench_ledger_reports_every_figure() -> None:
    steps: list[str] = []
    result = run_ledger_bench([500, 1500], "intl", steps.append)
    assert set(result["state_tree"]) == {"500", "1500"}
    for figures in result["state_tree"].values():
        assert figures["writes_per_s"] > 0
        assert figures["proofs_per_s"] > 0
    assert result["block_commit_ms"] > 0
    assert result["verify_1000_ms"] > 0
    assert result["commit_to_verify_ratio"] > 0
    assert len(steps) == 3
