"""The monitor's chain follower: series, open overdue steps and evidence from committed events.

docs/spec/monitoring.md "The monitor's state". :class:`ChainFollower`
reads the blocks after its followed height (at most ``BLOCKS_PER_POLL`` a
poll) through a :class:`FollowedChain` and counts: txs, accounts and
subjects by kind, e-licences by type, cases opened and closed, steps made
ready and flagged overdue. It keeps the steps flagged overdue that are
still open (each step event re-reads the step record, which decides) and
the latest evidence height of each validator. :class:`FollowState` is
saved to ``monitor.json`` atomically after every poll that changed it.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from govchain.crypto.keyfiles import write_file_atomic
from govchain.types.errors import GovChainError, ValidationError

__all__ = [
    "BLOCKS_PER_POLL",
    "LABELS_MAX",
    "OVERDUE_STEPS_MAX",
    "STATE_FILE",
    "ChainFollower",
    "FollowState",
    "FollowStateError",
    "FollowedChain",
    "load_state",
    "save_state",
]

STATE_FILE = "monitor.json"
STATE_FORMAT = "govchain/monitor-state/v1"
BLOCKS_PER_POLL = 200
LABELS_MAX = 1000
"""Label values one series keeps; more are counted under ``other``."""
OVERDUE_STEPS_MAX = 100_000
_FILE_BYTES_MAX = 64 * 1024 * 1024
_SERIES = ("accounts", "subjects", "assets", "cases", "steps")
_STEP_EVENTS = (
    "workflow.step_ready", "workflow.step_done", "workflow.overdue", "workflow.intervention",
)  # fmt: skip
EVIDENCE_EVENT = "consensus.evidence"


class FollowStateError(GovChainError):
    """The state file cannot be read or written: the message names it and says why."""

    code = "monitor_state"


class FollowedChain(Protocol):
    """The chain as the follower reads it (blocking calls)."""

    def latest_height(self) -> int:
        """The latest committed height (0 before the first block)."""
        ...

    def block_events(self, height: int) -> tuple[int, list[tuple[str, dict[str, Any]]]]:
        """Block ``height``'s tx count and the events of its successful txs, in order."""
        ...

    def step_overdue(self, case: bytes, step: str) -> bool:
        """Whether the step is open (ready or returned) and flagged overdue (False: absent)."""
        ...


@dataclass
class FollowState:
    """What the follower knows of chain ``chain_id`` up to height ``followed``."""

    chain_id: str
    followed: int = 0
    txs: int = 0
    series: dict[str, dict[str, int]] = field(default_factory=lambda: {s: {} for s in _SERIES})
    overdue: set[str] = field(default_factory=set)
    """Open steps flagged overdue, as ``<case hex>/<step>``."""
    evidence: dict[str, int] = field(default_factory=dict)
    """Validator address (hex) -> the height of the latest block that recorded evidence."""

    def to_json(self) -> dict[str, Any]:
        """The state file's JSON object."""
        return {
            "format": STATE_FORMAT, "chain_id": self.chain_id, "followed": self.followed,
            "txs": self.txs, "series": self.series, "overdue": sorted(self.overdue),
            "evidence": dict(sorted(self.evidence.items())),
        }  # fmt: skip

    @classmethod
    def from_json(cls, obj: object) -> FollowState:
        """Parse and check a state file's object; ValidationError says what is wrong."""
        if not isinstance(obj, dict) or obj.get("format") != STATE_FORMAT:
            raise ValidationError(f"expected a JSON object of format {STATE_FORMAT}")
        state = cls(str(obj.get("chain_id")), obj.get("followed"), obj.get("txs"),  # type: ignore[arg-type]
                    obj.get("series"), set(obj.get("overdue") or ()), obj.get("evidence"))  # type: ignore[arg-type]  # fmt: skip
        state.validate()
        return state

    def validate(self) -> None:
        """Raise ValidationError naming the first field that breaks its rule."""
        for name in ("followed", "txs"):
            value = getattr(self, name)
            if type(value) is not int or value < 0:
                raise ValidationError(f"{name}: expected a whole number")
        if not isinstance(self.series, dict) or sorted(self.series) != sorted(_SERIES):
            raise ValidationError(f"series: expected the keys {', '.join(_SERIES)}")
        for name, counts in self.series.items():
            if (
                not isinstance(counts, dict)
                or len(counts) > LABELS_MAX + 1
                or not all(
                    isinstance(k, str) and type(v) is int and v >= 0 for k, v in counts.items()
                )
            ):
                raise ValidationError(f"series.{name}: expected label -> whole number")
        if len(self.overdue) > OVERDUE_STEPS_MAX or not all(
            isinstance(s, str) for s in self.overdue
        ):
            raise ValidationError(f"overdue: at most {OVERDUE_STEPS_MAX} step names")
        if not isinstance(self.evidence, dict) or not all(
            isinstance(k, str) and type(v) is int for k, v in self.evidence.items()
        ):
            raise ValidationError("evidence: expected validator -> height")


