"""The adapter's follower loop: which steps wait for its department, and when to try them.

It reads the chain block by block (at most ``BLOCKS_PER_POLL`` a poll):
``workflow.step_ready`` of its department adds (case, step) to the pending
steps, ``workflow.step_done`` and ``workflow.case_closed`` remove them.
Events are hints: :class:`~govchain.adapter.steps.StepHandler` decides on
the case read fresh. Pending steps run on a small thread pool; one that
fails (a department system down, no chain node answering) is tried again
after a backoff doubling to ``RETRY_MAX_S``. Progress (the scanned height
and the pending steps) is kept in a JSON file in the state directory,
written atomically after each poll, so a restarted adapter resumes where
it stopped; without one it reads the chain again from height 1.

:meth:`AdapterRunner.run` polls again as soon as the chain node's
``/v1/events`` stream announces a new block
(:func:`~govchain.client.block_events.follow_blocks`, issue 21); while the
stream is down or refused, and while steps are pending or running (their
results and retries are collected by polls), at least every poll interval.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from govchain.client.block_events import BlockWaiter, follow_blocks
from govchain.crypto.keyfiles import write_file_atomic
from govchain.types.errors import GovChainError, ValidationError

__all__ = ["BLOCKS_PER_POLL", "RETRY_MAX_S", "AdapterRunner", "Progress"]

log = logging.getLogger("govchain.adapter")

BLOCKS_PER_POLL = 200
RETRY_FIRST_S = 2.0
RETRY_MAX_S = 60.0
PROGRESS_FILE = "adapter-progress.json"
NOT_READY = "not ready"
STEP_ID_MAX = 32
_NOT_PROGRESS = (
    "{path}: not an adapter progress file ({why}); remove it to read the chain again from height 1"
)

StepKey = tuple[bytes, str]


class Blocks(Protocol):
    """The chain as the runner follows it."""

    def latest_height(self) -> int:
        """The latest committed height."""
        ...

    def events_at(self, height: int) -> list[tuple[str, dict[str, Any]]]:
        """The events of block ``height``'s committed txs."""
        ...


class Handler(Protocol):
    """One step's handling (:class:`~govchain.adapter.steps.StepHandler`)."""

    def handle(self, case_id: bytes, step_id: str) -> str:
        """Handle the step if it is ready; what happened."""
        ...


class Progress:
    """The scanned height and pending steps, in ``state_dir`` (None: kept in memory only)."""

    def __init__(self, state_dir: Path | None, chain_id: str = "") -> None:
        self.path = None if state_dir is None else state_dir / PROGRESS_FILE
        self.chain_id = chain_id
        self.scanned = 0
        self.pending: set[StepKey] = set()
        if self.path is not None and self.path.exists():
            saved_chain, self.scanned, self.pending = _read_progress(self.path)
            if saved_chain != chain_id:
                raise ValidationError(
                    f"{self.path}: the progress of chain {saved_chain!r}, not {chain_id!r}; "
                    "give this adapter its own --state-dir"
                )

    def save(self) -> None:
        """Write the progress atomically (nothing without a state directory)."""
        if self.path is None:
            return
        pending = sorted([case.hex(), step] for case, step in self.pending)
        saved = {"chain_id": self.chain_id, "scanned": self.scanned, "pending": pending}
        write_file_atomic(self.path, json.dumps(saved, indent=1).encode("utf-8"))


def _read_progress(path: Path) -> tuple[str, int, set[StepKey]]:
    """The chain id, scanned height and pending steps saved in ``path``; ValidationError naming
    the file when it is not a progress file."""
    try:
        saved = json.loads(path.read_text(encoding="utf-8"))
        chain_id = str(saved.get("chain_id", ""))
        scanned = saved["scanned"]
        pending = {(bytes.fromhex(case), step) for case, step in saved["pending"]}
    except (ValueError, KeyError, TypeError, AttributeError) as exc:  # UnicodeDecodeError too
        raise ValidationError(_NOT_PROGRESS.format(path=path, why=type(exc).__name__)) from exc
    if type(scanned) is not int or scanned < 0:
        raise ValidationError(_NOT_PROGRESS.format(path=path, why="scanned: not a height"))
    if not all(isinstance(step, str) and 0 < len(step) <= STEP_ID_MAX for _, step in pending):
        raise ValidationError(_NOT_PROGRESS.format(path=path, why="pending: not step ids"))
    return chain_id, scanned, pending


