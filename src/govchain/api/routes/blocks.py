"""Chain-level router ``blocks``: a committed block by height, or the latest one.

Blocks are read with the node's proving read, off the event loop.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path

from govchain.api.errors import ApiError, error_responses
from govchain.api.json_forms import block_json
from govchain.api.schemas import BlockResponse
from govchain.api.service import NodeService
from govchain.contracts.proving_reader import ProvingReader
from govchain.ledger import records
from govchain.types.fields import UINT64_MAX

__all__ = ["block_at", "block_routes"]


def block_at(reader: ProvingReader, height: int | None) -> dict[str, Any] | None:
    """Block ``height`` (None: the latest read) as JSON, with its commit; None if absent."""
    chosen = reader.height if height is None else height
    if not 1 <= chosen <= reader.height:
        return None
    block = reader.block(chosen)
    hashes = [records.tx_hash(reader.suite, tx) for tx in block.txs]
    return block_json(block, reader.block_hash(chosen), hashes, reader.commit(chosen))


def block_routes(service: NodeService) -> APIRouter:
    """``GET /v1/blocks/latest`` and ``GET /v1/blocks/{height}``."""
    router = APIRouter(tags=["blocks"])

    async def _block(height: int | None) -> BlockResponse:
        found = await service.read(block_at, height)
        if found is None:
            where = "yet" if height is None else f"at height {height}"
            raise ApiError("not_found", f"no block {where}")
        return BlockResponse.model_validate(found)

    @router.get(
        "/v1/blocks/latest",
        response_model=BlockResponse,
        summary="The latest committed block",
        responses=error_responses("not_found", "not_ready", "busy"),
    )
    async def latest_block() -> BlockResponse:
        return await _block(None)

    @router.get(
        "/v1/blocks/{height}",
        response_model=BlockResponse,
        summary="The committed block at a height",
        responses=error_responses("not_found", "invalid_request", "not_ready", "busy"),
    )
    async def block(height: Annotated[int, Path(ge=1, le=UINT64_MAX)]) -> BlockResponse:
        return await _block(height)

    return router
