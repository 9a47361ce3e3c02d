"""The members page's reads of the nodes: the registry routes and the security event counters.

Members and nodes come from ``GET /v1/registry/members`` and ``/v1/registry/nodes`` (every
page, up to MAX_REGISTRY_ROWS); a member's detail from ``/v1/registry/members/{code}``, whose
state fact is checked offline against the genesis (:func:`govchain.client.registry.verify_member`).
The security events are each node's counter ``govchain_security_events_total`` of its public
``/metrics`` (docs/spec/audit.md): the console never reads a node's files.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from prometheus_client.parser import text_string_to_metric_families

from govchain.client.registry import verify_member
from govchain.console.chain_reader import ChainReader, OfflineCheck
from govchain.types.errors import GovChainError, ProofError

__all__ = [
    "MAX_REGISTRY_ROWS",
    "MemberView",
    "NodeSecurity",
    "member",
    "members",
    "registry_nodes",
    "security_events",
]

MAX_REGISTRY_ROWS = 1000
"""The most members, and the most nodes, a page lists."""
_SECURITY_FAMILY = "govchain_security_events"


@dataclass(frozen=True, slots=True)
class MemberView:
    """A member record as a node served it, and the offline check of its state fact."""

    member: dict[str, Any]
    check: OfflineCheck


@dataclass(frozen=True, slots=True)
class NodeSecurity:
    """One node's security event counts since it started: ``(source, event, count)``, or
    ``up`` False when its ``/metrics`` did not answer."""

    url: str
    up: bool
    counts: tuple[tuple[str, str, int], ...] = ()


def _every(chain: ChainReader, path: str, field: str) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []
    cursor: str | None = None
    while len(found) < MAX_REGISTRY_ROWS:
        page = chain.read(path, {} if cursor is None else {"cursor": cursor})
        found += [item for item in page.get(field, []) if isinstance(item, dict)]
        cursor = page.get("next")
        if cursor is None:
            break
    return found[:MAX_REGISTRY_ROWS]


def members(chain: ChainReader) -> list[dict[str, Any]]:
    """The registered members, in the registry's order."""
    return _every(chain, "/v1/registry/members", "members")


def registry_nodes(chain: ChainReader) -> list[dict[str, Any]]:
    """The registered nodes, in the registry's order."""
    return _every(chain, "/v1/registry/nodes", "nodes")


def member(chain: ChainReader, code: str) -> MemberView:
    """Member ``code`` (NotFoundError if none) with the check of its state fact."""
    answer = chain.read(f"/v1/registry/members/{code}")
    shown = answer.get("member")
    if not isinstance(shown, dict):
        raise ProofError("the answer has no member record", "format")
    if chain.genesis is None:
        return MemberView(shown, OfflineCheck("unavailable"))
    try:
        verify_member(chain.genesis, answer)
    except ProofError as exc:
        return MemberView(shown, OfflineCheck("failed", exc.check, str(exc)))
    except GovChainError as exc:
        return MemberView(shown, OfflineCheck("failed", "format", str(exc)))
    return MemberView(shown, OfflineCheck("passed"))


def _counts(metrics: str) -> tuple[tuple[str, str, int], ...] | None:
    """The counter's samples of a ``/metrics`` body; None when it is not the text format."""
    found: list[tuple[str, str, int]] = []
    try:
        for family in text_string_to_metric_families(metrics):
            if family.name != _SECURITY_FAMILY:
                continue
            for sample in family.samples:
                if sample.name == f"{_SECURITY_FAMILY}_total":
                    labels = sample.labels
                    found.append((labels.get("source", ""), labels.get("event", ""),
                                  int(sample.value)))  # fmt: skip
    except ValueError:
        return None
    return tuple(sorted(found))


def security_events(chain: ChainReader) -> list[NodeSecurity]:
    """Each node's security event counts, in the order the nodes were given."""
    found = []
    for url, text in chain.read_each_text("/metrics"):
        counts = None if text is None else _counts(text)
        up = counts is not None
        found.append(NodeSecurity(url, up, counts or ()))
    return found
