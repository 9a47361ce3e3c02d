"""Router of service ``supervision`` (docs/spec/supervision.md): regulators and their scopes.

Thin: parse the path, run a read of ``contracts.supervision.reads`` with the
node's proving read, answer the records' JSON forms (a scope with its fact).
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends
from pydantic import Field

from govchain.api.errors import ApiError, error_responses
from govchain.api.request_signatures import SIGNED_READ_RESPONSES
from govchain.api.routes.params import (
    INDEX_CURSOR_PATTERN,
    address_path,
    cursor_query,
    hash_path,
    parse_cursor,
    parse_hex,
    parse_index_cursor,
)
from govchain.api.routes.registry import account_signed_reads
from govchain.api.schemas import ApiModel, StateFact
from govchain.api.service import NodeService
from govchain.contracts.registry.records import json_form
from govchain.contracts.supervision.reads import (
    SCOPES_PAGE_MAX,
    ReadRefusal,
    ScopedRead,
    scope_with_fact,
    scoped_read,
    scopes_page,
)
from govchain.types.fields import HASH_SIZE

__all__ = ["ScopePage", "ScopeResponse", "ScopedReadResponse", "supervision_routes"]


class ScopeResponse(ApiModel):
    """A regulator's scope and the state fact of its key."""

    scope: dict[str, Any]
    fact: StateFact


class ScopePage(ApiModel):
    """Regulators' scopes, in the order first set."""

    records: list[dict[str, Any]]
    next: str | None


class ScopedReadResponse(ApiModel):
    """A regulator's usage record of a case or a tx with its fact, and what it serves: the case
    (form and materials) with its fact, or the tx (its arguments) with its receipt bundle."""

    usage: dict[str, Any]
    fact: StateFact
    case: dict[str, Any] | None = Field(default=None, description="the case record (a case read)")
    case_fact: StateFact | None = None
    tx: dict[str, Any] | None = Field(
        default=None,
        description="a tx read: {hash, type, sender (address), args, receipt (its bundle)}",
    )


def _scoped_read_json(found: ScopedRead) -> dict[str, Any]:
    answer: dict[str, Any] = {
        "usage": found.usage.to_json(),
        "fact": found.usage_fact.fact.to_json(),
    }
    if found.case is not None and found.case_fact is not None:
        answer["case"] = found.case.to_json()
        answer["case_fact"] = found.case_fact.fact.to_json()
    if found.tx is not None:
        answer["tx"] = {
            "hash": found.usage.target_id.hex(), "type": found.tx.tx.type,
            "sender": found.sender.hex(), "args": json_form(found.tx.tx.args),
            "receipt": found.tx.to_json(),
        }  # fmt: skip
    return answer


def supervision_routes(service: NodeService) -> APIRouter:
    """``/v1/regulators``, ``/v1/regulators/{address}``, ``/v1/supervision/reads/{use_tx}``."""
    router = APIRouter(tags=["supervision"])
    signed = account_signed_reads(service)

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

    @router.get(
        "/v1/supervision/reads/{use_tx}",
        response_model=ScopedReadResponse,
        summary=(
            "A regulator's read of a case or a tx, served against its usage record: a signed"
            " read by the record's reader"
        ),
        responses={
            **error_responses(
                "invalid_hex",
                "invalid_request",
                "not_found",
                "permission_denied",
                "not_in_scope",
                "use_stale",
                "no_blocks",
                "busy",
            ),
            **SIGNED_READ_RESPONSES,
        },
    )
    async def read_in_scope(
        use_tx: Annotated[str, hash_path("usage tx (grants.use naming a case or a tx)")],
        reader: bytes = Depends(signed),
    ) -> ScopedReadResponse:
        found = await service.read(scoped_read, parse_hex(use_tx, "use_tx", HASH_SIZE), reader)
        if isinstance(found, ReadRefusal):
            raise ApiError(found.code, found.reason)
        return ScopedReadResponse.model_validate(_scoped_read_json(found))

    return router
