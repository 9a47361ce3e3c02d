"""The simulated network and clock: one seeded queue of everything that will happen.

Time is virtual milliseconds from 0. Messages between node instances get a
seeded random delay, so they arrive reordered; links may drop or duplicate
them, and partitions cut groups of nodes apart. Local events (timeouts, a
block's validation verdict) go through the same queue, tagged with the
incarnation of the node that asked for them, so a crash forgets them.
"""

from __future__ import annotations

import heapq
import random
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

MAX_QUEUED = 2_000_000
"""The queue never holds more entries than this (a runaway sender is a bug)."""


@dataclass(frozen=True, slots=True)
class LinkFaults:
    """Delay bounds and loss on every link (probabilities in parts per thousand)."""

    min_delay_ms: int = 1
    max_delay_ms: int = 50
    drop_per_mille: int = 0
    duplicate_per_mille: int = 0


@dataclass(frozen=True, slots=True)
class Delivery:
    """A message (typed, or raw bytes from a faulty sender) from ``peer`` to a node."""

    peer: str
    payload: Any


@dataclass(frozen=True, slots=True)
class Local:
    """An event a node scheduled for itself; void if the node restarted since."""

    incarnation: int
    event: Any


Entry = tuple[int, int, int, Any]
"""(time, sequence, node index or -1 for the world, Delivery | Local | other)."""


class SimNetwork:
    """A seeded priority queue of deliveries, local events and fault changes."""

    def __init__(self, rng: random.Random, faults: LinkFaults) -> None:
        self.rng = rng
        self.faults = faults
        self.now = 0
        self.counts: Counter[str] = Counter()
        self._queue: list[Entry] = []
        self._seq = 0
        self._groups: list[dict[int, int]] = []

    # --- the queue -------------------------------------------------------------

    def schedule(self, delay_ms: int, target: int, item: object) -> None:
        """Queue ``item`` for node ``target`` (or -1: the world) after ``delay_ms``."""
        if len(self._queue) >= MAX_QUEUED:
            raise RuntimeError("simulation queue overflow: a node is sending without bound")
        self._seq += 1
        heapq.heappush(self._queue, (self.now + delay_ms, self._seq, target, item))

    def pop(self) -> tuple[int, Any] | None:
        """The next entry (node index, item), advancing the clock; None when empty."""
        if not self._queue:
            return None
        time, _seq, target, item = heapq.heappop(self._queue)
        self.now = max(self.now, time)
        return target, item

    def next_time(self) -> int | None:
        """When the next entry is due, or None when the queue is empty."""
        return self._queue[0][0] if self._queue else None

    def __len__(self) -> int:
        return len(self._queue)

    # --- links -------------------------------------------------------------------

    def set_partitions(self, partitions: Sequence[Sequence[Sequence[int]]]) -> None:
        """Cut the network: two nodes talk only if every partition puts them in one group."""
        self._groups = [
            {node: g for g, group in enumerate(groups) for node in group} for groups in partitions
        ]

    def connected(self, a: int, b: int) -> bool:
        """Whether messages from ``a`` can reach ``b`` now."""
        return all(groups.get(a, -1) == groups.get(b, -1) for groups in self._groups)

    def send(self, sender: int, receiver: int, peer: str, payload: object) -> None:
        """Send ``payload`` over the link, applying partitions, loss, duplication and delay."""
        if not self.connected(sender, receiver):
            self.counts["partitioned"] += 1
            return
        faults = self.faults
        if faults.drop_per_mille and self.rng.randrange(1000) < faults.drop_per_mille:
            self.counts["dropped"] += 1
            return
        copies = 1
        if faults.duplicate_per_mille and self.rng.randrange(1000) < faults.duplicate_per_mille:
            copies = 2
            self.counts["duplicated"] += 1
        for _ in range(copies):
            delay = self.rng.randint(faults.min_delay_ms, faults.max_delay_ms)
            self.counts["messages"] += 1
            self.schedule(delay, receiver, Delivery(peer, payload))
