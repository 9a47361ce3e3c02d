"""Prometheus metrics of a node (F-E3), exposed by the API at ``/metrics``.

The node updates the chain, mempool, peer and consensus metrics; the API
counts its own requests. Both write to one ``NodeMetrics`` built on the
node's registry, so nothing is registered twice.
"""

from __future__ import annotations

import functools
from collections.abc import Callable

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram

__all__ = ["COMMIT_LATENCY_BUCKETS_S", "COMPACT_OUTCOMES", "NodeMetrics"]

COMMIT_LATENCY_BUCKETS_S = (0.05, 0.1, 0.25, 0.5, 1.0, 2.0, 3.0, 5.0, 10.0, 30.0, 60.0)
"""Buckets of the commit latency histogram, in seconds (block time is about 1 s)."""
COMPACT_OUTCOMES = ("sent", "rebuilt", "requested", "answered")
"""The ``outcome`` labels of ``govchain_compact_proposals``."""


class NodeMetrics:
    """The node's metrics, registered in ``registry``.

    Attributes: ``height``, ``txs_committed``, ``mempool_txs``, ``mempool_limit_txs``,
    ``data_free_bytes`` (read by the monitor's rules), ``peers``,
    ``consensus_round``, ``compact_proposals`` and ``decisions`` (label ``outcome``),
    ``commit_latency`` (seconds from a block's proposal to its commit),
    ``api_requests`` (labels ``route``, ``status``) and ``security_events``
    (labels ``source``, ``event``).
    """

    def __init__(self, registry: CollectorRegistry) -> None:
        self.height = Gauge(
            "govchain_height", "Height of the latest committed block.", registry=registry
        )
        self.txs_committed = Counter(
            "govchain_txs_committed", "Txs committed in blocks.", registry=registry
        )
        self.mempool_txs = Gauge(
            "govchain_mempool_txs", "Txs waiting in the mempool.", registry=registry
        )
        self.mempool_limit_txs = Gauge(
            "govchain_mempool_limit_txs", "Txs the mempool holds at most.", registry=registry
        )
        self.data_free_bytes = Gauge(
            "govchain_data_free_bytes",
            "Free bytes of the file system of the node's home (its data dir).",
            registry=registry,
        )
        self.peers = Gauge("govchain_peers", "Connected peers.", registry=registry)
        self.compact_proposals = Gauge(
            "govchain_compact_proposals",
            "Proposals by tx hash (docs/spec/consensus.md): sent; received and rebuilt from the "
            "pool; received with a tx missing, the whole asked for; peers' asks answered.",
            ["outcome"],
            registry=registry,
        )
        self.decisions = Gauge(
            "govchain_decisions_received",
            "Decisions (a decided block and its commit certificate) peers sent this node because "
            "it seemed behind: all received, and those for a height it had committed meanwhile "
            "(dropped unread). Many per block: this validator lags the others.",
            ["outcome"],
            registry=registry,
        )
        self.consensus_round = Gauge(
            "govchain_consensus_round", "Consensus round at the current height.", registry=registry
        )
        self.commit_latency = Histogram(
            "govchain_commit_latency_seconds",
            "Seconds from a block's proposal to its commit.",
            buckets=COMMIT_LATENCY_BUCKETS_S,
            registry=registry,
        )
        self.api_requests = Counter(
            "govchain_api_requests",
            "API requests answered, by route template and HTTP status.",
            ["route", "status"],
            registry=registry,
        )
        self._api_request_counters: dict[tuple[str, int], Counter] = {}
        self.security_events = Counter(
            "govchain_security_events",
            "Security events (refused peers, permission denials, bad signatures, rate-limit "
            "hits), by source and event.",
            ["source", "event"],
            registry=registry,
        )

    def watch_compact(self, read: Callable[[str], int]) -> None:
        """Point ``govchain_compact_proposals`` at ``read(outcome)`` for each outcome."""
        for outcome in COMPACT_OUTCOMES:
            gauge = self.compact_proposals.labels(outcome=outcome)
            gauge.set_function(functools.partial(read, outcome))

    def watch_decisions(self, received: Callable[[], int], stale: Callable[[], int]) -> None:
        """Point ``govchain_decisions_received`` at the network's counts."""
        self.decisions.labels(outcome="received").set_function(received)
        self.decisions.labels(outcome="stale").set_function(stale)

    def security_event(self, source: str, event: str) -> None:
        """Count one security event (docs/spec/audit.md): its source and event name."""
        self.security_events.labels(source=source, event=event).inc()

    def block_committed(self, height: int, tx_count: int, latency_s: float) -> None:
        """Record a committed block: the new height, its txs and its commit latency."""
        assert height >= 1, "heights start at 1"
        assert tx_count >= 0, "tx count"
        assert latency_s >= 0, "latency"
        self.height.set(height)
        self.txs_committed.inc(tx_count)
        self.commit_latency.observe(latency_s)

    def api_request(self, route: str, status: int) -> None:
        """Count one API answer; ``route`` is the route's template, never the raw path."""
        # the labelled counter is looked up once per (route, status): both come from finite
        # sets (route templates, HTTP statuses), so the cache is bounded
        counter = self._api_request_counters.get((route, status))
        if counter is None:
            counter = self.api_requests.labels(route=route, status=str(status))
            self._api_request_counters[(route, status)] = counter
        counter.inc()
