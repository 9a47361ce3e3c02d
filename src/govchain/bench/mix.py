"""The application mixes ``bench cluster --mix`` offers, and the one interface to them.

N-1. A mix is a ratio of tx kinds (:data:`MIXES`); :func:`mix_source`
sets the network up for it (not timed: accounts, lockers, types, grants,
a process, cases, a contract) and returns a :class:`MixSource` whose
:meth:`MixSource.make` signs txs ahead of a step, exactly as ``TxSource``
does for notarizations, dealt in the mix's ratio. Txs of one step never
depend on each other: the load is open loop, so whatever a tx needs is
committed in the set-up (or between steps, when a step needs more of it).

The mixes, and why these ratios:

- ``notary``: ``notary.anchor`` only, the baseline.
- ``assets``: issue 2 : grant 3 : usage record 5. A licence, once issued,
  is shown to a few parties (banks, other departments) and each of them
  reads it a few times (every read is a usage record, F-C2).
- ``workflow``: application 1 : step result 3. The case process has three
  parallel steps (``mix_workflow``): one application, three results.
- ``contracts``: ``contracts.call`` of a small deployed contract only.
- ``mixed``: notarization 4 : issue 1 : grant 1 : usage record 2 : step
  result 1 : contract call 1. Notarization stays the largest part (evidence
  and documents are anchored all day); every application kind is there.

Every kind carries one signature (the sender's), so the bound of ``bench
cluster`` (one signature check per tx per validator) holds for every mix.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from govchain.bench.mix_assets import ASSET_KINDS, AssetKinds
from govchain.bench.mix_scene import ContractCalls, Made, MixChain
from govchain.bench.mix_workflow import WORKFLOW_KINDS, WorkflowKinds
from govchain.bench.network import BenchError, TxSource
from govchain.client.sdk import NodeClient
from govchain.client.submission import committed_receipt
from govchain.node.netinit import NetworkLayout
from govchain.types.errors import GovChainError

__all__ = [
    "MIXES",
    "MIX_NAMES",
    "MixSource",
    "ReceiptCheck",
    "check_receipts",
    "deal",
    "kind_counts",
    "kind_figures",
    "mix_source",
]

NOTARY = "notary.anchor"
MIXES: dict[str, dict[str, int]] = {
    "notary": {NOTARY: 1},
    "assets": {"assets.issue": 2, "grants.grant": 3, "grants.use": 5},
    "workflow": {"workflow.apply": 1, "workflow.step_result": 3},
    "contracts": {"contracts.call": 1},
    "mixed": {
        NOTARY: 4,
        "assets.issue": 1,
        "grants.grant": 1,
        "grants.use": 2,
        "workflow.step_result": 1,
        "contracts.call": 1,
    },
}
"""Mix name -> tx kind -> its weight (the share of a kind is its weight over the sum)."""
MIX_NAMES = tuple(MIXES)
RECEIPTS_PER_KIND = 20
"""Committed txs of each kind whose receipts are read after a run (status 0 expected)."""


class _KindMaker(Protocol):
    def make(self, kind: str, count: int) -> Made: ...


def deal(ratio: Mapping[str, int], dealt: Mapping[str, int], count: int) -> list[str]:
    """The kinds of the next ``count`` txs, in order, after ``dealt`` txs of each kind.

    Each next tx is of the kind furthest behind its share of everything dealt
    so far (ties: the kind named first in ``ratio``), so any run of txs keeps
    close to the ratio, the first few included. Integers only.
    """
    assert ratio, "a ratio names a kind"
    assert all(w > 0 for w in ratio.values()), "a ratio of positive weights"
    assert count >= 0, "a count is not negative"
    total_weight = sum(ratio.values())
    done = Counter({kind: dealt.get(kind, 0) for kind in ratio})
    total = sum(done.values())
    kinds: list[str] = []
    for _ in range(count):
        total += 1
        best, behind = "", 0
        for kind, weight in ratio.items():
            lag = weight * total - done[kind] * total_weight
            if not best or lag > behind:
                best, behind = kind, lag
        done[best] += 1
        kinds.append(best)
    return kinds


def kind_counts(hashes: Iterable[bytes], kind_of: Callable[[bytes], str]) -> dict[str, int]:
    """How many of ``hashes`` are of each kind (kinds in sorted order)."""
    counts = Counter(kind_of(h) for h in hashes)
    return dict(sorted(counts.items()))


class MixSource:
    """Signed txs of a mix, made ahead of use; what kind each made tx is."""

    def __init__(
        self, name: str, ratio: Mapping[str, int], makers: Mapping[str, Callable[[int], Made]]
    ) -> None:
        assert set(makers) == set(ratio), "one maker per kind of the ratio"
        self.name = name
        self.ratio = dict(ratio)
        self.kinds: tuple[str, ...] = tuple(ratio)
        self._makers = dict(makers)
        self._dealt: Counter[str] = Counter()
        self._kinds: dict[bytes, str] = {}

    def make(self, count: int) -> list[tuple[bytes, bytes]]:
        """``count`` fresh txs as (tx hash, encoded tx), kinds interleaved in the mix's ratio."""
        plan = deal(self.ratio, self._dealt, count)
        self._dealt.update(plan)
        wanted = Counter(plan)
        made = {kind: iter(self._makers[kind](wanted[kind])) for kind in self.kinds}
        txs = [next(made[kind]) for kind in plan]
        for (tx_hash, _), kind in zip(txs, plan, strict=True):
            self._kinds[tx_hash] = kind
        return txs

    def kind_of(self, tx_hash: bytes) -> str:
        """The kind of a tx this source made; BenchError for any other hash."""
        try:
            return self._kinds[tx_hash]
        except KeyError:
            raise BenchError(f"tx {tx_hash.hex()} was not made by the {self.name} mix") from None


