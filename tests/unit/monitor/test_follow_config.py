"""The monitor's chain follower (series, overdue steps, evidence, resume) and its config file
(issue 19 item 3; F-E3)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from govchain.monitor.config import load_config
from govchain.monitor.follow import (
    STATE_FILE,
    ChainFollower,
    FollowState,
    FollowStateError,
    load_state,
    save_state,
)
from govchain.monitor.probes import metric_values
from govchain.types.errors import ValidationError

CASE = bytes.fromhex("0a" * 16)
VALIDATOR = bytes.fromhex("dd" * 20)


class FakeChain:
    """Blocks of events, and the step records as they are now."""

    def __init__(self) -> None:
        self.blocks: list[tuple[int, list[tuple[str, dict[str, Any]]]]] = []
        self.overdue_now: set[tuple[bytes, str]] = set()

    def latest_height(self) -> int:
        return len(self.blocks)

    def block_events(self, height: int) -> tuple[int, list[tuple[str, dict[str, Any]]]]:
        return self.blocks[height - 1]

    def step_overdue(self, case: bytes, step: str) -> bool:
        return (case, step) in self.overdue_now


def test_the_follower_counts_series_keeps_overdue_steps_and_evidence(tmp_path: Path) -> None:
    chain = FakeChain()
    chain.blocks = [
        (3, [("registry.account_added", {"kind": "staff"}),
             ("registry.subject_applied", {"kind": "enterprise"}),
             ("assets.issued", {"type": "11100000MB0143028R001"}),
             ("workflow.case_opened", {"case": CASE}),
             ("workflow.step_ready", {"case": CASE, "step": "licence"})]),
        (1, [("workflow.overdue", {"case": CASE, "step": "licence"}),
             ("consensus.evidence", {"validator": VALIDATOR})]),
    ]  # fmt: skip
    chain.overdue_now = {(CASE, "licence")}
    follower = ChainFollower(chain, FollowState("c1"), tmp_path)
    assert follower.poll() == 2
    state = follower.state
    assert (state.followed, state.txs) == (2, 4)
    assert state.series["accounts"] == {"staff": 1}
    assert state.series["subjects"] == {"enterprise": 1}
    assert state.series["assets"] == {"11100000MB0143028R001": 1}
    assert state.series["cases"] == {"opened": 1}
    assert state.series["steps"] == {"ready": 1, "overdue": 1}
    assert state.overdue == {f"{CASE.hex()}/licence"}
    assert state.evidence == {VALIDATOR.hex(): 2}

    # a restart resumes from the file; the step is answered, then the case closes
    resumed = ChainFollower(chain, load_state(tmp_path, "c1"), tmp_path)
    assert resumed.state.to_json() == state.to_json()
    chain.overdue_now = set()
    chain.blocks.append((1, [("workflow.step_done", {"case": CASE, "step": "licence"})]))
    chain.blocks.append((1, [("workflow.case_closed", {"case": CASE})]))
    resumed.poll()
    assert resumed.state.overdue == set()
    assert resumed.state.series["cases"] == {"opened": 1, "closed": 1}
    assert load_state(tmp_path, "c1").followed == 4


def test_case_closed_drops_its_overdue_steps() -> None:
    chain = FakeChain()
    chain.overdue_now = {(CASE, "seal")}
    chain.blocks = [
        (1, [("workflow.overdue", {"case": CASE, "step": "seal"})]),
        (1, [("workflow.case_closed", {"case": CASE})]),
    ]
    follower = ChainFollower(chain, FollowState("c1"), None)
    follower.poll()
    assert follower.state.overdue == set()


def test_a_state_file_of_another_chain_or_garbage_is_refused(tmp_path: Path) -> None:
    save_state(tmp_path, FollowState("c1", followed=3))
    with pytest.raises(FollowStateError, match="kept for chain 'c1', not 'c2'"):
        load_state(tmp_path, "c2")
    (tmp_path / STATE_FILE).write_text('{"format": "govchain/monitor-state/v1", "followed": -1}')
    with pytest.raises(FollowStateError, match="not a monitor state file"):
        load_state(tmp_path, "c1")
    assert load_state(tmp_path / "fresh", "c1").followed == 0


def test_metric_values_reads_the_node_gauges_the_rules_need() -> None:
    text = (
        "# TYPE govchain_consensus_round gauge\ngovchain_consensus_round 2.0\n"
        "# TYPE govchain_mempool_txs gauge\ngovchain_mempool_txs 17.0\n"
        "# TYPE govchain_mempool_limit_txs gauge\ngovchain_mempool_limit_txs 10000.0\n"
        "# TYPE govchain_data_free_bytes gauge\ngovchain_data_free_bytes 5.36870912e+09\n"
        "# TYPE govchain_peers gauge\ngovchain_peers 3.0\n"
    )
    assert metric_values(text) == {
        "round": 2, "mempool_txs": 17, "mempool_limit": 10000, "free_bytes": 5368709120,
    }  # fmt: skip


def test_the_config_file_sets_thresholds_disabled_rules_and_certificate_files(
    tmp_path: Path,
) -> None:
    path = tmp_path / "monitor.toml"
    path.write_text(
        "[thresholds]\nheight_stall_s = 5\nmissing_blocks = 2\n"
        '[rules]\ndisabled = ["disk_low"]\n[certificates]\nfiles = ["tls/api.pem"]\n'
    )
    config = load_config(path)
    assert (config.thresholds.height_stall_s, config.thresholds.missing_blocks) == (5, 2)
    assert config.thresholds.disabled == frozenset({"disk_low"})
    assert config.certificate_files == (tmp_path / "tls" / "api.pem",)
    assert load_config(None).thresholds.height_stall_s == 30


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("[thresholds]\nround_max = 1.5\n", "thresholds.round_max: expected a whole number"),
        ("[thresholds]\nroundmax = 1\n", "thresholds.roundmax: unknown key"),
        ("[alerts]\n", "alerts: unknown table"),
        ("[rules]\ndisabled = ['x']\n", "rules.disabled: unknown rule 'x'"),
        ("[thresholds]\nmempool_percent = 0\n", "mempool_percent: expected a whole number"),
        ("[thresholds\n", "not TOML"),
    ],
)
def test_a_bad_config_is_refused_naming_file_and_key(
    tmp_path: Path, text: str, message: str
) -> None:
    path = tmp_path / "monitor.toml"
    path.write_text(text)
    with pytest.raises(ValidationError, match=message) as caught:
        load_config(path)
    assert str(caught.value).startswith(str(path))
