"""Router of service ``evidence`` (docs/spec/evidence.md): the committed duplicate-vote records.

Thin: parse the page, run ``contracts.evidence.evidence_page`` with the
node's proving read, map the result to the response models below.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter
from pydantic import Field

from govchain.api.errors import error_responses
from govchain.api.routes.params import cursor_query, limit_query, parse_cursor
from govchain.api.schemas import (
    AddressHex,
    ApiModel,
    HashHex,
    Height,
    MaybeHashHex,
    TxReceiptBundle,
    Uint,
)
from govchain.api.service import NodeService
from govchain.contracts.evidence import (
    EVIDENCE_CURSOR_PATTERN,
    EVIDENCE_PAGE_DEFAULT,
    EVIDENCE_PAGE_MAX,
    EVIDENCE_SCAN_BLOCKS,
    EvidenceCursor,
    ProvenEvidence,
    evidence_page,
    format_evidence_cursor,
    parse_evidence_cursor,
)
from govchain.types.commit import VoteType

__all__ = ["EvidenceItem", "EvidenceListResponse", "evidence_routes"]

_VOTE_TYPES = {VoteType.PREVOTE: "prevote", VoteType.PRECOMMIT: "precommit"}


class EvidenceItem(ApiModel):
    """One committed record: a validator signed two different votes for one step."""

    validator: AddressHex
    height: Height = Field(description="the height of the two votes")
    round: Uint
    vote_type: Literal["prevote", "precommit"]
    first_block_hash: MaybeHashHex = Field(description="what the first vote was for (empty: nil)")
    second_block_hash: HashHex
    committed_height: Height = Field(description="the height of the block that recorded it")
    tx_hash: HashHex
    receipt: TxReceiptBundle


class EvidenceListResponse(ApiModel):
    """A page of records in chain order, read at ``height``."""

    height: Uint = Field(description="the height read: later records are not in this listing")
    evidence: list[EvidenceItem] = Field(max_length=EVIDENCE_PAGE_MAX)
    next: str | None = Field(
        description=(
            "the cursor of the next page; null once the read height is reached. A page looks at"
            f" the receipts of at most {EVIDENCE_SCAN_BLOCKS} blocks, so it may be short, or"
            " empty, and still have a next"
        )
    )


def _item_json(proven: ProvenEvidence) -> dict[str, Any]:
    first, second = proven.evidence.first, proven.evidence.second
    return {
        "validator": first.validator.hex(),
        "height": first.height,
        "round": first.round,
        "vote_type": _VOTE_TYPES[first.type],
        "first_block_hash": first.block_hash.hex(),
        "second_block_hash": second.block_hash.hex(),
        "committed_height": proven.committed_height,
        "tx_hash": proven.receipt.receipt.tx_hash.hex(),
        "receipt": proven.receipt.to_json(),
    }


def evidence_routes(service: NodeService) -> APIRouter:
    """``GET /v1/evidence``."""
    router = APIRouter(tags=["evidence"])

    @router.get(
        "/v1/evidence",
        response_model=EvidenceListResponse,
        summary="Committed duplicate-vote evidence, a page at a time, each with its proof",
        responses=error_responses("invalid_cursor", "invalid_request", "not_ready", "busy"),
    )
    async def evidence_list(
        limit: Annotated[
            int, limit_query(EVIDENCE_PAGE_DEFAULT, EVIDENCE_PAGE_MAX, "records")
        ] = EVIDENCE_PAGE_DEFAULT,
        cursor: Annotated[str | None, cursor_query(EVIDENCE_CURSOR_PATTERN, "1-0")] = None,
    ) -> EvidenceListResponse:
        start = (
            EvidenceCursor(1, 0) if cursor is None else parse_cursor(parse_evidence_cursor, cursor)
        )
        page = await service.read(evidence_page, start, limit)
        following = None if page.next is None else format_evidence_cursor(page.next)
        return EvidenceListResponse.model_validate(
            {
                "height": page.height,
                "evidence": [_item_json(item) for item in page.evidence],
                "next": following,
            }
        )

    return router
