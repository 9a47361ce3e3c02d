"""The console's reads of the nodes, through the SDK: live status and proven records.

Each node is asked for its status on its own (the overview shows every
node, up or not). A tx's receipt file and a case's timeline come from any
node that answers, and the console checks them offline against the
genesis it was given (``--genesis``): the receipt with
:func:`govchain.client.verify_tx_receipt`, the case and each timeline entry
with their state facts (:func:`govchain.client.registry.verify_record`).
A node's word is shown as checked only when that check passed.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from govchain.client import verify_tx_receipt
from govchain.client.registry import verify_record
from govchain.client.sdk import ApiError, NodeClient
from govchain.contracts.workflow.records import Case, TimelineEntry
from govchain.contracts.workflow.state import case_key, timeline
from govchain.ledger.proofs import TxReceiptBundle
from govchain.types import Genesis
from govchain.types.errors import GovChainError, ProofError, ValidationError

__all__ = ["CaseView", "ChainReader", "NodeState", "NotFoundError", "OfflineCheck", "TxView"]

log = logging.getLogger("govchain.console")

STATUS_TIMEOUT_S = 3.0
READ_TIMEOUT_S = 10.0
MAX_TIMELINE = 1000
"""The most timeline entries a case page reads (40 pages of 25)."""


@dataclass(frozen=True, slots=True)
class NodeState:
    """One node as it answered ``/v1/status`` now (``up`` False: it did not answer)."""

    url: str
    up: bool
    height: int = 0
    role: str = ""
    peers: int = 0
    syncing: bool = False


@dataclass(frozen=True, slots=True)
class OfflineCheck:
    """The outcome of an offline check: ``passed``, ``failed`` (with the check that failed
    and why) or ``unavailable`` (no genesis given)."""

    outcome: str
    check: str = ""
    reason: str = ""
    signed_power: int = 0
    total_power: int = 0


@dataclass(frozen=True, slots=True)
class TxView:
    """A tx as a node serves it, with the offline check of its receipt file."""

    tx_hash: str
    status: str
    bundle: TxReceiptBundle | None
    check: OfflineCheck


@dataclass(frozen=True, slots=True)
class CaseView:
    """A case with its steps and whole timeline, and the check of the case and the entries."""

    case: dict[str, Any]
    steps: list[dict[str, Any]]
    timeline: list[dict[str, Any]]
    check: OfflineCheck
    failed_entry: int | None = None
    process: dict[str, Any] = field(default_factory=dict)
    """The case's process version as the node answered it (its steps name their matters)."""


class NotFoundError(GovChainError):
    """The nodes do not have the record asked for."""

    code = "not_found"


