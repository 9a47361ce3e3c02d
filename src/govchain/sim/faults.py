"""Fault plans: seeded windows of partitions, crashes and lossy links, all healed at the end.

A plan is a tuple of :class:`FaultWindow`. Each window starts a fault and
ends it; windows may overlap. All of them end by ``fault_phase_ms``, after
which the network is good again and liveness is checked. Shrinking a
failure removes windows one by one, so a window is the unit of a trace.

``make_plan`` draws the random windows; ``targeted_windows`` draws, from
its own stream, the adaptive ``split-lock`` windows that steer the
Byzantine validators against a lock (``sim.targeted``).
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from itertools import pairwise

from govchain.sim.network import LinkFaults

PARTITION = "partition"
CRASH = "crash"
STORM = "storm"
ISOLATE = "isolate"
KINDS = (PARTITION, CRASH, STORM, ISOLATE)
"""The kinds ``make_plan`` draws at random."""
SPLIT_LOCK = "split-lock"
"""A targeted window (``sim.targeted``): drawn by ``targeted_windows``."""
TARGETED_PER_MILLE = 600
"""How often a seed's plan gets a targeted window (the rest keep the random mix only)."""

BASELINE = LinkFaults(min_delay_ms=1, max_delay_ms=40, drop_per_mille=20, duplicate_per_mille=20)
"""Links during the fault phase, outside storms: some loss and duplication."""

HEALED = LinkFaults(min_delay_ms=1, max_delay_ms=40)
"""Links once the fault phase is over: delay only."""


@dataclass(frozen=True, slots=True)
class FaultWindow:
    """One fault from ``start_ms`` to ``end_ms``.

    ``partition``: ``groups`` cut apart. ``crash``: node ``node`` is killed at
    a random point of its work at the start and restarted from its WAL at
    the end. ``storm``: links get ``links``. ``isolate`` is adaptive, as an
    asynchronous network may be: while it lasts, the first honest node to
    commit a height, while others still lack the precommits to follow, is
    cut off from all others for ``hold_ms``, so the rest must decide that
    height without it (the case locks exist for). ``split-lock`` is
    targeted (``sim.targeted``): while it lasts, the Byzantine validators
    split the honest ones around a lock at one of their proposals, and the
    honest nodes that commit that height are cut off for ``hold_ms``.
    """

    kind: str
    start_ms: int
    end_ms: int
    node: int = -1
    groups: tuple[tuple[int, ...], ...] = ()
    links: LinkFaults = BASELINE
    hold_ms: int = 0

    def describe(self, names: list[str]) -> str:
        """One line for a trace."""
        span = f"{self.start_ms}..{self.end_ms} ms"

        def name(i: int) -> str:
            return names[i] if i < len(names) else f"#{i} (absent)"

        if self.kind == PARTITION:
            parts = " | ".join(",".join(name(i) for i in group) for group in self.groups)
            return f"partition {parts} ({span})"
        if self.kind == CRASH:
            return f"crash {name(self.node)} and restart from its WAL ({span})"
        if self.kind == ISOLATE:
            return f"isolate each first committer for {self.hold_ms} ms ({span})"
        if self.kind == SPLIT_LOCK:
            return f"split the honest validators around a lock, cut for {self.hold_ms} ms ({span})"
        links = self.links
        return (
            f"storm: delay {links.min_delay_ms}-{links.max_delay_ms} ms, "
            f"drop {links.drop_per_mille}/1000, duplicate {links.duplicate_per_mille}/1000 ({span})"
        )


def make_plan(rng: random.Random, nodes: int, fault_phase_ms: int) -> tuple[FaultWindow, ...]:
    """A seeded plan of 2-7 windows over ``nodes`` node instances."""
    windows = []
    for _ in range(rng.randint(2, 7)):
        kind = rng.choice(KINDS)
        if nodes < 2 and kind in (PARTITION, ISOLATE):
            kind = CRASH  # one node has no one to be cut off from
        # an adaptive window waits for its moment, so it lasts longer than a plain fault
        duration = rng.randint(5000, 20000) if kind == ISOLATE else rng.randint(500, 8000)
        start = rng.randint(0, max(0, fault_phase_ms - duration))
        end = min(fault_phase_ms, start + duration)
        if kind == PARTITION:
            windows.append(FaultWindow(kind, start, end, groups=_split(rng, nodes)))
        elif kind == CRASH:
            windows.append(FaultWindow(kind, start, end, node=rng.randrange(nodes)))
        elif kind == ISOLATE:
            windows.append(FaultWindow(kind, start, end, hold_ms=rng.randint(2000, 8000)))
        else:
            links = LinkFaults(
                min_delay_ms=rng.randint(1, 50),
                max_delay_ms=rng.randint(60, 3000),
                drop_per_mille=rng.randint(0, 500),
                duplicate_per_mille=rng.randint(0, 300),
            )
            windows.append(FaultWindow(kind, start, end, links=links))
    return tuple(sorted(windows, key=lambda w: (w.start_ms, w.end_ms, w.kind, w.node)))


def targeted_windows(rng: random.Random, fault_phase_ms: int) -> tuple[FaultWindow, ...]:
    """With probability ``TARGETED_PER_MILLE``, one ``split-lock`` window of 8-16 s."""
    if rng.randrange(1000) >= TARGETED_PER_MILLE:
        return ()
    duration = min(fault_phase_ms, rng.randint(8000, 16000))
    start = rng.randint(0, max(0, fault_phase_ms - duration))
    return (FaultWindow(SPLIT_LOCK, start, start + duration, hold_ms=rng.randint(3000, 6000)),)


def _split(rng: random.Random, nodes: int) -> tuple[tuple[int, ...], ...]:
    """Two or three non-empty groups: a minority cut off, or the network split."""
    order = list(range(nodes))
    rng.shuffle(order)
    parts = 3 if nodes >= 5 and rng.randrange(3) == 0 else 2
    cuts = sorted(rng.sample(range(1, nodes), parts - 1))
    bounds = [0, *cuts, nodes]
    return tuple(tuple(sorted(order[a:b])) for a, b in pairwise(bounds))


def links_at(windows: list[FaultWindow]) -> LinkFaults:
    """The link faults while ``windows`` (storms) are active: the worst of each."""
    storms = [w.links for w in windows if w.kind == STORM]
    if not storms:
        return BASELINE
    return LinkFaults(
        min_delay_ms=max(s.min_delay_ms for s in storms),
        max_delay_ms=max(s.max_delay_ms for s in storms),
        drop_per_mille=max(s.drop_per_mille for s in storms),
        duplicate_per_mille=max(s.duplicate_per_mille for s in storms),
    )