def load_state(directory: Path, chain_id: str) -> FollowState:
    """The state kept in ``directory`` (a fresh one when there is no file yet)."""
    path = directory / STATE_FILE
    try:
        with path.open("rb") as file:
            raw = file.read(_FILE_BYTES_MAX + 1)
    except FileNotFoundError:
        return FollowState(chain_id)
    except OSError as exc:
        raise FollowStateError(f"{path}: {exc.strerror or exc}") from exc
    if len(raw) > _FILE_BYTES_MAX:
        raise FollowStateError(f"{path}: larger than {_FILE_BYTES_MAX} bytes")
    try:
        state = FollowState.from_json(json.loads(raw.decode("utf-8")))
    except (UnicodeDecodeError, ValueError, TypeError, ValidationError) as exc:
        raise FollowStateError(f"{path}: not a monitor state file: {exc}") from exc
    if state.chain_id != chain_id:
        raise FollowStateError(
            f"{path}: kept for chain {state.chain_id!r}, not {chain_id!r}; give another --state-dir"
        )
    return state


def save_state(directory: Path, state: FollowState) -> None:
    """Write ``state`` to ``directory`` atomically (the directory is made if need be)."""
    path = directory / STATE_FILE
    data = json.dumps(state.to_json(), separators=(",", ":"), sort_keys=True).encode("utf-8")
    try:
        write_file_atomic(path, data, mode=0o644)
    except OSError as exc:
        raise FollowStateError(f"{path}: {exc.strerror or exc}") from exc


def _count(counts: dict[str, int], label: object) -> None:
    name = label if isinstance(label, str) and label else str(label)
    if name not in counts and len(counts) >= LABELS_MAX:
        name = "other"
    counts[name] = counts.get(name, 0) + 1


class ChainFollower:
    """Follows ``chain`` from ``state``; saves to ``state_dir`` after each poll that changed it."""

    def __init__(self, chain: FollowedChain, state: FollowState, state_dir: Path | None) -> None:
        self.chain = chain
        self.state = state
        self.state_dir = state_dir

    def poll(self) -> int:
        """Read up to ``BLOCKS_PER_POLL`` new blocks; the latest height the chain reported."""
        latest = self.chain.latest_height()
        start = self.state.followed
        try:
            for height in range(start + 1, min(latest, start + BLOCKS_PER_POLL) + 1):
                tx_count, events = self.chain.block_events(height)
                self._follow(height, tx_count, events)
        finally:
            if self.state_dir is not None and self.state.followed != start:
                save_state(self.state_dir, self.state)
        return latest

    def _follow(
        self, height: int, tx_count: int, events: Sequence[tuple[str, dict[str, Any]]]
    ) -> None:
        """Apply one block, then mark it followed (a failure reads the block again)."""
        pending_overdue = set(self.state.overdue)
        series = {name: dict(counts) for name, counts in self.state.series.items()}
        evidence = dict(self.state.evidence)
        for kind, attributes in events:
            self._event(kind, attributes, height, series, pending_overdue, evidence)
        self.state.series = series
        self.state.overdue = pending_overdue
        self.state.evidence = evidence
        self.state.txs += tx_count
        self.state.followed = height

    def _event(
        self,
        kind: str,
        attrs: dict[str, Any],
        height: int,
        series: dict[str, dict[str, int]],
        overdue: set[str],
        evidence: dict[str, int],
    ) -> None:
        if kind == "registry.account_added":
            _count(series["accounts"], attrs.get("kind"))
        elif kind == "registry.subject_applied":
            _count(series["subjects"], attrs.get("kind"))
        elif kind == "assets.issued":
            _count(series["assets"], attrs.get("type"))
        elif kind == "workflow.case_opened":
            _count(series["cases"], "opened")
        elif kind == "workflow.case_closed" and isinstance(attrs.get("case"), bytes):
            _count(series["cases"], "closed")
            prefix = attrs["case"].hex() + "/"
            overdue.difference_update({s for s in overdue if s.startswith(prefix)})
        elif kind == EVIDENCE_EVENT and isinstance(attrs.get("validator"), bytes):
            evidence[attrs["validator"].hex()] = height
        if kind in _STEP_EVENTS:
            self._step_event(kind, attrs, series, overdue)

    def _step_event(
        self, kind: str, attrs: dict[str, Any], series: dict[str, dict[str, int]], overdue: set[str]
    ) -> None:
        case, step = attrs.get("case"), attrs.get("step")
        if not isinstance(case, bytes) or not isinstance(step, str):
            return
        if kind == "workflow.step_ready":
            _count(series["steps"], "ready")
        elif kind == "workflow.overdue":
            _count(series["steps"], "overdue")
        name = f"{case.hex()}/{step}"
        if self.chain.step_overdue(case, step):
            if len(overdue) < OVERDUE_STEPS_MAX:
                overdue.add(name)
        else:
            overdue.discard(name)
