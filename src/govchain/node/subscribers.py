"""Event subscribers of a node: bounded in number and in backlog, told when they lose events.

Each committed block's events are published once, as one tuple shared by
every subscriber, so memory is bounded by the backlog in blocks whatever the
number of subscribers. A subscriber with ``backlog_blocks`` blocks waiting
loses the next ones instead of holding the node back; once it has read its
backlog it gets one ``gap`` event, ``{"type": "gap", "from": F, "to": T}``,
naming the heights whose events it lost, and then the events of ``T + 1``
onwards. So what a subscriber reads always covers every height once, either
as events or inside a gap it can read back from the API.

Everything here runs on the node's event loop.
"""

from __future__ import annotations

import asyncio
from collections import deque
from typing import Any

from govchain.api.service import TooManyStreamsError

__all__ = ["GAP_EVENT", "SUBSCRIBER_BACKLOG_BLOCKS", "EventSubscribers", "Subscriber"]

GAP_EVENT = "gap"
SUBSCRIBER_BACKLOG_BLOCKS = 64
"""Blocks of events one subscriber may have waiting before it starts to lose them."""

BlockEvents = tuple[dict[str, Any], ...]


class Subscriber:
    """One subscriber's events: an async iterator, ended by :meth:`aclose`."""

    def __init__(self, owner: EventSubscribers, backlog_blocks: int) -> None:
        self._owner = owner
        self._backlog_blocks = backlog_blocks
        self._blocks: deque[BlockEvents] = deque()
        self._position = 0
        """Index in ``_blocks[0]`` of the next event to hand out."""
        self._missed: tuple[int, int] | None = None
        self._wake = asyncio.Event()
        self._closed = False

    def offer(self, height: int, events: BlockEvents) -> None:
        """Queue block ``height``'s events, or count the height as missed."""
        if self._closed or not events:
            return
        if self._missed is not None or len(self._blocks) >= self._backlog_blocks:
            first = height if self._missed is None else self._missed[0]
            self._missed = (first, height)
        else:
            self._blocks.append(events)
        self._wake.set()

    def __aiter__(self) -> Subscriber:
        return self

    async def __anext__(self) -> dict[str, Any]:
        """The next event (a ``gap`` once the backlog is read after a loss); waits for one."""
        while not self._closed:
            event = self._next_now()
            if event is not None:
                return event
            self._wake.clear()
            await self._wake.wait()
        raise StopAsyncIteration

    def ready(self) -> list[dict[str, Any]]:
        """Every event that waits now, in the order ``__anext__`` would give them."""
        found: list[dict[str, Any]] = []
        while not self._closed:
            event = self._next_now()
            if event is None:
                break
            found.append(event)
        return found

    def _next_now(self) -> dict[str, Any] | None:
        if self._blocks:
            block = self._blocks[0]
            event = block[self._position]
            self._position += 1
            if self._position == len(block):
                self._blocks.popleft()
                self._position = 0
            return event
        if self._missed is not None:
            first, last = self._missed
            self._missed = None
            return {"type": GAP_EVENT, "from": first, "to": last}
        return None

    async def aclose(self) -> None:
        """Stop: free the slot and the backlog; a waiting ``__anext__`` ends. Harmless twice."""
        if not self._closed:
            self._closed = True
            self._blocks.clear()
            self._owner.remove(self)
            self._wake.set()


class EventSubscribers:
    """At most ``limit`` subscribers; each committed block's events go to every one."""

    def __init__(self, limit: int, backlog_blocks: int = SUBSCRIBER_BACKLOG_BLOCKS) -> None:
        assert limit >= 1, "limit"
        assert backlog_blocks >= 1, "backlog_blocks"
        self.limit = limit
        self.backlog_blocks = backlog_blocks
        self._subscribers: dict[int, Subscriber] = {}

    def subscribe(self) -> Subscriber:
        """A new subscriber; TooManyStreamsError when ``limit`` are open."""
        if len(self._subscribers) >= self.limit:
            raise TooManyStreamsError(
                f"{self.limit} event streams are open, the most this node serves; retry later"
            )
        subscriber = Subscriber(self, self.backlog_blocks)
        self._subscribers[id(subscriber)] = subscriber
        return subscriber

    def remove(self, subscriber: Subscriber) -> None:
        """Forget ``subscriber`` (its ``aclose`` calls this)."""
        self._subscribers.pop(id(subscriber), None)

    def publish(self, height: int, events: BlockEvents) -> None:
        """Block ``height`` committed with these events: offer them to every subscriber."""
        for subscriber in list(self._subscribers.values()):
            subscriber.offer(height, events)

    def __len__(self) -> int:
        return len(self._subscribers)
