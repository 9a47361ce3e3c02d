"""``govchain monitor rules`` and ``monitor run``'s refusals (issue 19 item 3; F-E3, N-3)."""

from __future__ import annotations

import json
from pathlib import Path

from govchain.monitor.rules import RULES
from tests.govchain_cli import govchain, one_line_error


def test_monitor_rules_lists_every_rule_with_the_thresholds_in_force(tmp_path: Path) -> None:
    config = tmp_path / "monitor.toml"
    config.write_text('[thresholds]\nmissing_blocks = 7\n[rules]\ndisabled = ["disk_low"]\n')
    listed = json.loads(govchain("monitor", "rules", "--config", config, "--json").stdout)
    assert [item["id"] for item in listed] == [rule.id for rule in RULES]
    by_id = {item["id"]: item for item in listed}
    assert by_id["validator_missing"]["threshold"] == 7
    assert by_id["height_stalled"]["threshold"] == 30
    assert by_id["disk_low"]["enabled"] is False
    table = govchain("monitor", "rules").stdout
    assert "certificate_expiring" in table
    assert "certificate_days" in table


def test_monitor_refuses_bad_options_in_one_line(tmp_path: Path) -> None:
    bad = tmp_path / "monitor.toml"
    bad.write_text("[thresholds]\nround_max = -1\n")
    node = "http://127.0.0.1:9"
    cases: list[tuple[list[str | Path], str]] = [
        (["--config", bad], "round_max: expected a whole number 0..1000"),
        (["--webhook", "ftp://x"], "--webhook 'ftp://x': expected an http:// or https:// URL"),
        (["--poll-s", "0"], "--poll-s 0.0: expected 0.2..3600 seconds"),
        (["--metrics-port", "70000"], "--metrics-port 70000: expected 1..65535"),
    ]
    for extra, reason in cases:
        result = govchain("monitor", "run", "--node", node, *extra, check=False)
        assert reason in one_line_error(result), result.stderr
