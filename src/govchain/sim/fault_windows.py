"""The fault windows of a simulated run: starting and ending them, and the adaptive cuts.

``FaultWindows`` is the part of :class:`~govchain.sim.cluster.Cluster` that
applies a plan's windows (partitions, crashes and restarts, storms, the
adaptive ``isolate`` and the targeted split-lock's cuts) to the network and
the nodes.
"""

from __future__ import annotations

from collections import Counter
from typing import TYPE_CHECKING

from govchain.consensus.events import Action, CommitBlock, Step
from govchain.sim.faults import CRASH, ISOLATE, PARTITION, SPLIT_LOCK, FaultWindow, links_at
from govchain.sim.network import SimNetwork
from govchain.sim.node import SimNode
from govchain.sim.targeted import Groups, SplitLock
from govchain.sim.trace import Trace
from govchain.types import Vote

WORLD = -1
"""The network address of the world's own events (fault ends), not a node's."""


class FaultWindows:
    """Start and end fault windows; cut the network as the adaptive windows ask."""

    nodes: list[SimNode]
    network: SimNetwork
    trace: Trace
    counts: Counter[str]
    split_lock: SplitLock
    _active: list[FaultWindow]
    _cut: FaultWindow | None

    if TYPE_CHECKING:  # provided by Cluster

        @property
        def now(self) -> int: ...

        @property
        def names(self) -> list[str]: ...

        @property
        def honest_nodes(self) -> list[SimNode]: ...

        def _clock(self, node: SimNode) -> int: ...

        def _perform(self, node: SimNode, actions: list[Action]) -> None: ...

    def _start(self, window: FaultWindow) -> None:
        self._active.append(window)
        self.trace.world(self.now, "fault starts: " + window.describe(self.names))
        if window.kind == CRASH:
            node = self.nodes[window.node]
            node.crash_windows += 1
            self.counts["crashes"] += 1
            if node.up and node.crash_after is None:
                node.crash_after = self.network.rng.randint(0, 4)
        else:
            self.counts[window.kind + "s"] += 1
            if window.kind == SPLIT_LOCK:
                self.split_lock.window_started(window)
        self._apply_links()

    def _end(self, window: FaultWindow) -> None:
        if window not in self._active:
            return
        self._active.remove(window)
        self.trace.world(self.now, "fault ends: " + window.describe(self.names))
        if window.kind == CRASH:
            node = self.nodes[window.node]
            node.crash_windows -= 1
            if node.crash_windows == 0:
                if node.up:
                    self._crash(node)
                self.counts["restarts"] += 1
                self.trace.world(self.now, f"{node.name} restarts from its WAL")
                self._perform(node, node.boot(self._clock(node)))
        elif window.kind == SPLIT_LOCK:
            self.split_lock.window_ended(window)
        self._apply_links()

    def _others_did_not_prevote(self, node: SimNode, action: CommitBlock) -> bool:
        """Whether some other honest node has not prevoted the block in its round: then
        the others may not gather the precommits to follow without the committer's help."""
        commit = action.commit
        for other in self.honest_nodes:
            core = other.core
            if other is node or core is None or core.height != commit.height:
                continue
            prevote = core.state.signed.get((commit.round, Step.PREVOTE))
            if not isinstance(prevote, Vote) or prevote.block_hash != commit.block_hash:
                return True
        return False

    def _isolate_first_committer(self, node: SimNode) -> None:
        if any(w.kind == PARTITION for w in self._active):
            return  # one cut at a time, or the honest majority is gone too
        for window in self._active:
            if window.kind == ISOLATE and self.now < window.end_ms:
                others = tuple(n.index for n in self.nodes if n is not node)
                cut = FaultWindow(
                    PARTITION, self.now, self.now + window.hold_ms, groups=((node.index,), others)
                )
                self._start(cut)
                self.network.schedule(window.hold_ms, WORLD, ("end", cut))
                return

    def _targeted_cut(self, groups: Groups, until_ms: int) -> None:
        """The split-lock's cut: ``groups`` apart until ``until_ms`` (none: end the cut)."""
        if self._cut is not None:
            self._end(self._cut)
            self._cut = None
        if groups and until_ms > self.now:
            self._cut = FaultWindow(PARTITION, self.now, until_ms, groups=groups)
            self._start(self._cut)
            self.network.schedule(until_ms - self.now, WORLD, ("end", self._cut))

    def _apply_links(self) -> None:
        self.network.set_partitions([w.groups for w in self._active if w.kind == PARTITION])
        self.network.faults = links_at(self._active)

    def _crash(self, node: SimNode) -> None:
        self.trace.world(self.now, f"{node.name} killed")
        node.crash()
