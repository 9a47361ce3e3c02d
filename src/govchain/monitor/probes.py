"""Probes: a :class:`~govchain.monitor.rules.Snapshot` gathered over the nodes' public API.

Each ``--node`` URL is watched on its own (:class:`NodeWatch`: ``/v1/status``
and ``/metrics``, and when its height last grew). The chain reading comes
from the nodes as one client (any that answers): the validator set, the
signers of the latest commits, the expiring certificates, plus what the
follower (``follow``) has gathered from events. Never a node's store.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import httpx
from cryptography import x509
from prometheus_client.parser import text_string_to_metric_families

from govchain.client.block_events import BlockEvents
from govchain.client.endpoints import client_tls_context
from govchain.client.sdk import ApiError, NodeClient
from govchain.monitor.follow import FollowState
from govchain.monitor.rules import CertificateReading, ChainReading, NodeReading
from govchain.types.errors import GovChainError

__all__ = [
    "CERT_PAGES_MAX",
    "CommitSigners",
    "HttpFollowedChain",
    "NodeWatch",
    "api_certificates",
    "chain_reading",
    "file_certificates",
    "metric_values",
]

log = logging.getLogger("govchain.monitor")

CERT_PAGES_MAX = 100
_METRICS = {
    "govchain_consensus_round": "round",
    "govchain_mempool_txs": "mempool_txs",
    "govchain_mempool_limit_txs": "mempool_limit",
    "govchain_data_free_bytes": "free_bytes",
}
_OPEN_STATES = ("ready", "returned")
_COMMITS_KEPT = 256


def metric_values(text: str) -> dict[str, int]:
    """The node metrics the rules read, from a ``/metrics`` body (absent ones left out)."""
    found: dict[str, int] = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            key = _METRICS.get(sample.name)
            if key is not None and sample.value == sample.value:  # not NaN
                found[key] = int(sample.value)
    return found


class NodeWatch:
    """One node: its status and metrics each poll, and when its height last grew."""

    def __init__(self, url: str, ca_bundle: Path | None, started_ms: int, timeout_s: float) -> None:
        self.url = url.rstrip("/")
        self.client = NodeClient(url, ca_bundle=ca_bundle, timeout_s=timeout_s, rate_limit_wait_s=0)
        verify = True if ca_bundle is None else client_tls_context(ca_bundle)
        self.http = httpx.Client(timeout=timeout_s, verify=verify)
        self.height: int | None = None
        self.since_ms = started_ms
        self.status: dict[str, Any] | None = None

    def close(self) -> None:
        """Close the connections."""
        self.client.close()
        self.http.close()

    def read(self, now_ms: int) -> NodeReading:
        """Read the node now; one that does not answer gives a reading with ``answered`` False."""
        try:
            status = self.client.status()
            height = int(status["height"])
        except (GovChainError, KeyError, TypeError, ValueError) as exc:
            log.debug("node %s did not answer: %s", self.url, exc)
            self.status = None
            return NodeReading(self.url, False, self.since_ms)
        self.status = status
        if self.height is None or height > self.height:
            self.height, self.since_ms = height, now_ms
        return NodeReading(
            self.url, True, self.since_ms, height=height, peers=len(status.get("peers", [])),
            validators=len(status.get("validators", [])), **self._metrics(),
        )  # fmt: skip

    def _metrics(self) -> dict[str, int]:
        try:
            response = self.http.get(f"{self.url}/metrics")
            response.raise_for_status()
            return metric_values(response.text)
        except (httpx.HTTPError, ValueError) as exc:
            log.debug("metrics of node %s not read: %s", self.url, exc)
            return {}


class HttpFollowedChain:
    """:class:`~govchain.monitor.follow.FollowedChain` over the nodes' API."""

    def __init__(self, node: NodeClient) -> None:
        self.node = node
        self.blocks = BlockEvents(node)

    def latest_height(self) -> int:
        """The latest committed height (0 before the first block)."""
        return self.blocks.latest_height()

    def block_events(self, height: int) -> tuple[int, list[tuple[str, dict[str, Any]]]]:
        """Block ``height``'s tx count and the events of its successful txs."""
        count = len(self.node.block(height).get("txs", []))
        return count, (self.blocks.events_at(height) if count else [])

    def step_overdue(self, case: bytes, step: str) -> bool:
        """Whether the step is open and flagged overdue now (False for an absent step)."""
        try:
            answer = self.node.get_json(f"/v1/cases/{case.hex()}/steps/{step}")
        except ApiError as exc:
            if exc.code == "not_found":
                return False
            raise
        record = answer.get("step") or {}
        return record.get("state") in _OPEN_STATES and record.get("overdue") is True


