"""Every health rule fires and clears over snapshots (issue 19 acceptance; F-E3, F-E6).

Each test drives a rule through the alert book: a snapshot that breaks the
rule starts one alert, a repeat changes nothing, a snapshot within the
threshold ends it.
"""

from __future__ import annotations

from dataclasses import replace

import pytest

from govchain.monitor.alerts import Alert, AlertBook
from govchain.monitor.rules import (
    DAY_MS,
    RULES,
    CertificateReading,
    ChainReading,
    NodeReading,
    Snapshot,
    Thresholds,
    covered,
    evaluate,
    quorum_peers,
)
from govchain.types.errors import ValidationError

T0 = 1_767_225_600_000  # 2026-01-01T00:00:00Z
A, B, C, D = "aa" * 20, "bb" * 20, "cc" * 20, "dd" * 20
LIMITS = Thresholds()


def node(name: str = "http://n1", **fields: object) -> NodeReading:
    base: dict[str, object] = {
        "answered": True, "height_since_ms": T0, "height": 10, "peers": 3, "validators": 4,
        "round": 0, "mempool_txs": 0, "mempool_limit": 10_000, "free_bytes": 10 * 1024**3,
    }  # fmt: skip
    base.update(fields)
    return NodeReading(name, **base)  # type: ignore[arg-type]


def chain(**fields: object) -> ChainReading:
    base: dict[str, object] = {
        "height": 10, "validators": ((A, 1), (B, 1), (C, 1), (D, 1)),
        "signers": (frozenset({A, B, C, D}),) * 5, "evidence": (), "certificates": (),
        "overdue_steps": (),
    }  # fmt: skip
    base.update(fields)
    return ChainReading(**base)  # type: ignore[arg-type]


def snap(now: int = T0, nodes: tuple[NodeReading, ...] | None = None, **chain_fields: object):  # type: ignore[no-untyped-def]
    return Snapshot(now, (node(),) if nodes is None else nodes, chain(**chain_fields))


class Book:
    """An alert book driven poll by poll, as the monitor drives it."""

    def __init__(self, limits: Thresholds = LIMITS) -> None:
        self.book = AlertBook([], 1)
        self.limits = limits

    def poll(self, snapshot: Snapshot) -> tuple[list[Alert], list[Alert]]:
        found = evaluate(snapshot, self.limits)
        return self.book.apply(
            found, snapshot.now_ms, 10, lambda rule, subject: covered(rule, snapshot, subject)
        )


def fires_then_clears(bad: Snapshot, good: Snapshot, rule: str, subject: str) -> Alert:
    """``bad`` starts one alert of (rule, subject); again: nothing new; ``good`` ends it."""
    book = Book()
    started, ended = book.poll(bad)
    assert [(a.rule, a.subject) for a in started] == [(rule, subject)], started
    assert ended == []
    assert book.poll(bad) == ([], [])
    started, ended = book.poll(good)
    assert started == []
    assert [(a.rule, a.subject, a.id) for a in ended] == [(rule, subject, 1)]
    assert ended[0].ended_at is not None
    assert ended[0].ended_height == 10
    return ended[0]


def test_the_rule_table_lists_every_threshold_key_once() -> None:
    keys = [rule.key for rule in RULES]
    assert sorted(keys) == sorted(LIMITS.as_dict())
    assert len({rule.id for rule in RULES}) == len(RULES) == 9


def test_a_healthy_snapshot_fires_nothing() -> None:
    assert evaluate(snap(), LIMITS) == {}


def test_height_stalled_fires_after_n_seconds_and_clears_when_the_height_grows() -> None:
    late = T0 + 31_000
    stalled = snap(late, (node(height_since_ms=T0),))
    grown = snap(late, (node(height=11, height_since_ms=late),))
    alert = fires_then_clears(stalled, grown, "height_stalled", "http://n1")
    assert alert.detail == "height 10 unchanged for 31 s (limit 30 s)"
    assert evaluate(snap(T0 + 30_000), LIMITS) == {}  # 30 s is not "more than 30 s"


def test_height_stalled_fires_for_a_node_that_does_not_answer() -> None:
    silent = NodeReading("http://n2", False, T0)
    found = evaluate(Snapshot(T0 + 40_000, (silent,), None), LIMITS)
    assert found[("height_stalled", "http://n2")].detail == "no answer for 40 s (limit 30 s)"


def test_peers_below_quorum_fires_and_clears() -> None:
    assert [quorum_peers(n) for n in (1, 4, 7)] == [0, 2, 4]
    alone = snap(nodes=(node(peers=1),))
    fires_then_clears(alone, snap(nodes=(node(peers=2),)), "peers_below_quorum", "http://n1")
    explicit = evaluate(snap(nodes=(node(peers=2),)), replace(LIMITS, peers_min=3))
    assert explicit[("peers_below_quorum", "http://n1")].detail == "2 peers, below 3"


