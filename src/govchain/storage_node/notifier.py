"""The reminder notifier of a storage node (docs/spec/messages.md "Reminders", grants.md, F-C3).

It follows the chain block by block, keeps the open requests for grants it
saw (``grants.requested``), sends ``grants.remind`` with the platform key
once the height reaches a request's ``next_reminder``, and on each committed
``grants.reminded`` posts a reminder message from the platform account to
the holder. Events are hints only: every decision reads the request record
with its state fact, proven against the genesis. Every storage node runs
one; the chain accepts one remind per due height (the others fail
``not_due``), and the message's key ``grants.remind/<request>/<count>``
makes every notifier's post the same message.

:class:`ReminderNotifier` is the logic, over a :class:`ReminderChain` (the
chain as it needs it) and the inbox store (its progress); ``step`` is one
read of the chain. :func:`run_notifier` runs it in a worker thread with
:func:`~govchain.client.block_events.follow_blocks`: again as soon as the
chain node's ``/v1/events`` stream announces a new block, every ``poll_s``
seconds while the stream is down or refused (issue 21).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol

from govchain.client.block_events import BlockWaiter, follow_until
from govchain.contracts.grants.records import GrantRequest
from govchain.storage_node.inbox import InboxStore
from govchain.types.errors import GovChainError

__all__ = [
    "BLOCKS_PER_STEP",
    "RETRY_HEIGHTS",
    "ReminderChain",
    "ReminderNotifier",
    "reminder_key",
    "reminder_text",
    "run_notifier",
]

log = logging.getLogger("govchain.storage_node")

BLOCKS_PER_STEP = 200
"""Blocks read in one poll at most (a node far behind catches up over several polls)."""
RETRY_HEIGHTS = 10
"""A remind sent and not seen committed is sent again after this many heights."""
_FOLLOWED = ("grants.requested", "grants.reminded", "grants.answered", "grants.lapsed")


class ReminderChain(Protocol):
    """The chain as the notifier reads and writes it (blocking calls)."""

    def latest_height(self) -> int:
        """The height of the latest committed block."""
        ...

    def events_at(self, height: int) -> list[tuple[str, dict[str, Any]]]:
        """The events ``(type, attributes)`` of the committed txs of block ``height``, in order."""
        ...

    def request(self, request_id: bytes) -> GrantRequest | None:
        """The proven request record (None: no such request)."""
        ...

    def remind(self, request_id: bytes) -> None:
        """Submit ``grants.remind`` for the request, signed by the platform key (not waited)."""
        ...


PostReminder = Callable[[GrantRequest, int], None]
"""Post reminder ``count`` of a request to its holder (idempotent: keyed by request, count)."""


def reminder_key(request_id: bytes, count: int) -> str:
    """The message key of reminder ``count`` of a request: one message however often posted."""
    return f"grants.remind/{request_id.hex()}/{count}"


def reminder_text(request: GrantRequest, count: int) -> str:
    """What the holder reads."""
    purpose = f"purpose {request.purpose}" + (
        f", matter {request.matter}" if request.matter else ""
    )
    return (
        f"request {request.id.hex()} for asset {request.asset.hex()} by "
        f"{request.requester.hex()} is waiting: {purpose} "
        f"(reminder {count} of {request.reminders}; scope {request.scope})"
    )


@dataclass
class _Attempt:
    due: int
    at: int


class ReminderNotifier:
    """One storage node's reminder logic; its progress lives in the inbox store."""

    def __init__(self, chain: ReminderChain, store: InboxStore, post: PostReminder) -> None:
        self.chain = chain
        self.store = store
        self.post = post
        self.scanned = store.scanned_height()
        self.open: dict[bytes, int] = store.open_requests()
        self._attempts: dict[bytes, _Attempt] = {}

    def step(self) -> int:
        """One poll: read new blocks, post reminders, send due reminds. The latest height."""
        latest = self.chain.latest_height()
        last = min(latest, self.scanned + BLOCKS_PER_STEP)
        for height in range(self.scanned + 1, last + 1):
            changed: dict[bytes, int | None] = {}
            for kind, attributes in self.chain.events_at(height):
                if kind in _FOLLOWED:
                    self._follow(kind, attributes, changed)
            self.store.save_progress(height, changed)
            self.scanned = height
        if self.scanned == latest:
            self._send_due(latest)
        return latest

    def _follow(
        self, kind: str, attributes: dict[str, Any], changed: dict[bytes, int | None]
    ) -> None:
        request_id = attributes.get("request")
        if not isinstance(request_id, bytes):
            return
        if kind in ("grants.answered", "grants.lapsed"):
            self._drop(request_id, changed)
            return
        record = self.chain.request(request_id)
        if record is None:
            log.warning("event %s names request %s, absent on chain", kind, request_id.hex())
            return
        count = attributes.get("count")
        if kind == "grants.reminded" and isinstance(count, int) and record.reminded >= count:
            self.post(record, count)  # raises: this height is read again on the next poll
            log.info("reminder %d of request %s posted", count, record.id.hex())
        if record.status == "open":
            self.open[record.id] = record.next_reminder
            changed[record.id] = record.next_reminder
        else:
            self._drop(record.id, changed)

    def _drop(self, request_id: bytes, changed: dict[bytes, int | None]) -> None:
        self.open.pop(request_id, None)
        self._attempts.pop(request_id, None)
        changed[request_id] = None

    def _send_due(self, height: int) -> None:
        for request_id, due in sorted(self.open.items()):
            if due > height:
                continue
            attempt = self._attempts.get(request_id)
            if attempt is not None and attempt.due == due and height < attempt.at + RETRY_HEIGHTS:
                continue
            self._attempts[request_id] = _Attempt(due, height)
            try:
                self.chain.remind(request_id)
            except GovChainError as exc:
                log.warning("remind of request %s not sent: %s", request_id.hex(), exc)


async def run_notifier(
    notifier: ReminderNotifier, waiter: BlockWaiter, stop: asyncio.Event
) -> None:
    """Follow the chain until ``stop``, reading at each block ``waiter`` hears of (else every
    poll interval); a failed read is logged and retried. Closes ``waiter``."""

    def read() -> tuple[int, int, bool] | None:
        try:
            latest = notifier.step()
        except GovChainError as exc:
            log.warning("the notifier could not read the chain: %s", exc)
            return None
        except Exception:
            log.exception("the notifier's poll failed")
            return None
        return notifier.scanned, latest, False

    await follow_until(stop, read, waiter)
