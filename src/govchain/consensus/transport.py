"""How consensus messages travel: the ``Transport`` protocol and an in-process hub.

A driver sends through a :class:`Transport` and receives through its own
bounded :class:`Inbox` (``Driver.receive``). :class:`LocalHub` connects drivers that
share one event loop, for tests and single-process networks. It can cut and
heal links and drop a seeded share of messages, so partitions and loss can
be staged without sockets.
"""

from __future__ import annotations

import asyncio
import random
from collections import deque
from collections.abc import Callable
from typing import Protocol

from govchain.consensus.events import DecisionReceived, Event, ProposalReceived, VoteReceived
from govchain.consensus.messages import Decision, Message, ProposalMessage
from govchain.types import Vote

__all__ = [
    "Inbox",
    "LocalHub",
    "LocalTransport",
    "Receiver",
    "SendObserver",
    "Transport",
    "event_of",
]

SendObserver = Callable[[str | None, Message], None]
"""Called with ``(peer, message)`` before a message leaves; ``peer`` None for a broadcast."""


class Transport(Protocol):
    """What the driver sends through. Both methods return at once and never block."""

    def broadcast(self, message: Message) -> None:
        """Send ``message`` to every other validator (best effort)."""

    def send(self, peer: str, message: Message) -> None:
        """Send ``message`` to ``peer`` only (best effort; unknown peers are ignored)."""


class Receiver(Protocol):
    """What a transport delivers to: ``Driver.receive``."""

    def receive(self, peer: str, message: Message) -> bool:
        """Queue ``message`` from ``peer``; False if it was dropped."""


class Inbox:
    """A bounded queue of received messages, held as core events.

    :meth:`put` never blocks: when ``capacity`` messages wait, the new one is
    dropped and counted in :attr:`dropped`, so a flood cannot grow memory.
    """

    def __init__(self, capacity: int) -> None:
        if capacity < 1:
            raise ValueError(f"an inbox holds at least 1 message, got {capacity}")
        self.capacity = capacity
        self.dropped = 0
        self._events: deque[Event] = deque()

    def __len__(self) -> int:
        return len(self._events)

    def put(self, peer: str, message: Message) -> bool:
        """Queue ``message`` from ``peer``; False (and counted) if the inbox is full."""
        if len(self._events) >= self.capacity:
            self.dropped += 1
            return False
        self._events.append(event_of(message, peer))
        return True

    def get(self) -> Event | None:
        """The oldest waiting event, or None."""
        return self._events.popleft() if self._events else None

    def clear(self) -> None:
        """Forget every waiting message."""
        self._events.clear()


def event_of(message: Message, peer: str) -> Event:
    """The core event for ``message`` received from ``peer``."""
    if isinstance(message, Vote):
        return VoteReceived(message, peer)
    if isinstance(message, ProposalMessage):
        return ProposalReceived(message, peer)
    if isinstance(message, Decision):
        return DecisionReceived(message, peer)
    raise TypeError(f"not a consensus message: {type(message).__name__}")


class LocalHub:
    """Connects named endpoints inside one event loop.

    Delivery is asynchronous (``loop.call_soon``), like a network: a message
    is in flight until the loop runs again. A message is lost when its link
    is cut, when its receiver is not attached at delivery, or by the seeded
    drop rate. ``drop_per_mille`` is the share of messages lost, out of 1000.
    """

    def __init__(self, *, seed: int = 0, drop_per_mille: int = 0) -> None:
        self._rng = random.Random(seed)
        self._receivers: dict[str, Receiver] = {}
        self._names: list[str] = []
        self._cut: set[tuple[str, str]] = set()
        self.drop_per_mille = drop_per_mille
        self.delivered = 0
        """Messages handed to a receiver."""
        self.lost = 0
        """Messages lost to a cut link, a missing receiver or the drop rate."""

    @property
    def drop_per_mille(self) -> int:
        """The share of messages dropped, out of 1000."""
        return self._drop_per_mille

    @drop_per_mille.setter
    def drop_per_mille(self, value: int) -> None:
        if not 0 <= value <= 1000:
            raise ValueError(f"drop_per_mille must be within 0..1000, got {value}")
        self._drop_per_mille = value

    def endpoint(self, name: str, observer: SendObserver | None = None) -> LocalTransport:
        """A transport that sends as ``name``; ``observer`` sees each message before it leaves."""
        if not name:
            raise ValueError("an endpoint needs a name")
        if name not in self._names:
            self._names.append(name)
        return LocalTransport(self, name, observer)

    def attach(self, name: str, receiver: Receiver) -> None:
        """Deliver messages addressed to ``name`` to ``receiver`` (replacing any earlier one)."""
        if name not in self._names:
            self._names.append(name)
        self._receivers[name] = receiver

    def detach(self, name: str) -> None:
        """Stop delivering to ``name``; messages for it are lost until it attaches again."""
        self._receivers.pop(name, None)

    def cut(self, a: str, b: str) -> None:
        """Cut the link between ``a`` and ``b`` in both directions."""
        self._cut.update({(a, b), (b, a)})

    def isolate(self, name: str) -> None:
        """Cut every link of ``name``: a partition of one."""
        for other in self._names:
            if other != name:
                self.cut(name, other)

    def heal(self) -> None:
        """Restore every cut link."""
        self._cut.clear()

    def linked(self, sender: str, receiver: str) -> bool:
        """Whether messages from ``sender`` currently reach ``receiver``."""
        return (sender, receiver) not in self._cut

    def post(self, sender: str, receiver: str, message: Message) -> None:
        """Put one message in flight from ``sender`` to ``receiver``."""
        if not self.linked(sender, receiver) or self._rng.randrange(1000) < self.drop_per_mille:
            self.lost += 1
            return
        asyncio.get_running_loop().call_soon(self._deliver, sender, receiver, message)

    def peers_of(self, sender: str) -> list[str]:
        """Every known endpoint name except ``sender``, in the order they joined."""
        return [name for name in self._names if name != sender]

    def _deliver(self, sender: str, receiver: str, message: Message) -> None:
        target = self._receivers.get(receiver)
        if target is None or not self.linked(sender, receiver):
            self.lost += 1
            return
        self.delivered += 1
        target.receive(sender, message)


class LocalTransport:
    """One endpoint of a :class:`LocalHub`: the :class:`Transport` a driver is given."""

    def __init__(self, hub: LocalHub, name: str, observer: SendObserver | None) -> None:
        """Use :meth:`LocalHub.endpoint`."""
        self.hub = hub
        self.name = name
        self._observer = observer

    def broadcast(self, message: Message) -> None:
        """Send ``message`` to every other endpoint of the hub."""
        if self._observer is not None:
            self._observer(None, message)
        for peer in self.hub.peers_of(self.name):
            self.hub.post(self.name, peer, message)

    def send(self, peer: str, message: Message) -> None:
        """Send ``message`` to ``peer`` only."""
        if self._observer is not None:
            self._observer(peer, message)
        if peer != self.name:
            self.hub.post(self.name, peer, message)