def test_round_stuck_fires_above_r_and_clears() -> None:
    stuck = snap(nodes=(node(round=4),))
    fires_then_clears(stuck, snap(nodes=(node(round=3),)), "round_stuck", "http://n1")


def test_mempool_full_fires_above_p_percent_and_clears() -> None:
    full = snap(nodes=(node(mempool_txs=9001),))
    at_limit = snap(nodes=(node(mempool_txs=9000),))
    fires_then_clears(full, at_limit, "mempool_full", "http://n1")


def test_validator_missing_fires_when_absent_from_k_commits_and_clears_when_it_signs() -> None:
    without_d = (frozenset({A, B, C}),) * 5
    one_back = (frozenset({A, B, C, D}), *without_d[:4])
    alert = fires_then_clears(
        snap(signers=without_d), snap(signers=one_back), "validator_missing", D
    )
    assert alert.detail == "signed none of the commits of heights 6..10"
    # absent from 4 of 5: not yet; fewer than K commits known: no judgement
    assert evaluate(snap(signers=(*without_d[:4], frozenset({D}))), LIMITS) == {}
    assert evaluate(snap(signers=without_d[:4]), LIMITS) == {}


def test_validator_missing_skips_a_validator_added_within_the_window() -> None:
    without_d = (frozenset({A, B, C}),) * 5
    joined = snap(validators=((A, 1), (B, 1), (C, 1), (D, 8)), signers=without_d)
    assert evaluate(joined, LIMITS) == {}


def test_evidence_committed_fires_for_w_blocks() -> None:
    recorded = snap(evidence=((B, 10),))
    later = replace(recorded, chain=chain(height=1010, evidence=((B, 10),)))
    alert = fires_then_clears(recorded, later, "evidence_committed", B)
    assert alert.severity == "critical"
    assert evaluate(replace(recorded, chain=chain(height=1009, evidence=((B, 10),))), LIMITS)


def test_certificate_expiring_fires_within_d_days_and_clears_when_renewed() -> None:
    soon = CertificateReading("member_ca:91370102DEMO:ab12", T0 + 29 * DAY_MS, T0)
    renewed = CertificateReading("member_ca:91370102DEMO:ab12", T0 + 400 * DAY_MS, T0)
    alert = fires_then_clears(
        snap(certificates=(soon,)), snap(certificates=(renewed,)), "certificate_expiring",
        "member_ca:91370102DEMO:ab12",
    )  # fmt: skip
    assert alert.detail.startswith("expires in 29 days")
    expired = CertificateReading("file:/etc/tls.pem", T0 - 1, T0)
    found = evaluate(snap(certificates=(expired,)), LIMITS)
    assert found[("certificate_expiring", "file:/etc/tls.pem")].detail.startswith("expired")
    # a certificate no longer listed (revoked, removed) clears too
    fires_then_clears(snap(certificates=(soon,)), snap(), "certificate_expiring", soon.subject)


def test_disk_low_fires_below_the_minimum_and_clears() -> None:
    low = snap(nodes=(node(free_bytes=1024**3 - 1),))
    fires_then_clears(low, snap(nodes=(node(free_bytes=1024**3),)), "disk_low", "http://n1")


def test_step_overdue_fires_per_step_and_clears_when_it_is_no_longer_open() -> None:
    step = "0a" * 16 + "/licence"
    fires_then_clears(snap(overdue_steps=(step,)), snap(), "step_overdue", step)
    allowed = evaluate(snap(overdue_steps=(step,)), replace(LIMITS, overdue_steps_max=1))
    assert allowed == {}


def test_a_rule_without_a_reading_neither_fires_nor_clears() -> None:
    book = Book()
    book.poll(snap(nodes=(node(round=9),)))
    silent = Snapshot(T0 + 1000, (NodeReading("http://n1", False, T0 + 1000),), None)
    assert book.poll(silent) == ([], [])
    assert list(book.book.open) == [("round_stuck", "http://n1")]
    started, ended = book.poll(snap(signers=((frozenset({A, B, C}),) * 5)))
    assert [a.rule for a in started] == ["validator_missing"]
    assert [a.rule for a in ended] == ["round_stuck"]
    no_chain = Snapshot(T0, (node(),), None)
    assert book.poll(no_chain) == ([], [])
    assert list(book.book.open) == [("validator_missing", D)]


def test_a_disabled_rule_never_fires() -> None:
    limits = replace(LIMITS, disabled=frozenset({"round_stuck"}))
    assert evaluate(snap(nodes=(node(round=9),)), limits) == {}


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"mempool_percent": 0}, "mempool_percent: expected a whole number 1..100"),
        ({"missing_blocks": 101}, "missing_blocks: expected a whole number 1..100"),
        ({"height_stall_s": True}, "height_stall_s: expected a whole number 1..86400"),
        ({"disabled": frozenset({"nope"})}, "rules.disabled: unknown rule 'nope'"),
    ],
)
def test_thresholds_out_of_range_are_refused(change: dict[str, object], message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        replace(LIMITS, **change).validate()  # type: ignore[arg-type]
