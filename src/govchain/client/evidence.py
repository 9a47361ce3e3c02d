"""SDK of service ``evidence`` (docs/spec/evidence.md): list committed evidence, verify offline.

Validators submit evidence themselves, so this SDK only reads:
:class:`EvidenceClient` pages through ``GET /v1/evidence``, and
:func:`verify_evidence` checks one record against the genesis the caller
trusts: its receipt proves a ``consensus.evidence`` tx was committed with
success (the chain's validators checked both vote signatures), and the
record's fields must be what that tx carries.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from govchain.client.sdk import ApiError, NodeClient
from govchain.client.verify import VerifiedTx, verify_tx_receipt
from govchain.contracts.evidence import EVIDENCE_TX_TYPE, EvidenceArgs
from govchain.execution.registry import ContractError
from govchain.ledger.proofs import TxReceiptBundle
from govchain.types import Genesis
from govchain.types.commit import VoteType
from govchain.types.errors import ProofError

__all__ = ["EvidenceClient", "EvidenceListPage", "VerifiedEvidence", "verify_evidence"]

MAX_PAGES = 100_000
"""The most pages :meth:`EvidenceClient.all_evidence` follows (a guard against a looping node)."""
_VOTE_TYPES = {VoteType.PREVOTE: "prevote", VoteType.PRECOMMIT: "precommit"}


@dataclass(frozen=True, slots=True)
class EvidenceListPage:
    """One page of ``GET /v1/evidence``: records as JSON, the height read, the next cursor."""

    height: int
    evidence: tuple[dict[str, Any], ...]
    next: str | None


@dataclass(frozen=True, slots=True)
class VerifiedEvidence:
    """What a verified record proves: this validator signed two votes for one step."""

    validator: bytes
    height: int
    round: int
    vote_type: str
    committed_height: int
    tx: VerifiedTx


class EvidenceClient:
    """The evidence routes of one node, through its :class:`NodeClient`."""

    def __init__(self, node: NodeClient) -> None:
        self.node = node

    def page(self, *, cursor: str | None = None, limit: int | None = None) -> EvidenceListPage:
        """One page of committed evidence, from ``cursor`` (None: block 1)."""
        params: dict[str, str | int] = {}
        if cursor is not None:
            params["cursor"] = cursor
        if limit is not None:
            params["limit"] = limit
        answer = self.node.get_json("/v1/evidence", params)
        items, height, following = answer.get("evidence"), answer.get("height"), answer.get("next")
        if (
            not isinstance(items, list)
            or not isinstance(height, int)
            or not (following is None or isinstance(following, str))
        ):
            raise ApiError(200, "bad_response", "an evidence page lacks evidence, height or next")
        return EvidenceListPage(height, tuple(items), following)

    def all_evidence(self, limit: int | None = None) -> Iterator[dict[str, Any]]:
        """Every committed record up to the node's height, following the pages to the last."""
        cursor: str | None = None
        for _ in range(MAX_PAGES):
            page = self.page(cursor=cursor, limit=limit)
            yield from page.evidence
            if page.next is None:
                return
            cursor = page.next
        raise ApiError(200, "bad_response", f"more than {MAX_PAGES} pages of evidence")


def verify_evidence(genesis: Genesis, item: dict[str, Any]) -> VerifiedEvidence:
    """Check one record (an item of an evidence page) against a trusted genesis.

    Raises ProofError (``check`` names the step) if its receipt does not
    verify, or if it does not prove what the item says.
    """
    try:
        bundle = TxReceiptBundle.from_json(item.get("receipt"))
    except (ProofError, ValueError) as exc:
        raise ProofError(f"evidence receipt: {exc}", "format") from exc
    verified = verify_tx_receipt(genesis, bundle)
    if bundle.tx.type != EVIDENCE_TX_TYPE or verified.status != 0:
        raise ProofError("the receipt is not of a successful consensus.evidence tx", "evidence")
    try:
        evidence = EvidenceArgs.from_args(bundle.tx.args).evidence
    except ContractError as exc:
        raise ProofError(f"the evidence tx's args: {exc}", "evidence") from exc
    first, second = evidence.first, evidence.second
    proven = {
        "validator": first.validator.hex(),
        "height": first.height,
        "round": first.round,
        "vote_type": _VOTE_TYPES[first.type],
        "first_block_hash": first.block_hash.hex(),
        "second_block_hash": second.block_hash.hex(),
        "committed_height": bundle.header.height,
        "tx_hash": verified.tx_hash.hex(),
    }
    wrong = sorted(name for name, value in proven.items() if item.get(name) != value)
    if wrong:
        raise ProofError(f"the record's {', '.join(wrong)} differ from its proof", "evidence")
    return VerifiedEvidence(
        first.validator,
        first.height,
        first.round,
        _VOTE_TYPES[first.type],
        bundle.header.height,
        verified,
    )
