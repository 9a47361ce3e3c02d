"""Router of service ``notary`` (docs/spec/notary.md): the anchorings of a document digest.

Thin: parse the path and the page, run ``contracts.notary.anchorings_page``
with the node's proving read, map the result to the response models below.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter
from pydantic import Field

from govchain.api.errors import error_responses
from govchain.api.routes.params import (
    cursor_query,
    hash_path,
    limit_query,
    parse_cursor,
    parse_hex,
)
from govchain.api.schemas import AddressHex, ApiModel, HashHex, Height, TxReceiptBundle, Uint
from govchain.api.service import NodeService
from govchain.contracts.notary import (
    NOTARY_CURSOR_PATTERN,
    NOTARY_PAGE_DEFAULT,
    NOTARY_PAGE_MAX,
    ProvenAnchoring,
    anchorings_page,
    format_notary_cursor,
    parse_notary_cursor,
)
from govchain.types.fields import HASH_SIZE

__all__ = ["Anchoring", "NotaryLookupResponse", "notary_routes"]


class Anchoring(ApiModel):
    """One anchoring of a document digest (tx ``notary.anchor``) with its proof."""

    index: Uint
    owner: AddressHex
    time: Uint = Field(description="BFT time of the block, milliseconds since the Unix epoch")
    height: Height
    tx_hash: HashHex
    title: str
    doc_type: str
    ref: str
    receipt: TxReceiptBundle


class NotaryLookupResponse(ApiModel):
    """A page of a digest's anchorings, in order; empty if it was never anchored."""

    digest: HashHex
    anchorings: list[Anchoring] = Field(max_length=NOTARY_PAGE_MAX)
    next: str | None = Field(
        description="the cursor of the next page; null when this page is the last"
    )


def _anchoring_json(proven: ProvenAnchoring) -> dict[str, Any]:
    a = proven.anchoring
    return {
        "index": a.index,
        "owner": a.owner.hex(),
        "time": a.time,
        "height": a.height,
        "tx_hash": a.tx_hash.hex(),
        "title": a.title,
        "doc_type": a.doc_type,
        "ref": a.ref,
        "receipt": proven.receipt.to_json(),
    }


def notary_routes(service: NodeService) -> APIRouter:
    """``GET /v1/notary/{digest}``."""
    router = APIRouter(tags=["notary"])

    @router.get(
        "/v1/notary/{digest}",
        response_model=NotaryLookupResponse,
        summary="The anchorings of a document digest, a page at a time, each with its proof",
        responses=error_responses(
            "invalid_hex", "invalid_cursor", "invalid_request", "not_ready", "busy"
        ),
    )
    async def notary_lookup(
        digest: Annotated[str, hash_path("document digest")],
        limit: Annotated[
            int, limit_query(NOTARY_PAGE_DEFAULT, NOTARY_PAGE_MAX, "anchorings")
        ] = NOTARY_PAGE_DEFAULT,
        cursor: Annotated[str | None, cursor_query(NOTARY_CURSOR_PATTERN, "10")] = None,
    ) -> NotaryLookupResponse:
        value = parse_hex(digest, "digest", HASH_SIZE)
        start = 0 if cursor is None else parse_cursor(parse_notary_cursor, cursor)
        page = await service.read(anchorings_page, value, start, limit)
        following = None if page.next_index is None else format_notary_cursor(page.next_index)
        return NotaryLookupResponse.model_validate(
            {
                "digest": value.hex(),
                "anchorings": [_anchoring_json(a) for a in page.anchorings],
                "next": following,
            }
        )

    return router