def mix_source(name: str, layout: NetworkLayout, progress: Callable[[str], None]) -> MixSource:
    """Set the network up for mix ``name`` (committed, not timed) and return its source.

    BenchError for an unknown name, or when a set-up tx is refused or fails.
    """
    if name not in MIXES:
        raise BenchError(f"unknown mix {name!r}; use one of {', '.join(MIX_NAMES)}")
    ratio = MIXES[name]
    notary = TxSource(layout)
    makers: dict[str, Callable[[int], Made]] = {NOTARY: notary.make} if NOTARY in ratio else {}
    if set(ratio) - {NOTARY}:
        progress(f"setting up the {name} mix: {', '.join(k for k in ratio if k != NOTARY)}")
        chain = MixChain(layout, progress)
        for kinds, build in _KIND_GROUPS:
            if set(kinds) & set(ratio):
                group = build(chain)
                makers.update({k: _bound(group, k) for k in kinds if k in ratio})
    return MixSource(name, ratio, makers)


def _bound(group: _KindMaker, kind: str) -> Callable[[int], Made]:
    return lambda count: group.make(kind, count)


_KIND_GROUPS: tuple[tuple[tuple[str, ...], Callable[[MixChain], _KindMaker]], ...] = (
    (ASSET_KINDS, AssetKinds),
    (WORKFLOW_KINDS, WorkflowKinds),
    (ContractCalls.KINDS, ContractCalls),
)
"""The kinds each set-up serves, in the order the set-ups run."""


@dataclass(frozen=True)
class ReceiptCheck:
    """Receipts read of one kind: how many, how many failed, the first failure's error."""

    checked: int
    failed: int
    first_error: str

    def to_json(self) -> dict[str, Any]:
        """The JSON map."""
        return {"checked": self.checked, "failed": self.failed, "first_error": self.first_error}


def check_receipts(
    layout: NetworkLayout, committed: Mapping[str, Sequence[bytes]], timeout_s: float = 30.0
) -> dict[str, ReceiptCheck]:
    """Read the receipts of up to :data:`RECEIPTS_PER_KIND` committed txs of each kind.

    A committed tx that failed (status not 0) still costs the validators, but
    a mix that commits failures measures refusals, not the application.
    """
    urls = [n.api_url for n in layout.nodes if n.role == "validator"]
    checks: dict[str, ReceiptCheck] = {}
    with NodeClient(urls, ca_bundle=layout.ca_bundle, timeout_s=10) as node:
        for kind, hashes in sorted(committed.items()):
            failed, first = 0, ""
            sample = list(hashes)[-RECEIPTS_PER_KIND:]
            for tx_hash in sample:
                try:
                    receipt = committed_receipt(node, tx_hash, timeout_s)
                except GovChainError as exc:
                    failed, first = failed + 1, first or f"no receipt: {exc}"
                    continue
                if receipt.status != 0:
                    failed, first = failed + 1, first or receipt.error
            checks[kind] = ReceiptCheck(len(sample), failed, first)
    return checks


StepKinds = Mapping[str, Mapping[str, int]]
"""Tx kind -> {"scheduled": N, "committed": M} of one step."""


def kind_figures(
    source: MixSource,
    steps: Sequence[StepKinds],
    at_max: StepKinds,
    tps_at_max: float,
    receipts: Mapping[str, ReceiptCheck],
) -> dict[str, dict[str, Any]]:
    """Per kind of the mix: its weight and share, txs scheduled and committed over ``steps``,
    its part of the committed rate ``tps_at_max`` of the highest sustained step (whose kinds
    are ``at_max``), and the receipts read."""
    weights = sum(source.ratio.values())
    committed_at_max = sum(k.get("committed", 0) for k in at_max.values())
    figures: dict[str, dict[str, Any]] = {}
    for kind in source.kinds:
        done = at_max.get(kind, {}).get("committed", 0)
        check = receipts.get(kind, ReceiptCheck(0, 0, ""))
        figures[kind] = {
            "weight": source.ratio[kind],
            "share": round(source.ratio[kind] / weights, 3),
            "scheduled": sum(s.get(kind, {}).get("scheduled", 0) for s in steps),
            "committed": sum(s.get(kind, {}).get("committed", 0) for s in steps),
            "tps_at_max": round(tps_at_max * done / committed_at_max, 1)
            if committed_at_max
            else 0.0,
            "receipts": check.to_json(),
        }
    return figures