@dataclass
class _Try:
    at: float
    delay: float


class AdapterRunner:
    """Follows the chain for one department and hands its ready steps to the handler."""

    def __init__(
        self,
        blocks: Blocks,
        handler: Handler,
        department: str,
        progress: Progress,
        *,
        workers: int = 4,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.blocks = blocks
        self.handler = handler
        self.department = department
        self.progress = progress
        self._clock = clock
        self._pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="adapter")
        self._running: dict[StepKey, Future[str]] = {}
        self._next: dict[StepKey, _Try] = {}
        self._again: set[StepKey] = set()
        self.handled: dict[str, int] = {}

    def poll(self) -> int:
        """Read new blocks, collect finished work, start due steps; the latest height."""
        latest = self.blocks.latest_height()
        last = min(latest, self.progress.scanned + BLOCKS_PER_POLL)
        for height in range(self.progress.scanned + 1, last + 1):
            for kind, attributes in self.blocks.events_at(height):
                self._follow(kind, attributes)
            self.progress.scanned = height
        self._collect()
        self.progress.save()
        now = self._clock()
        for key in sorted(self.progress.pending):
            due = self._next.get(key)
            if key not in self._running and (due is None or due.at <= now):
                self._running[key] = self._pool.submit(self.handler.handle, *key)
        return latest

    def _follow(self, kind: str, attributes: dict[str, Any]) -> None:
        case, step = attributes.get("case"), attributes.get("step")
        if not isinstance(case, bytes):
            return
        if kind == "workflow.step_ready" and attributes.get("department") == self.department:
            key = (case, str(step))
            self.progress.pending.add(key)
            if key in self._running:  # ready again (a return resubmitted) while it runs
                self._again.add(key)
        elif kind == "workflow.step_done" and (case, step) in self.progress.pending:
            self._forget((case, str(step)))
        elif kind == "workflow.case_closed":
            for key in [k for k in self.progress.pending if k[0] == case]:
                self._forget(key)

    def _forget(self, key: StepKey) -> None:
        if key not in self._running:
            self.progress.pending.discard(key)
            self._next.pop(key, None)

    def _collect(self) -> None:
        for key, future in list(self._running.items()):
            if not future.done():
                continue
            del self._running[key]
            if future.cancelled():  # stopping: the step stays pending for the next run
                continue
            try:
                outcome = future.result()
            except GovChainError as exc:
                self._retry(key, f"{getattr(exc, 'code', 'error')}: {exc}")
                continue
            except Exception as exc:  # a bug must not stop the other steps
                log.exception("case %s step %s failed", key[0].hex(), key[1])
                self._retry(key, type(exc).__name__)
                continue
            self.handled[outcome] = self.handled.get(outcome, 0) + 1
            if key in self._again:  # handle the new attempt at once
                self._again.discard(key)
                self._next.pop(key, None)
                continue
            if outcome == NOT_READY:  # a lagging node: its step_done or case_closed ends it
                self._retry(key, "the step is not ready on the node read")
                continue
            self.progress.pending.discard(key)
            self._next.pop(key, None)

    def _retry(self, key: StepKey, why: str) -> None:
        previous = self._next.get(key)
        delay = RETRY_FIRST_S if previous is None else min(previous.delay * 2, RETRY_MAX_S)
        self._next[key] = _Try(self._clock() + delay, delay)
        log.warning("case %s step %s: %s; trying again in %.0f s", key[0].hex(), key[1], why,
                    delay)  # fmt: skip

    def idle(self) -> bool:
        """No step pending or running (tests and the demo wait for this)."""
        return not self.progress.pending and not self._running

    def run(self, waiter: BlockWaiter) -> None:
        """Poll at each block ``waiter`` hears of (at least every poll interval while steps are
        pending) until it is stopped; then wait for running steps. Closes ``waiter``."""

        def read() -> tuple[int, int, bool] | None:
            try:
                latest = self.poll()
            except GovChainError as exc:
                log.warning("the chain could not be read: %s", exc)
                return None
            return self.progress.scanned, latest, not self.idle()

        try:
            follow_blocks(read, waiter)
        finally:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._collect()
            self.progress.save()
