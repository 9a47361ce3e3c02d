"""Router of service ``messages`` (docs/spec/messages.md): a sender's notice of a message.

Thin: parse the path and query, run ``contracts.messages.reads`` with the
node's proving read, answer the record and its state fact. The messages
themselves are on the storage nodes, never here.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query

from govchain.api.errors import ApiError, error_responses
from govchain.api.routes.params import hash_path, parse_hex
from govchain.api.schemas import ApiModel, StateFact
from govchain.api.service import NodeService
from govchain.contracts.messages.reads import notice_with_fact
from govchain.types.fields import HASH_SIZE
from govchain.types.validators import ADDRESS_SIZE

__all__ = ["NoticeResponse", "message_routes"]


class NoticeResponse(ApiModel):
    """A notice ``{hash, sender, recipient, height, time, tx_hash}`` and its state fact."""

    notice: dict[str, Any]
    fact: StateFact


def message_routes(service: NodeService) -> APIRouter:
    """``GET /v1/messages/notices/{hash}?sender=ADDRESS``."""
    router = APIRouter(tags=["messages"])

    @router.get(
        "/v1/messages/notices/{message_hash}",
        response_model=NoticeResponse,
        summary="A sender's notice of a message (proof of delivery), with its proof",
        responses=error_responses(
            "invalid_hex", "invalid_request", "not_found", "no_blocks", "busy"
        ),
    )
    async def show_notice(
        message_hash: Annotated[str, hash_path("message id")],
        sender: Annotated[
            str,
            Query(
                description="the sender's address (hex)",
                json_schema_extra={"pattern": r"^[0-9a-fA-F]{40}$"},
            ),
        ],
    ) -> NoticeResponse:
        value = parse_hex(message_hash, "message id", HASH_SIZE)
        address = parse_hex(sender, "sender", ADDRESS_SIZE)
        proven = await service.read(notice_with_fact, value, address)
        if proven.notice is None:
            raise ApiError("not_found", f"no notice of message {value.hex()} by {address.hex()}")
        return NoticeResponse.model_validate(
            {"notice": proven.notice.to_json(), "fact": proven.proven.fact.to_json()}
        )

    return router
