"""Router of service ``supervision`` (docs/spec/supervision.md): regulators and their scopes.

Thin: parse the path, run a read of ``contracts.supervision.reads`` with the
node's proving read, answer the records' JSON forms (a scope with its fact).
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter

from govchain.api.errors import ApiError, error_responses
from govchain.api.routes.params import (
    INDEX_CURSOR_PATTERN,
    address_path,
    cursor_query,
    parse_cursor,
    parse_hex,
    parse_index_cursor,
)
from govchain.api.schemas import ApiModel, StateFact
from govchain.api.service import NodeService
from govchain.contracts.supervision.reads import SCOPES_PAGE_MAX, scope_with_fact, scopes_page

__all__ = ["ScopePage", "ScopeResponse", "supervision_routes"]


class ScopeResponse(ApiModel):
    """A regulator's scope and the state fact of its key."""

    scope: dict[str, Any]
    fact: StateFact


class ScopePage(ApiModel):
    """Regulators' scopes, in the order first set."""

    records: list[dict[str, Any]]
    next: str | None


def supervision_routes(service: NodeService) -> APIRouter:
    """``/v1/regulators``, ``/v1/regulators/{address}``."""
    router = APIRouter(tags=["supervision"])

    @router.get(
        "/v1/regulators",
        response_model=ScopePage,
        summary=f"Every regulator's scope, {SCOPES_PAGE_MAX} a page",
        responses=error_responses("invalid_request", "invalid_cursor", "no_blocks", "busy"),
    )
    async def list_regulators(
        cursor: Annotated[str | None, cursor_query(INDEX_CURSOR_PATTERN, "100")] = None,
    ) -> ScopePage:
        start = 0 if cursor is None else parse_cursor(parse_index_cursor, cursor)
        scopes, following = await service.read(scopes_page, start)
        return ScopePage.model_validate({
            "records": [s.to_json() for s in scopes],
            "next": None if following is None else str(following),
        })  # fmt: skip

    @router.get(
        "/v1/regulators/{address}",
        response_model=ScopeResponse,
        summary="A regulator's scope (types, departments, matters), with its proof",
        responses=error_responses("invalid_hex", "invalid_request", "not_found", "no_blocks"),
    )
    async def show_regulator(address: Annotated[str, address_path()]) -> ScopeResponse:
        value = parse_hex(address, "address", 20)
        proven = await service.read(scope_with_fact, value)
        if proven.scope is None:
            raise ApiError("not_found", f"account {value.hex()} is no regulator")
        return ScopeResponse.model_validate(
            {"scope": proven.scope.to_json(), "fact": proven.proven.fact.to_json()}
        )

    return router
