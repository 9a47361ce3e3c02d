"""The supervisor's logic: follow the chain, flag overdue steps, raise alerts (F-D6).

docs/spec/workflow.md "Supervision". :class:`Supervisor` reads the chain
block by block through a :class:`SupervisedChain`. Events are hints: on
``workflow.step_ready``, ``step_done``, ``overdue`` and ``intervention`` it
reads the step record (proven against the genesis by the chain object) and
keeps the step while it is ready or returned and not yet flagged, with its
deadline; ``workflow.case_closed`` drops the case's steps. Once it has read
up to the latest block, every kept step whose deadline that block's BFT
time has passed gets ``workflow.flag_overdue`` (not waited; sent again
after ``RETRY_HEIGHTS`` if the step is still open; a refusal because
another supervisor flagged it first is normal). Each committed
``workflow.overdue`` and ``workflow.intervention`` raises an alert: one line
(case, step, kind, department, height; never a form value or a name) and
the posting of a message keyed by the event's tx, so a repeat posts the
same message. Progress is saved after every poll that changed it.
:func:`run_supervisor` reads again as soon as the chain node's ``/v1/events``
stream announces a new block, every ``poll_s`` seconds while the stream is
down or refused (:func:`~govchain.client.block_events.follow_blocks`, issue 21).
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from govchain.client.block_events import BlockWaiter, follow_until
from govchain.contracts.workflow.records import StepState
from govchain.supervisor.progress import (
    OPEN_STEPS_MAX,
    OpenStep,
    Progress,
    load_progress,
    save_progress,
)
from govchain.types.errors import GovChainError

__all__ = [
    "BLOCKS_PER_POLL",
    "RETRY_HEIGHTS",
    "Alert",
    "ChainEvent",
    "DepartmentStep",
    "PostAlert",
    "SupervisedChain",
    "Supervisor",
    "alert_key",
    "alert_text",
    "run_supervisor",
]

log = logging.getLogger("govchain.supervisor")

BLOCKS_PER_POLL = 200
"""Blocks read in one poll at most (a supervisor far behind catches up over several polls)."""
RETRY_HEIGHTS = 5
"""A flag sent and not seen committed is sent again after this many heights."""
_STEP_EVENTS = (
    "workflow.step_ready", "workflow.step_done", "workflow.overdue", "workflow.intervention",
)  # fmt: skip
_ALERTS = {"workflow.overdue": "overdue", "workflow.intervention": "intervention"}
_OPEN_STATES = ("ready", "returned")


@dataclass(frozen=True, slots=True)
class ChainEvent:
    """An event of a committed tx: the tx's hash, the event's type and attributes."""

    tx_hash: bytes
    type: str
    attributes: dict[str, Any]


@dataclass(frozen=True, slots=True)
class DepartmentStep:
    """A proven step record and its department's adapter address (empty: none set)."""

    state: StepState
    adapter: bytes


@dataclass(frozen=True, slots=True)
class Alert:
    """What a supervisor tells: ``kind`` (overdue, intervention) of a step, and to whom."""

    kind: str
    case: bytes
    step: str
    department: str
    adapter: bytes
    height: int
    key: str
    """The message key: the same for every supervisor and every repeat."""


class SupervisedChain(Protocol):
    """The chain as the supervisor reads and writes it (blocking calls)."""

    def latest(self) -> tuple[int, int]:
        """The latest committed block's height and BFT time (ms); (0, 0) before the first."""
        ...

    def events_at(self, height: int) -> list[ChainEvent]:
        """The events of the committed (successful) txs of block ``height``, in order."""
        ...

    def step(self, case: bytes, step: str) -> DepartmentStep | None:
        """The step record, proven, with its department's adapter (None: no such step)."""
        ...

    def flag(self, case: bytes, step: str) -> None:
        """Submit ``workflow.flag_overdue`` for the step (not waited)."""
        ...


PostAlert = Callable[[Alert], None]
"""Post an alert's message to its recipients; raises GovChainError when it cannot now."""


def alert_key(kind: str, case: bytes, step: str, tx_hash: bytes) -> str:
    """The message key of an alert: ``workflow/<kind>/<32 hex of a digest>`` (≤ 64 characters)."""
    digest = hashlib.sha256(b"|".join((kind.encode(), case, step.encode(), tx_hash))).digest()
    return f"workflow/{kind}/{digest[:16].hex()}"


def alert_text(alert: Alert) -> str:
    """What a recipient reads: no form value, no name."""
    what = (
        "is overdue (past its deadline)"
        if alert.kind == "overdue"
        else "had a manual intervention (a staff result or an extended deadline)"
    )
    return (
        f"workflow alert: case {alert.case.hex()} step {alert.step} of department "
        f"{alert.department} {what}; recorded at height {alert.height}"
    )


@dataclass
class _Attempt:
    deadline: int
    at: int


