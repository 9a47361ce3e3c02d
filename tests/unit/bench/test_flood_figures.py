"""Pure figures of ``bench api-flood`` (issue 13, N-5): block rates, their ratio, the flood's
answers, intervals by proposer, the fresh txs signed, and the Markdown that shows them."""

from __future__ import annotations

from typing import Any

import pytest

from govchain.bench.flood import BATCH_TXS, FLOOD_TXS_MAX, flood_tx_count
from govchain.bench.flood_figures import FloodRun, Window, flood_figures, intervals_by_proposer
from govchain.bench.floodgen import SUBMITTERS
from govchain.bench.loadclients import ClientStep, SeenBlock
from govchain.bench.report import flood_markdown, write_flood_report

NAMES = {"aa": "node0", "bb": "node1", "cc": "node2", "dd": "node3"}
PROPOSERS = ("aa", "bb", "cc", "dd")
DEFAULTS = {"reads_per_s": 500, "submissions_per_s": 2000, "burst_s": 2, "max_clients": 10_000}


def _window(gaps: list[float], seconds: float, *, first_height: int = 10) -> Window:
    """Blocks one after another at ``gaps`` from the one before, proposers taking turns."""
    at, blocks = 0.0, [SeenBlock(first_height, 0.0, 3, 0, PROPOSERS[first_height % 4])]
    for offset, gap in enumerate(gaps, start=1):
        at += gap
        height = first_height + offset
        blocks.append(SeenBlock(height, at, 3, 0, PROPOSERS[height % 4]))
    step = ClientStep(
        scheduled=20, sent=20, behind=0, late=0, unsent=0, accepted=20, refused={}, errors={},
        send_s=tuple(i / 20 for i in range(20)), commit_s=tuple(0.2 + i / 20 for i in range(20)),
        blocks=tuple(blocks), start_at=100.0, seconds=seconds,
    )  # fmt: skip
    heights = dict.fromkeys(NAMES.values(), first_height)
    after = dict.fromkeys(NAMES.values(), blocks[-1].height)
    cpu = {"node0": 50.0, "node1": 10.0, "node2": 10.0, "node3": 10.0, "floodgen": 30.0}
    return Window(step, heights, after, seconds + 1.0, {**cpu, "machine": 150.0})


def _summary() -> dict[str, Any]:
    return {
        "event": "flooded",
        "seconds": 10.0,
        "readers": 32,
        "submitters": 4,
        "sent": 110,
        "answered": 100,
        "unfinished": 3,
        "status": {"200": 60, "429": 30, "503": 10},
        "by_kind": {"status": {"200": 60}, "batch": {"429": 30}, "evidence": {"503": 10}},
        "codes": {"rate_limited": 30, "busy": 10},
        "errors": {"ReadTimeout": 10},
        "retry_after_missing": 0,
        "batch_txs": {"accepted": 1000},
        "latency_ms": {"200": [float(i) for i in range(1, 61)], "429": [1.0] * 30},
    }


def _run(idle: Window, flood: Window, limits: dict[str, int] | None = None) -> FloodRun:
    return FloodRun(
        validators=("node0", "node1", "node2", "node3"),
        light_to=("node1", "node2", "node3"),
        light_tps=20.0,
        drain_s=5.0,
        idle=idle,
        flood=flood,
        summary=_summary(),
        source="127.0.0.2",
        batch_txs=BATCH_TXS,
        batches=8,
        fresh_txs=8000,
        limits=limits or {**DEFAULTS, "reads_per_s": 100, "submissions_per_s": 100},
        documented=DEFAULTS,
        peak_rss_mb={"node0": 90.0},
        proposers=NAMES,
    )


def test_the_ratio_is_the_flood_block_rate_over_the_idle_one() -> None:
    idle = _window([0.2] * 40, seconds=10.0)  # 5 blocks/s
    flood = _window([0.2, 0.2, 0.2, 1.4] * 4, seconds=10.0)  # 16 blocks in 8 s
    figures = flood_figures(_run(idle, flood))
    assert figures["idle_blocks_per_s"] == 5.0
    assert figures["flood_blocks_per_s"] == 2.0
    assert figures["block_rate_ratio"] == 0.4
    assert figures["flooded_node"] == "node0"
    assert figures["light_load"] == {"tps": 20.0, "to": ["node1", "node2", "node3"],
                                     "blocks_seen_on": "node1"}  # fmt: skip


def test_the_flood_headline_counts_answers_by_status_and_the_429_share() -> None:
    figures = flood_figures(_run(_window([0.2] * 10, 5.0), _window([0.2] * 10, 5.0)))
    assert figures["requests"] == 110
    assert figures["requests_per_s"] == 11.0
    assert figures["answers_by_status"] == {"200": 60, "429": 30, "503": 10}
    assert figures["share_429"] == 0.3
    assert figures["no_answer"] == 10
    assert figures["latency_ms_p50"] == pytest.approx(15.5)  # of the 90 timed answers
    assert figures["latency_ms_by_status"]["429"] == {"p50": 1.0, "p99": 1.0}
    assert figures["flood_client"]["codes"] == {"rate_limited": 30, "busy": 10}
    assert figures["flood_client_cpu_percent"] == 30.0


