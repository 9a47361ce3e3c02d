"""Pure figures of ``bench cluster``: percentiles, committed rate, backlog, verdicts, bound."""

from __future__ import annotations

import pytest

from govchain.bench.cluster import (
    backlog_growth_tps,
    committed_tps,
    judge_step,
    percentile,
    verify_bound_tps,
)
from govchain.bench.cluster_steps import StepFigures, is_noisy, others_cpu_share
from govchain.bench.loadclients import ClientStep, SeenBlock

DRAIN_S = 2.0


def _step(
    send_s: list[float],
    commit_s: list[float | None],
    seconds: float,
    *,
    refused: dict[str, int] | None = None,
    behind: int = 0,
    blocks: tuple[SeenBlock, ...] = (),
) -> ClientStep:
    refused = refused or {}
    scheduled = len(send_s) + sum(refused.values()) + behind
    return ClientStep(
        scheduled=scheduled,
        sent=len(send_s) + sum(refused.values()),
        behind=behind,
        late=0,
        unsent=0,
        accepted=len(send_s),
        refused=refused,
        errors={},
        send_s=tuple(send_s),
        commit_s=tuple(commit_s),
        blocks=blocks,
        start_at=0.0,
        seconds=seconds,
    )


def _kept_up(rate: float, seconds: float, latency_s: float) -> ClientStep:
    """Every tx committed ``latency_s`` after it was sent."""
    sends = [i / rate for i in range(int(rate * seconds))]
    return _step(sends, [s + latency_s for s in sends], seconds)


def _overloaded(rate: float, capacity: float, seconds: float) -> ClientStep:
    """Sent at ``rate``, committed first in first out at ``capacity``, cut off after the drain."""
    sends = [i / rate for i in range(int(rate * seconds))]
    commits: list[float | None] = []
    for i in range(len(sends)):
        at = i / capacity + 0.1
        commits.append(at if at <= seconds + DRAIN_S else None)
    return _step(sends, commits, seconds)


def test_percentile_interpolates_between_ranks() -> None:
    values = [float(v) for v in range(1, 101)]
    assert percentile(values, 50) == pytest.approx(50.5)
    assert percentile(values, 99) == pytest.approx(99.01)
    assert percentile(values, 0) == 1.0
    assert percentile(values, 100) == 100.0
    assert percentile([7.0], 99) == 7.0
    assert percentile([3.0, 1.0, 2.0], 50) == 2.0
    assert percentile([], 50) is None


def test_committed_rate_is_the_offered_rate_when_the_network_keeps_up() -> None:
    step = _kept_up(100, 3.0, latency_s=0.4)
    assert committed_tps(step) == pytest.approx(100, rel=0.02)
    assert backlog_growth_tps(step) == pytest.approx(0, abs=2)


def test_committed_rate_is_the_capacity_when_the_network_falls_behind() -> None:
    step = _overloaded(100, 60, 3.0)
    assert committed_tps(step) == pytest.approx(60, rel=0.05)
    assert backlog_growth_tps(step) == pytest.approx(40, rel=0.15)


def test_a_step_the_network_keeps_up_with_is_sustained() -> None:
    figures = judge_step(_kept_up(100, 3.0, 0.2), 100, DRAIN_S, "ramp")
    assert figures.sustained
    assert figures.reason == ""
    assert figures.committed == figures.accepted == figures.submitted == 300
    assert figures.latency_ms_p50 == pytest.approx(200)
    assert figures.latency_ms_p99 == pytest.approx(200)


def test_an_overloaded_step_is_not_sustained_and_says_why() -> None:
    figures = judge_step(_overloaded(100, 60, 3.0), 100, DRAIN_S, "ramp")
    assert not figures.sustained
    assert "committed 6" in figures.reason
    assert "backlog growing" in figures.reason
    assert "not committed" in figures.reason
    assert figures.committed < figures.accepted


def test_refusals_and_sends_left_behind_make_a_step_unsustained() -> None:
    kept_up = _kept_up(100, 3.0, 0.2)
    refused = _step(list(kept_up.send_s), list(kept_up.commit_s), 3.0, refused={"mempool_full": 30})
    figures = judge_step(refused, 100, DRAIN_S, "ramp")
    assert not figures.sustained
    assert "mempool_full 30" in figures.reason
    behind = _step(list(kept_up.send_s), list(kept_up.commit_s), 3.0, behind=30)
    figures = judge_step(behind, 100, DRAIN_S, "ramp")
    assert not figures.sustained
    assert "behind 30" in figures.reason
    few = _step(list(kept_up.send_s), list(kept_up.commit_s), 3.0, refused={"mempool_full": 2})
    assert judge_step(few, 100, DRAIN_S, "ramp").sustained