class ChainReader:
    """Reads of the nodes ``urls`` (one client per node for status, one over all for reads)."""

    def __init__(
        self,
        urls: Sequence[str],
        ca_bundle: Path | None,
        genesis: Genesis | None,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        """``transport``: an httpx transport for every client (tests: ``httpx.MockTransport``)."""
        self._each = [
            NodeClient(
                url,
                ca_bundle=ca_bundle,
                timeout_s=STATUS_TIMEOUT_S,
                rate_limit_wait_s=0,
                transport=transport,
            )
            for url in urls
        ]
        self._any = NodeClient(
            list(urls), ca_bundle=ca_bundle, timeout_s=READ_TIMEOUT_S, transport=transport
        )
        self.genesis = genesis

    def close(self) -> None:
        """Release every connection pool."""
        for client in (*self._each, self._any):
            client.close()

    def nodes(self) -> list[NodeState]:
        """Every node's state, in the order given."""
        return [_state_of(client) for client in self._each]

    def tx(self, tx_hash: bytes) -> TxView:
        """The tx ``tx_hash`` and the offline check of its receipt; NotFoundError if unknown."""
        try:
            result = self._any.tx(tx_hash)
        except ApiError as exc:
            if exc.status == 404:
                raise NotFoundError(f"no tx {tx_hash.hex()}") from exc
            raise
        if result.receipt is None:
            return TxView(tx_hash.hex(), result.status, None, OfflineCheck("unavailable"))
        try:
            bundle = TxReceiptBundle.from_json(result.receipt)
        except (ProofError, ValidationError) as exc:
            failed = OfflineCheck("failed", getattr(exc, "check", "format"), str(exc))
            return TxView(tx_hash.hex(), result.status, None, failed)
        return TxView(tx_hash.hex(), result.status, bundle, self._check_receipt(bundle))

    def _check_receipt(self, bundle: TxReceiptBundle) -> OfflineCheck:
        if self.genesis is None:
            return OfflineCheck("unavailable")
        try:
            verified = verify_tx_receipt(self.genesis, bundle)
        except ProofError as exc:
            return OfflineCheck("failed", exc.check, str(exc))
        except GovChainError as exc:
            return OfflineCheck("failed", "format", str(exc))
        return OfflineCheck(
            "passed", signed_power=verified.signed_power, total_power=verified.total_power
        )

    def case(self, case_id: bytes) -> CaseView:
        """The case, its steps and its timeline (every page), checked against the genesis."""
        try:
            answer = self._any.get_json(f"/v1/cases/{case_id.hex()}")
            entries = self._timeline(case_id)
        except ApiError as exc:
            if exc.status == 404:
                raise NotFoundError(f"no case {case_id.hex()}") from exc
            raise
        case, steps = answer["case"], list(answer["steps"])
        process = dict(answer.get("process") or {})
        if self.genesis is None:
            return CaseView(case, steps, entries, OfflineCheck("unavailable"), process=process)
        try:
            verify_record(
                self.genesis,
                case_key(case_id),
                answer["fact"],
                case,
                Case.from_stored,
                Case.to_json,
            )
        except ProofError as exc:
            failed = OfflineCheck("failed", exc.check, str(exc))
            return CaseView(case, steps, entries, failed, process=process)
        for shown in entries:
            index = int(shown["index"])
            try:
                verify_record(
                    self.genesis,
                    timeline(case_id).item_key(index),
                    shown["fact"],
                    shown["entry"],
                    TimelineEntry.from_stored,
                    TimelineEntry.to_json,
                )
            except ProofError as exc:
                failed = OfflineCheck("failed", exc.check, str(exc))
                return CaseView(case, steps, entries, failed, index, process)
        return CaseView(case, steps, entries, OfflineCheck("passed"), process=process)

    def read(self, path: str, params: dict[str, str | int] | None = None) -> dict[str, Any]:
        """``GET path`` of any node that answers; NotFoundError for a 404."""
        try:
            return self._any.get_json(path, params)
        except ApiError as exc:
            if exc.status == 404:
                raise NotFoundError(f"{path}: {exc.code}") from exc
            raise

    def read_each_text(self, path: str) -> list[tuple[str, str | None]]:
        """``GET path`` of every node on its own: ``(url, text)``, text None when the node
        did not answer (the reason goes to the log)."""
        found: list[tuple[str, str | None]] = []
        for client in self._each:
            try:
                found.append((client.base_url, client.get_text(path)))
            except GovChainError as exc:
                log.warning("console: %s%s: %s", client.base_url, path, exc)
                found.append((client.base_url, None))
        return found

    def _timeline(self, case_id: bytes) -> list[dict[str, Any]]:
        """Every timeline entry, page after page, up to MAX_TIMELINE."""
        found: list[dict[str, Any]] = []
        cursor: str | None = None
        while len(found) < MAX_TIMELINE:
            page = self._any.get_json(
                f"/v1/cases/{case_id.hex()}/timeline", {} if cursor is None else {"cursor": cursor}
            )
            found += page["entries"]
            cursor = page.get("next")
            if cursor is None:
                break
        return found[:MAX_TIMELINE]


def _state_of(client: NodeClient) -> NodeState:
    try:
        status = client.status()
    except GovChainError:
        return NodeState(client.base_url, up=False)
    return NodeState(
        client.base_url,
        up=True,
        height=int(status.get("height", 0)),
        role=str(status.get("role", "")),
        peers=len(status.get("peers") or ()),
        syncing=bool(status.get("syncing", False)),
    )
