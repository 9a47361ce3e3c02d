"""Prometheus metrics of a storage node, exposed at ``/metrics`` (F-E3)."""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter

__all__ = ["UNMATCHED_ROUTE", "StorageMetrics"]

UNMATCHED_ROUTE = "unmatched"
"""The ``route`` label of requests no route matched (keeps the label set bounded)."""


class StorageMetrics:
    """A storage node's counters, registered in ``registry``.

    ``blobs_stored`` and ``bytes_stored`` count accepted uploads (the same
    bytes uploaded twice count twice: the store keeps one copy);
    ``blobs_served`` counts blobs read out; ``corrupt_reads`` counts reads
    refused because the stored bytes failed their hash (each is also in the
    log); ``requests`` counts answers by route template and status.
    """

    def __init__(self, registry: CollectorRegistry) -> None:
        self.registry = registry
        self.blobs_stored = Counter(
            "govchain_storage_blobs_stored", "Blobs accepted by PUT.", registry=registry
        )
        self.bytes_stored = Counter(
            "govchain_storage_bytes_stored",
            "Bytes of the blobs accepted by PUT.",
            registry=registry,
        )
        self.blobs_served = Counter(
            "govchain_storage_blobs_served", "Blobs returned by GET.", registry=registry
        )
        self.corrupt_reads = Counter(
            "govchain_storage_corrupt_reads",
            "Reads refused because the stored bytes no longer match their hash.",
            registry=registry,
        )
        self.requests = Counter(
            "govchain_storage_requests",
            "Requests answered, by route template and HTTP status.",
            ["route", "status"],
            registry=registry,
        )

    def stored(self, size: int) -> None:
        """Count one accepted upload of ``size`` bytes."""
        assert size >= 0, "size"
        self.blobs_stored.inc()
        self.bytes_stored.inc(size)

    def request(self, route: str, status: int) -> None:
        """Count one answer; ``route`` is the route's template, never the raw path."""
        self.requests.labels(route=route, status=str(status)).inc()
