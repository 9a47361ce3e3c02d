"""The kind bookkeeping of ``bench cluster --mix``: dealing a ratio, counting kinds, figures.

N-1, issue 21 item 6. No network: the makers are stand-ins that return made-up hashes.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from govchain.bench.loadclients import ClientStep
from govchain.bench.mix import (
    MIXES,
    MixSource,
    ReceiptCheck,
    deal,
    kind_counts,
    kind_figures,
    mix_source,
)
from govchain.bench.network import BenchError
from govchain.node.netinit import NetworkLayout

MIXED = MIXES["mixed"]


def test_mixes_name_the_kinds_the_brief_asks_for() -> None:
    assert set(MIXES) == {"notary", "assets", "workflow", "contracts", "mixed"}
    assert set(MIXES["notary"]) == {"notary.anchor"}
    assert set(MIXES["assets"]) == {"assets.issue", "grants.grant", "grants.use"}
    assert set(MIXES["workflow"]) == {"workflow.apply", "workflow.step_result"}
    assert set(MIXED) == {
        "notary.anchor", "assets.issue", "grants.grant", "grants.use",
        "workflow.step_result", "contracts.call",
    }  # fmt: skip


@pytest.mark.parametrize("name", sorted(MIXES))
def test_a_whole_round_of_weights_is_the_ratio_exactly(name: str) -> None:
    ratio = MIXES[name]
    rounds = 7
    kinds = deal(ratio, {}, rounds * sum(ratio.values()))
    assert Counter(kinds) == {kind: rounds * weight for kind, weight in ratio.items()}


def test_every_prefix_stays_within_one_tx_of_each_share() -> None:
    total_weight = sum(MIXED.values())
    kinds = deal(MIXED, {}, 500)
    seen: Counter[str] = Counter()
    for done, kind in enumerate(kinds, start=1):
        seen[kind] += 1
        for each, weight in MIXED.items():
            assert abs(seen[each] * total_weight - weight * done) <= total_weight, (done, each)


def test_dealing_goes_on_where_the_last_step_stopped() -> None:
    whole = deal(MIXED, {}, 37)
    first = deal(MIXED, {}, 3)
    rest = deal(MIXED, Counter(first), 34)
    assert first + rest == whole
    # a tiny step (the warm-up's few txs) does not skew the next ones
    assert deal(MIXED, {}, 1) == ["notary.anchor"]
    assert set(deal(MIXED, {}, 10)) == set(MIXED)


def test_dealing_nothing_and_ties() -> None:
    assert deal(MIXED, {}, 0) == []
    assert deal({"a": 1, "b": 1}, {}, 4) == ["a", "b", "a", "b"]
    assert deal({"b": 1, "a": 1}, {}, 2) == ["b", "a"]


class _Maker:
    """Made-up txs of one kind: hash = kind and a serial, encoded = b"tx"."""

    def __init__(self, kind: str) -> None:
        self.kind = kind
        self.asked: list[int] = []

    def __call__(self, count: int) -> list[tuple[bytes, bytes]]:
        first = sum(self.asked)
        self.asked.append(count)
        return [(f"{self.kind}/{first + i}".encode(), b"tx") for i in range(count)]


def _source(ratio: dict[str, int]) -> tuple[MixSource, dict[str, _Maker]]:
    makers = {kind: _Maker(kind) for kind in ratio}
    return MixSource("test", ratio, makers), makers


def test_a_source_interleaves_the_kinds_and_knows_each_hash() -> None:
    source, makers = _source(MIXED)
    assert source.kinds == tuple(MIXED)
    txs = source.make(20)
    assert len(txs) == 20
    assert len({h for h, _ in txs}) == 20
    for tx_hash, _ in txs:
        assert tx_hash.decode().startswith(source.kind_of(tx_hash) + "/")
    assert [source.kind_of(h) for h, _ in txs] == deal(MIXED, {}, 20)
    # each maker is asked once per step, for exactly its share
    assert {kind: maker.asked for kind, maker in makers.items()} == {
        kind: [2 * weight] for kind, weight in MIXED.items()
    }
    more = source.make(10)
    assert [source.kind_of(h) for h, _ in more] == deal(MIXED, {}, 30)[20:]


def test_a_hash_the_source_did_not_make_is_refused() -> None:
    source, _ = _source({"notary.anchor": 1})
    source.make(2)
    with pytest.raises(BenchError, match="not made by the test mix"):
        source.kind_of(b"\x00" * 32)


def test_kind_counts_and_committed_hashes() -> None:
    source, _ = _source({"a": 1, "b": 2})
    txs = source.make(6)
    hashes = [h for h, _ in txs]
    step = ClientStep(
        scheduled=6, sent=6, behind=0, late=0, unsent=0, accepted=4, refused={}, errors={},
        send_s=(0.1, 0.2, 0.3, 0.4), commit_s=(1.0, None, 1.1, 1.2), blocks=(),
        start_at=0.0, seconds=1.0, hashes=tuple(hashes[:4]),
    )  # fmt: skip
    assert step.committed_hashes == [hashes[0], hashes[2], hashes[3]]
    assert kind_counts(hashes, source.kind_of) == {"a": 2, "b": 4}
    committed = kind_counts(step.committed_hashes, source.kind_of)
    assert committed == Counter(source.kind_of(h) for h in (hashes[0], hashes[2], hashes[3]))


def test_kind_figures_split_the_rate_at_max_by_what_committed() -> None:
    source, _ = _source({"a": 1, "b": 3})
    steps = [
        {"a": {"scheduled": 10, "committed": 10}, "b": {"scheduled": 30, "committed": 29}},
        {"a": {"scheduled": 5, "committed": 5}, "b": {"scheduled": 15, "committed": 15}},
    ]
    receipts = {"a": ReceiptCheck(5, 1, "not_found: no asset"), "b": ReceiptCheck(20, 0, "")}
    figures = kind_figures(source, steps, steps[0], 78.0, receipts)
    assert figures["a"] == {
        "weight": 1, "share": 0.25, "scheduled": 15, "committed": 15, "tps_at_max": 20.0,
        "receipts": {"checked": 5, "failed": 1, "first_error": "not_found: no asset"},
    }  # fmt: skip
    assert figures["b"]["share"] == 0.75
    assert figures["b"]["committed"] == 44
    assert figures["b"]["tps_at_max"] == 58.0
    empty = kind_figures(source, [], {}, 0.0, {})
    assert empty["a"]["tps_at_max"] == 0.0
    assert empty["a"]["receipts"] == {"checked": 0, "failed": 0, "first_error": ""}


def test_an_unknown_mix_is_refused_before_anything_is_set_up(tmp_path: Path) -> None:
    layout = NetworkLayout(tmp_path, "gm", "govchain-bench", (), tmp_path / "client.pem")
    with pytest.raises(BenchError, match="unknown mix 'payroll'; use one of notary, assets"):
        mix_source("payroll", layout, lambda _text: None)
