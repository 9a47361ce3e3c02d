"""The garbage collector's settings in a node process (issue 21).

A node makes and drops many short-lived objects per tx: decoded records,
state-tree nodes on their way to disk, futures. Python's cyclic collector
runs a young collection every 700 net allocations, and each one walks every
young object still alive, so the nodes a block is building were walked
again and again: a fifth of a state-tree update went to the collector
(``govchain bench profile``). Reference counting frees nearly all of them
anyway; the collector is only for cycles.

So, once the node is built: everything alive then (modules, the API's
routes and models, the stores) moves to the permanent generation, which no
collection walks, and a young collection waits for 10,000 net allocations.
Cycles are still collected, later; the node's memory is measured by
``bench cluster`` (peak RSS per validator).
"""

from __future__ import annotations

import gc

__all__ = ["YOUNG_THRESHOLD", "tune_gc"]

YOUNG_THRESHOLD = 10_000
"""Net allocations between two young collections (Python's default is 700)."""


def tune_gc() -> None:
    """Freeze what is alive now and space the young collections out (a node process, once)."""
    gc.collect()
    gc.freeze()
    _, middle, old = gc.get_threshold()
    gc.set_threshold(YOUNG_THRESHOLD, middle, old)