def test_the_limits_say_whether_they_are_the_documented_defaults() -> None:
    window = _window([0.2] * 10, 5.0)
    bench = flood_figures(_run(window, window))["rate_limit"]
    assert bench["values"] == "bench values"
    assert bench["reads_per_s"] == 100
    assert bench["documented"] == DEFAULTS
    documented = flood_figures(_run(window, window, limits=dict(DEFAULTS)))["rate_limit"]
    assert documented["values"] == "documented defaults"


def test_a_block_interval_is_charged_to_its_proposer() -> None:
    # heights 11.. : proposer of height h is PROPOSERS[h % 4]; node0 ("aa") proposes 12, 16
    window = _window([0.2, 1.0, 0.2, 0.2, 0.2, 1.2, 0.2], seconds=10.0)
    intervals = intervals_by_proposer(window, NAMES)
    assert intervals["node0"] == pytest.approx((1.0, 1.2))
    assert intervals["node3"] == pytest.approx((0.2, 0.2))
    figures = flood_figures(_run(window, window))["windows"]["flood"]
    assert figures["block_interval_s_flooded_proposing"] == pytest.approx(1.1)
    assert figures["block_interval_s_others_proposing"] == pytest.approx(0.2)


def test_intervals_skip_gaps_in_the_heights_seen_and_blocks_outside_the_window() -> None:
    window = _window([0.2, 0.2, 0.2], seconds=0.45)  # the third block is after the window
    blocks = window.step.blocks
    gapped = Window(
        ClientStep(**{**window.step.__dict__, "blocks": (blocks[0], blocks[2])}),
        window.heights_before, window.heights_after, window.wall_s, window.cpu,
    )  # fmt: skip
    assert intervals_by_proposer(gapped, NAMES) == {}
    assert sum(len(v) for v in intervals_by_proposer(window, NAMES).values()) == 2


def test_each_node_reports_its_blocks_and_cpu_in_both_windows() -> None:
    idle, flood = _window([0.2] * 10, 5.0), _window([0.5] * 4, 5.0)
    nodes = flood_figures(_run(idle, flood))["nodes"]
    node0 = nodes[0]
    assert node0["name"] == "node0"
    assert node0["flooded"] is True
    assert [n["flooded"] for n in nodes[1:]] == [False, False, False]
    assert node0["blocks_idle"] == 10
    assert node0["blocks_flood"] == 4
    assert node0["blocks_per_s_flood"] == pytest.approx(4 / 6.0, abs=0.01)
    assert node0["cpu_percent_flood"] == 50.0
    assert node0["peak_rss_mb"] == 90.0


def test_a_flood_with_no_block_rates_zero() -> None:
    idle = _window([0.2] * 10, 5.0)
    stalled = _window([], 5.0)  # one block seen: no interval to rate
    figures = flood_figures(_run(idle, stalled))
    assert figures["flood_blocks_per_s"] == 0.0
    assert figures["block_rate_ratio"] == 0.0


def test_the_flood_signs_what_its_submission_limit_lets_in() -> None:
    # 100 tx/s over a 30 s window, its 5 s drain and a 2 s burst: 3,700, at least 8 batches
    assert flood_tx_count(100, 2, 30.0) == 2 * SUBMITTERS * BATCH_TXS
    assert flood_tx_count(2000, 2, 30.0) == 74 * BATCH_TXS
    assert flood_tx_count(2000, 2, 3600.0) == FLOOD_TXS_MAX
    assert flood_tx_count(0, 2, 5.0) == FLOOD_TXS_MAX  # unlimited: as many as it ever signs


def test_the_markdown_says_what_the_json_says(tmp_path: Any) -> None:
    idle = _window([0.2] * 40, seconds=10.0)
    flood = _window([0.2, 0.2, 0.2, 1.4] * 4, seconds=10.0)
    result = flood_figures(_run(idle, flood))
    machine = {"cores": 2, "cpu": "test cpu", "python": "3.11", "platform": "linux",
               "load_average_at_start": [0.1, 0.2, 0.3]}  # fmt: skip
    result.update(validators=4, suite="gm", duration_s=10.0, flood="both", cores=2,
                  machine=machine, target_ratio=0.5, target_met=False)  # fmt: skip
    text = flood_markdown(result)
    assert text.startswith("# bench api-flood: 4 validators, gm")
    assert "**block_rate_ratio 0.4** (flood 2.0 blocks/s / idle 5.0 blocks/s)" in text
    assert "goal >= 0.5: not met" in text
    assert "Rate limits of node0 (bench values): reads 100/s, submissions 100 txs/s" in text
    assert "| 429 share of answers | 0.3 |" in text
    assert "200 60, 429 30, 503 10" in text
    assert "| node0 | yes |" in text
    path = write_flood_report(result, tmp_path, 1_700_000_000.0)
    assert path.name == "api-flood-gm-4v-20231114T221320Z.md"
    assert path.read_text(encoding="utf-8") == text