class Supervisor:
    """One supervisor's state: the scanned height and the open steps with their deadlines."""

    def __init__(
        self,
        chain: SupervisedChain,
        post: PostAlert,
        announce: Callable[[str], None],
        progress: Progress,
        state_dir: Path | None = None,
    ) -> None:
        """``announce`` prints one alert line; ``state_dir`` keeps progress (None: memory only)."""
        self.chain = chain
        self.post = post
        self.announce = announce
        self.chain_id = progress.chain_id
        self.scanned = progress.scanned
        self.open: dict[tuple[bytes, str], int] = {
            (s.case, s.step): s.deadline for s in progress.open
        }
        self.state_dir = state_dir
        self._attempts: dict[tuple[bytes, str], _Attempt] = {}

    @classmethod
    def resumed(
        cls,
        chain: SupervisedChain,
        post: PostAlert,
        announce: Callable[[str], None],
        chain_id: str,
        state_dir: Path | None,
    ) -> Supervisor:
        """A supervisor that resumes from ``state_dir`` (from height 1 without one)."""
        if state_dir is None:
            return cls(chain, post, announce, Progress(chain_id, 0, ()))
        progress = load_progress(state_dir, chain_id)
        return cls(chain, post, announce, progress, state_dir)

    def progress(self) -> Progress:
        """Where the supervisor stands now."""
        steps = tuple(OpenStep(case, step, d) for (case, step), d in sorted(self.open.items()))
        return Progress(self.chain_id, self.scanned, steps)

    def step(self) -> int:
        """One poll: read new blocks, raise alerts, flag the steps past due. The latest height."""
        latest, time_ms = self.chain.latest()
        last = min(latest, self.scanned + BLOCKS_PER_POLL)
        start = self.scanned
        try:
            for height in range(self.scanned + 1, last + 1):
                for event in self.chain.events_at(height):
                    self._follow(event, height)
                self.scanned = height
        finally:
            if self.state_dir is not None and self.scanned != start:
                save_progress(self.state_dir, self.progress())
        if self.scanned == latest:
            self._flag_due(latest, time_ms)
        return latest

    def _follow(self, event: ChainEvent, height: int) -> None:
        case = event.attributes.get("case")
        if not isinstance(case, bytes):
            return
        if event.type == "workflow.case_closed":
            for key in [k for k in self.open if k[0] == case]:
                self._drop(key)
            return
        step = event.attributes.get("step")
        if event.type not in _STEP_EVENTS or not isinstance(step, str):
            return
        found = self.chain.step(case, step)
        if found is None:
            log.warning("event %s names step %s of case %s, absent on chain", event.type, step,
                        case.hex())  # fmt: skip
            self._drop((case, step))
            return
        kind = _ALERTS.get(event.type)
        if kind is not None:
            self._alert(kind, found, height, event.tx_hash)
        self._keep(found.state)

    def _alert(self, kind: str, found: DepartmentStep, height: int, tx_hash: bytes) -> None:
        state = found.state
        alert = Alert(kind, state.case, state.step, state.department, found.adapter, height,
                      alert_key(kind, state.case, state.step, tx_hash))  # fmt: skip
        self.announce(
            f"alert {kind}: case {state.case.hex()} step {state.step} "
            f"department {state.department} height {height}"
        )
        self.post(alert)  # raises: this height is read again on the next poll

    def _keep(self, state: StepState) -> None:
        key = (state.case, state.step)
        if state.state not in _OPEN_STATES or state.overdue:
            self._drop(key)
        elif key in self.open or len(self.open) < OPEN_STEPS_MAX:
            self.open[key] = state.deadline
        else:
            log.warning("%d steps open: step %s of case %s is not supervised", OPEN_STEPS_MAX,
                        state.step, state.case.hex())  # fmt: skip

    def _drop(self, key: tuple[bytes, str]) -> None:
        self.open.pop(key, None)
        self._attempts.pop(key, None)

    def _flag_due(self, height: int, time_ms: int) -> None:
        for key, deadline in sorted(self.open.items()):
            if time_ms <= deadline:
                continue
            attempt = self._attempts.get(key)
            if (
                attempt is not None and attempt.deadline == deadline
                and height < attempt.at + RETRY_HEIGHTS
            ):  # fmt: skip
                continue
            self._attempts[key] = _Attempt(deadline, height)
            case, step = key
            try:
                self.chain.flag(case, step)
            except GovChainError as exc:
                log.info("flag of step %s of case %s not sent: %s", step, case.hex(), exc)
            else:
                log.info("flag of step %s of case %s sent at height %d", step, case.hex(), height)


async def run_supervisor(supervisor: Supervisor, waiter: BlockWaiter, stop: asyncio.Event) -> None:
    """Follow the chain until ``stop``, reading at each block ``waiter`` hears of (else every
    poll interval); a failed read is logged and retried. Closes ``waiter``."""

    def read() -> tuple[int, int, bool] | None:
        try:
            latest = supervisor.step()
        except GovChainError as exc:
            log.warning("the supervisor could not read or post now: %s", exc)
            return None
        except Exception as exc:  # a bug must not end the supervision: said in one line, retried
            log.error("the supervisor's poll failed: %s: %s", type(exc).__name__, exc)
            return None
        return supervisor.scanned, latest, False

    await follow_until(stop, read, waiter)
