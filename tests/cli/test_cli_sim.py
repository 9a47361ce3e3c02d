"""`govchain sim` as a user runs it: exit codes and the JSON the issue fixes (F-A2)."""

from __future__ import annotations

import json

from tests.govchain_cli import govchain, one_line_error

KEYS = {
    "seeds_run",
    "validators",
    "byzantine",
    "heights_committed",
    "safety_violations",
    "liveness_failures",
    "faults_injected",
    "mutant",
    "mutant_caught",
    "mutant_catches",
    "seeds_per_catch",
    "first_catch_seed",
}


def test_sim_json_reports_a_clean_run_and_exits_0() -> None:
    result = govchain("sim", "--seeds", "3", "--validators", "4", "--json")
    report = json.loads(result.stdout)
    assert set(report) >= KEYS
    assert report["seeds_run"] == 3
    assert report["byzantine"] == 1
    assert report["safety_violations"] == 0
    assert report["liveness_failures"] == 0
    assert report["mutant"] is None
    assert report["mutant_caught"] is False
    assert report["mutant_catches"] == 0
    assert report["seeds_per_catch"] is None
    assert report["first_catch_seed"] is None
    assert report["heights_committed"] > 0
    assert report["faults_injected"]["messages"] > 0


def test_sim_with_a_mutant_runs_every_seed_reports_its_catch_rate_and_the_smallest_failure() -> (
    None
):
    result = govchain("sim", "--seeds", "3", "--mutant", "skip-sig-check", "--json")
    report = json.loads(result.stdout)
    assert report["mutant"] == "skip-sig-check"
    assert report["mutant_caught"] is True
    assert report["seeds_run"] == 3  # every seed, not only up to the first catch
    catches = report["mutant_catches"]
    assert 1 <= catches <= report["safety_violations"]
    assert report["seeds_per_catch"] == round(3 / catches, 2)
    assert report["first_catch_seed"] in report["failed_seeds"]
    smallest = report["smallest_failure"]
    assert smallest["seed"] == report["first_catch_seed"]
    assert smallest["violations"]
    assert smallest["trace"]


def test_sim_text_output_shows_the_catch_rate_and_exits_1_when_a_mutant_escapes() -> None:
    # seed 0 of ignore-lock: its split-lock attack is disturbed by crashes, and no seed
    # catches the mutant, so the command fails and the rate shows no catch
    result = govchain("sim", "--seeds", "1", "--mutant", "ignore-lock", check=False)
    assert result.returncode == 1, result.stderr
    rows = {
        line.split()[1]: line.split()[3]
        for line in result.stdout.splitlines()
        if len(line.split()) == 5 and line.split()[0] == "│"
    }
    assert rows["mutant_caught"] == "NO"
    assert rows["mutant_catches"] == "0"
    assert rows["seeds_per_catch"] == "-"
    assert rows["first_catch_seed"] == "-"


def test_sim_text_output_has_tables() -> None:
    result = govchain("sim", "--seeds", "2", "--validators", "1")
    assert "seeds_run" in result.stdout
    assert "faults injected" in result.stdout


def test_sim_refuses_more_byzantine_validators_than_tolerated_and_unknown_mutants() -> None:
    over = govchain("sim", "--seeds", "1", "--validators", "4", "--byzantine", "2", check=False)
    assert "at most f = 1" in one_line_error(over)
    unknown = govchain("sim", "--seeds", "1", "--mutant", "no-such-rule", check=False)
    assert "expected one of" in one_line_error(unknown)


def test_sim_with_set_changes_reports_them_and_refuses_the_fourth_mutant_without() -> None:
    """Issue 15: `govchain sim --set-changes`; the fourth mutant needs the set to change."""
    clean = json.loads(govchain("sim", "--seeds", "2", "--set-changes", "--json").stdout)
    assert clean["set_changes"] is True
    assert clean["safety_violations"] == 0
    assert clean["liveness_failures"] == 0
    assert clean["faults_injected"]["set_changes_made"] > 0
    refused = govchain("sim", "--seeds", "1", "--mutant", "wrong-height-set", check=False)
    assert "--set-changes" in one_line_error(refused)