class CommitSigners:
    """The signers of the commits of recent blocks, read once per height."""

    def __init__(self, node: NodeClient) -> None:
        self.node = node
        self.known: dict[int, frozenset[str]] = {}

    def latest(self, height: int, count: int) -> tuple[frozenset[str], ...]:
        """The signers of blocks ``height``, ``height - 1``, ... (up to ``count``), newest first."""
        found = []
        for h in range(height, max(0, height - count), -1):
            if h not in self.known:
                commit = self.node.block(h).get("commit")
                if commit is None:
                    continue  # the node does not have this block's commit yet
                self.known[h] = frozenset(str(s["validator"]) for s in commit["signatures"])
            found.append(self.known[h])
        for old in [h for h in self.known if h <= height - _COMMITS_KEPT]:
            del self.known[old]
        return tuple(found)


def api_certificates(node: NodeClient, within_days: int) -> list[CertificateReading]:
    """The chain's certificates expiring within ``within_days`` of the latest block's time."""
    found: list[CertificateReading] = []
    cursor: str | None = None
    for _ in range(CERT_PAGES_MAX):
        params: dict[str, str | int] = {"within_days": within_days}
        if cursor is not None:
            params["cursor"] = cursor
        try:
            page = node.get_json("/v1/certificates/expiring", params)
        except ApiError as exc:
            if exc.code == "no_blocks":
                return found
            raise
        for cert in page["certificates"]:
            if cert.get("status") == "revoked":
                continue
            owner = cert["org"] if cert["kind"] == "member_ca" else cert["address"]
            found.append(CertificateReading(f"{cert['kind']}:{owner}:{cert['id'][:16]}",
                                            int(cert["not_after"]), int(page["time"])))  # fmt: skip
        cursor = page.get("next")
        if cursor is None:
            break
    return found


def file_certificates(paths: Sequence[Path], now_ms: int) -> list[CertificateReading]:
    """The PEM certificates of the config's files (one that cannot be read is logged)."""
    found: list[CertificateReading] = []
    for path in paths:
        try:
            certs = x509.load_pem_x509_certificates(path.read_bytes())
        except (OSError, ValueError) as exc:
            log.warning("certificate file %s not read: %s", path, exc)
            continue
        for i, cert in enumerate(certs):
            subject = f"file:{path}" if len(certs) == 1 else f"file:{path}#{i}"
            not_after = int(cert.not_valid_after_utc.timestamp()) * 1000
            found.append(CertificateReading(subject, not_after, now_ms))
    return found


def chain_reading(
    status: dict[str, Any],
    signers: CommitSigners,
    follow: FollowState,
    certificates: Callable[[], list[CertificateReading]],
    commits: int,
) -> ChainReading:
    """The chain reading: ``status`` of a node that answered, the follower's state, the rest
    read now through the client of ``signers``."""
    height = int(status["height"])
    validators = tuple(sorted((str(v["address"]), int(v["votes_from"]))
                              for v in status.get("validators", [])))  # fmt: skip
    return ChainReading(
        height=height,
        validators=validators,
        signers=signers.latest(height, commits),
        evidence=tuple(sorted(follow.evidence.items())),
        certificates=tuple(certificates()),
        overdue_steps=tuple(sorted(follow.overdue)),
    )