def test_a_step_with_nothing_committed_has_no_latency_and_zero_rate() -> None:
    step = _step([0.0, 0.5], [None, None], 1.0)
    figures = judge_step(step, 2, DRAIN_S, "ramp")
    assert figures.latency_ms_p50 is None
    assert figures.committed_tps == 0.0
    assert not figures.sustained


def test_block_figures_count_the_blocks_seen_while_the_step_sent() -> None:
    blocks = (
        SeenBlock(5, -0.2, 9, 0),
        SeenBlock(6, 0.5, 10, 0),
        SeenBlock(7, 1.5, 20, 1),
        SeenBlock(8, 3.5, 4, 0),
    )
    step = _kept_up(10, 2.0, 0.1)
    step = _step(list(step.send_s), list(step.commit_s), 2.0, blocks=blocks)
    figures = judge_step(step, 10, DRAIN_S, "ramp")
    assert figures.blocks == 2
    assert figures.txs_per_block == 15.0
    assert figures.blocks_late_round == 1
    row = figures.to_json()
    assert row["refused_total"] == 0
    assert row["kind"] == "ramp"


def test_the_verify_bound_shares_every_core_among_validators_that_each_check_every_tx() -> None:
    assert verify_bound_tps(2500.0, 2, 4) == 1250.0
    assert verify_bound_tps(3000.0, 8, 1) == 24000.0
    with pytest.raises(AssertionError):
        verify_bound_tps(3000.0, 2, 0)


def test_client_answers_merge_into_one_step() -> None:
    answer = {
        "scheduled": 3,
        "sent": 3,
        "behind": 0,
        "late": 1,
        "unsent": 0,
        "accepted": 2,
        "refused": {"mempool_full": 1},
        "errors": {},
        "send_s": [0.0, 0.1],
        "commit_s": [0.3, None],
        "blocks": [[4, 0.3, 1, 0]],
    }
    other = {**answer, "refused": {"mempool_full": 2, "tx_expired": 1}, "blocks": []}
    merged = ClientStep.merge([answer, other], start_at=10.0, seconds=1.0)
    assert merged.scheduled == 6
    assert merged.accepted == 4
    assert merged.committed == 2
    assert merged.refused == {"mempool_full": 3, "tx_expired": 1}
    assert merged.blocks == (SeenBlock(4, 0.3, 1, 0),)
    assert merged.start_at == 10.0


def test_commits_that_come_a_big_block_at_a_time_still_keep_up() -> None:
    rate, seconds, interval = 100.0, 2.0, 0.9
    sends = [i / rate for i in range(int(rate * seconds))]
    commits: list[float | None] = [
        (int((s + 0.15) / interval) + 1) * interval for s in sends
    ]  # the block after the tx arrives: a window as long as the step would miss most of one
    assert committed_tps(_step(sends, commits, seconds)) >= 0.9 * rate
    heights = sorted({c for c in commits if c is not None})
    blocks = tuple(
        SeenBlock(i + 1, at, sum(1 for c in commits if c == at), 0) for i, at in enumerate(heights)
    )
    figures = judge_step(_step(sends, commits, seconds, blocks=blocks), rate, DRAIN_S, "ramp")
    assert figures.sustained, figures.reason
    assert figures.committed == len(sends)


def test_others_share_is_what_the_machine_used_beyond_the_network_and_its_clients() -> None:
    """Issue 21: a run is noisy when others took more than 10% of the machine."""
    quiet = _figures(seconds=10.0, machine=150.0, nodes={"node0": 100.0, "node1": 40.0}, clients=8)
    busy = _figures(seconds=30.0, machine=190.0, nodes={"node0": 80.0, "node1": 30.0}, clients=10)
    assert others_cpu_share([quiet], cores=2) == pytest.approx(2 / 200)
    assert not is_noisy(others_cpu_share([quiet], cores=2))
    # (2 x 10 + 70 x 30) / (40 s x 200) = 0.265: weighed by each step's length
    assert others_cpu_share([quiet, busy], cores=2) == pytest.approx(2120 / 8000)
    assert is_noisy(others_cpu_share([quiet, busy], cores=2))
    assert others_cpu_share([], cores=2) == 0.0


def _figures(
    *, seconds: float, machine: float, nodes: dict[str, float], clients: float
) -> StepFigures:
    return StepFigures(
        kind="ramp", offered_tps=1.0, seconds=seconds, scheduled=1, submitted=1, accepted=1,
        committed=1, committed_tps=1.0, latency_ms_p50=None, latency_ms_p99=None, refused={},
        behind=0, late=0, errors={}, backlog_growth_tps=0.0, sustained=True, reason="", blocks=1,
        txs_per_block=1.0, blocks_late_round=0, nodes_cpu_percent=nodes,
        clients_cpu_percent=clients, machine_cpu_percent=machine,
    )  # fmt: skip
