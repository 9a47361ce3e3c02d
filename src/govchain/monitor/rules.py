"""The health rules (docs/spec/monitoring.md "Rules"): pure code over a snapshot.

:func:`evaluate` takes a :class:`Snapshot` and :class:`Thresholds` and
gives the firing ``(rule, subject)`` pairs, each with its severity and a
one-line detail (never personal data). Whole numbers only; the snapshot
carries the monitor's clock (``now_ms``), so nothing here reads time.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, fields

from govchain.types.errors import ValidationError

__all__ = [
    "DAY_MS",
    "RULES",
    "CertificateReading",
    "ChainReading",
    "Finding",
    "NodeReading",
    "Rule",
    "Snapshot",
    "Thresholds",
    "covered",
    "evaluate",
    "quorum_peers",
]

DAY_MS = 86_400_000
_THRESHOLD_MAX = 2**53


@dataclass(frozen=True, slots=True)
class Rule:
    """A published rule: its id, severity, what it reads, its threshold key, when it fires."""

    id: str
    severity: str
    reads: str
    key: str
    fires: str
    clears: str


RULES: tuple[Rule, ...] = (
    Rule("height_stalled", "critical", "each node's height", "height_stall_s",
         "a node's height has not grown (or it has not answered) for more than N s",
         "its height grows again"),
    Rule("peers_below_quorum", "warning", "each node's peers, validator count", "peers_min",
         "a node has fewer peers than the minimum (0: quorum, floor(2n/3))",
         "it has at least that many"),
    Rule("round_stuck", "warning", "each node's consensus round", "round_max",
         "a node's round at its height is above R", "its round is R or below"),
    Rule("mempool_full", "warning", "each node's mempool size and limit", "mempool_percent",
         "txs x 100 > P x limit", "txs x 100 <= P x limit"),
    Rule("validator_missing", "critical", "the last K commits, the validator set",
         "missing_blocks", "a validator of the set signed none of the last K commits",
         "it signs one of the last K"),
    Rule("evidence_committed", "critical", "followed consensus.evidence events",
         "evidence_window_blocks", "evidence against a validator committed < W blocks ago",
         "W blocks have passed"),
    Rule("certificate_expiring", "warning", "the API's expiring certificates, config PEM files",
         "certificate_days", "a certificate's not-after is within D days (or past)",
         "it is no longer listed"),
    Rule("disk_low", "critical", "each node's free bytes of its data dir",
         "disk_free_min_bytes", "free bytes below the minimum", "at or above it"),
    Rule("step_overdue", "warning", "followed workflow events and step records",
         "overdue_steps_max", "more than M open steps are flagged overdue (each fires)",
         "the step is done, answered, extended or its case closed"),
)  # fmt: skip
"""Every rule, in the order they are listed."""


@dataclass(frozen=True, slots=True)
class Thresholds:
    """The threshold of each rule (docs/spec/monitoring.md), and the rules turned off."""

    height_stall_s: int = 30
    peers_min: int = 0
    round_max: int = 3
    mempool_percent: int = 90
    missing_blocks: int = 5
    evidence_window_blocks: int = 1000
    certificate_days: int = 30
    disk_free_min_bytes: int = 1024**3
    overdue_steps_max: int = 0
    disabled: frozenset[str] = field(default_factory=frozenset)

    def validate(self) -> None:
        """Raise ValidationError naming the first key out of its range."""
        ranges = {
            "height_stall_s": (1, 86_400), "peers_min": (0, 1000), "round_max": (0, 1000),
            "mempool_percent": (1, 100), "missing_blocks": (1, 100),
            "evidence_window_blocks": (1, 10**9), "certificate_days": (1, 3650),
            "disk_free_min_bytes": (0, _THRESHOLD_MAX), "overdue_steps_max": (0, 10**6),
        }  # fmt: skip
        for key, (low, high) in ranges.items():
            value = getattr(self, key)
            if type(value) is not int or not low <= value <= high:
                raise ValidationError(f"{key}: expected a whole number {low}..{high}")
        unknown = sorted(self.disabled - {rule.id for rule in RULES})
        if unknown:
            raise ValidationError(f"rules.disabled: unknown rule {unknown[0]!r}")

    def as_dict(self) -> dict[str, int]:
        """The thresholds by key."""
        return {f.name: getattr(self, f.name) for f in fields(self) if f.name != "disabled"}


@dataclass(frozen=True, slots=True)
class NodeReading:
    """One node at one poll. ``answered`` False: only ``height_since_ms`` is meaningful."""

    name: str
    answered: bool
    height_since_ms: int
    """Monitor time when its height last grew (or, never seen, when watching began)."""
    height: int | None = None
    peers: int | None = None
    validators: int | None = None
    round: int | None = None
    mempool_txs: int | None = None
    mempool_limit: int | None = None
    free_bytes: int | None = None


@dataclass(frozen=True, slots=True)
class CertificateReading:
    """A certificate to watch: its subject (``kind:org:id`` or ``file:path``) and not-after."""

    subject: str
    not_after_ms: int
    window_from_ms: int
    """The time the D-day window starts from (chain certificates: the latest block's time)."""


@dataclass(frozen=True, slots=True)
class ChainReading:
    """The chain as one node sees it (None: no node answered)."""

    height: int
    validators: tuple[tuple[str, int], ...]
    """The set's addresses (hex) with ``votes_from``."""
    signers: tuple[frozenset[str], ...]
    """The signers of the commits of the latest blocks, newest first (up to K)."""
    evidence: tuple[tuple[str, int], ...]
    """The latest committed evidence height of each validator with evidence."""
    certificates: tuple[CertificateReading, ...]
    overdue_steps: tuple[str, ...]
    """Open steps flagged overdue, as ``<case hex>/<step>``."""


@dataclass(frozen=True, slots=True)
class Snapshot:
    """What one poll saw: the monitor's clock, every node, the chain."""

    now_ms: int
    nodes: tuple[NodeReading, ...]
    chain: ChainReading | None


@dataclass(frozen=True, slots=True)
class Finding:
    """A firing pair: its rule, subject, severity and one line saying what was seen."""

    rule: str
    subject: str
    severity: str
    detail: str


def quorum_peers(validators: int) -> int:
    """Peers a node needs so it and they make a 2/3+ quorum of ``validators``: floor(2n/3)."""
    return (2 * validators) // 3


_Check = Callable[[Snapshot, Thresholds], Iterator[tuple[str, str]]]


def _height_stalled(snap: Snapshot, limits: Thresholds) -> Iterator[tuple[str, str]]:
    for node in snap.nodes:
        still_s = (snap.now_ms - node.height_since_ms) // 1000
        if still_s > limits.height_stall_s:
            seen = f"height {node.height} unchanged" if node.answered else "no answer"
            yield node.name, f"{seen} for {still_s} s (limit {limits.height_stall_s} s)"


def _peers(snap: Snapshot, limits: Thresholds) -> Iterator[tuple[str, str]]:
    for node in snap.nodes:
        if node.peers is None or node.validators is None:
            continue
        need = limits.peers_min or quorum_peers(node.validators)
        if node.peers < need:
            yield node.name, f"{node.peers} peers, below {need}"


def _round(snap: Snapshot, limits: Thresholds) -> Iterator[tuple[str, str]]:
    for node in snap.nodes:
        if node.round is not None and node.round > limits.round_max:
            at = f"round {node.round} at height {node.height}"
            yield node.name, f"{at} (limit {limits.round_max})"


def _mempool(snap: Snapshot, limits: Thresholds) -> Iterator[tuple[str, str]]:
    for node in snap.nodes:
        txs, limit = node.mempool_txs, node.mempool_limit
        if txs is not None and limit and txs * 100 > limits.mempool_percent * limit:
            yield node.name, f"{txs} of {limit} txs waiting (limit {limits.mempool_percent} %)"


def _missing(snap: Snapshot, limits: Thresholds) -> Iterator[tuple[str, str]]:
    chain, k = snap.chain, limits.missing_blocks
    if chain is None or len(chain.signers) < k:
        return
    first = chain.height - k + 1
    for address, votes_from in chain.validators:
        if votes_from <= first and not any(address in s for s in chain.signers[:k]):
            yield address, f"signed none of the commits of heights {first}..{chain.height}"


def _evidence(snap: Snapshot, limits: Thresholds) -> Iterator[tuple[str, str]]:
    if snap.chain is None:
        return
    for validator, at in snap.chain.evidence:
        if snap.chain.height - at < limits.evidence_window_blocks:
            yield validator, f"duplicate-vote evidence committed at height {at}"


def _certificates(snap: Snapshot, limits: Thresholds) -> Iterator[tuple[str, str]]:
    if snap.chain is None:
        return
    for cert in snap.chain.certificates:
        left_ms = cert.not_after_ms - cert.window_from_ms
        if left_ms <= limits.certificate_days * DAY_MS:
            what = "expired" if left_ms < 0 else f"expires in {left_ms // DAY_MS} days"
            yield cert.subject, f"{what} (not after {cert.not_after_ms} ms)"


def _disk(snap: Snapshot, limits: Thresholds) -> Iterator[tuple[str, str]]:
    for node in snap.nodes:
        if node.free_bytes is not None and node.free_bytes < limits.disk_free_min_bytes:
            yield node.name, f"{node.free_bytes} bytes free (minimum {limits.disk_free_min_bytes})"


def _overdue(snap: Snapshot, limits: Thresholds) -> Iterator[tuple[str, str]]:
    if snap.chain is None or len(snap.chain.overdue_steps) <= limits.overdue_steps_max:
        return
    count = len(snap.chain.overdue_steps)
    for step in snap.chain.overdue_steps:
        yield step, f"flagged overdue and still open ({count} such steps)"


_CHECKS: dict[str, _Check] = {
    "height_stalled": _height_stalled,
    "peers_below_quorum": _peers,
    "round_stuck": _round,
    "mempool_full": _mempool,
    "validator_missing": _missing,
    "evidence_committed": _evidence,
    "certificate_expiring": _certificates,
    "disk_low": _disk,
    "step_overdue": _overdue,
}


def evaluate(snapshot: Snapshot, limits: Thresholds) -> dict[tuple[str, str], Finding]:
    """The firing pairs of every rule not disabled, keyed by ``(rule, subject)``, in rule order."""
    found: dict[tuple[str, str], Finding] = {}
    for rule in RULES:
        if rule.id in limits.disabled:
            continue
        for subject, detail in _CHECKS[rule.id](snapshot, limits):
            found.setdefault((rule.id, subject), Finding(rule.id, subject, rule.severity, detail))
    return found


_NODE_FIELDS = {
    "peers_below_quorum": "peers",
    "round_stuck": "round",
    "mempool_full": "mempool_txs",
    "disk_low": "free_bytes",
}


def covered(rule: str, snapshot: Snapshot, subject: str) -> bool:
    """Whether this poll had a reading for ``subject`` under ``rule``: without one, an open
    alert neither ends nor changes (a node that did not answer has no round)."""
    if rule == "height_stalled":
        return True
    reading = _NODE_FIELDS.get(rule)
    if reading is None:
        return snapshot.chain is not None
    node = next((n for n in snapshot.nodes if n.name == subject), None)
    return node is None or getattr(node, reading) is not None
