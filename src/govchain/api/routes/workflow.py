"""Router of service ``workflow`` (docs/spec/workflow.md): cases, matters and processes.

Thin: parse the path, run a read of ``contracts.workflow.reads`` with the
node's proving read, answer the records' JSON forms with the case's fact.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path
from pydantic import Field

from govchain.api.errors import ApiError, error_responses
from govchain.api.routes.params import parse_hex
from govchain.api.schemas import ApiModel, StateFact
from govchain.api.service import NodeService
from govchain.contracts.workflow.reads import case_with_fact, definition_with_fact
from govchain.contracts.workflow.records import MATTER_PATTERN

__all__ = ["CaseResponse", "DefinitionResponse", "workflow_routes"]

_CODES = ("invalid_hex", "invalid_request", "not_found", "no_blocks", "busy")


class CaseResponse(ApiModel):
    """A case, the state fact of its record, its steps in process order and its timeline; its
    process version and the adapter of each department (hex, empty: none), read at the same
    height."""

    case: dict[str, Any]
    fact: StateFact
    steps: list[dict[str, Any]]
    timeline: list[dict[str, Any]]
    process: dict[str, Any]
    adapters: dict[str, str]


class DefinitionResponse(ApiModel):
    """The latest version of a matter or process and the state fact of its record; for a
    process, the adapter of each department (hex, empty: none)."""

    record: dict[str, Any]
    fact: StateFact
    adapters: dict[str, str] = Field(default_factory=dict)


def workflow_routes(service: NodeService) -> APIRouter:
    """``/v1/cases/{id}``, ``/v1/matters/{code}``, ``/v1/processes/{code}``."""
    router = APIRouter(tags=["workflow"])

    @router.get(
        "/v1/cases/{case_id}",
        response_model=CaseResponse,
        summary="A case: steps, states, deadlines, flags, outputs and timeline, with its proof",
        responses=error_responses(*_CODES),
    )
    async def show_case(
        case_id: Annotated[str, Path(json_schema_extra={"pattern": r"^[0-9a-fA-F]{32}$"})],
    ) -> CaseResponse:
        value = parse_hex(case_id, "case id", 16)
        proven = await service.read(case_with_fact, value)
        if proven.case is None:
            raise ApiError("not_found", f"no case {value.hex()}")
        return CaseResponse.model_validate(
            {
                "case": proven.case.to_json(),
                "fact": proven.proven.fact.to_json(),
                "steps": [s.to_json() for s in proven.steps],
                "timeline": [t.to_json() for t in proven.timeline],
                "process": proven.process.to_json() if proven.process else {},
                "adapters": {d: a.hex() for d, a in proven.adapters},
            }
        )

    for kind in ("matter", "process"):
        _definition_route(router, service, kind)
    return router


def _definition_route(router: APIRouter, service: NodeService, kind: str) -> None:
    @router.get(
        f"/v1/{kind}es/{{code}}" if kind == "process" else f"/v1/{kind}s/{{code}}",
        response_model=DefinitionResponse,
        summary=f"The latest version of a {kind}, with its proof",
        responses=error_responses(*_CODES),
        name=f"show_{kind}",
    )
    async def show(
        code: Annotated[str, Path(json_schema_extra={"pattern": MATTER_PATTERN.pattern})],
    ) -> DefinitionResponse:
        if not MATTER_PATTERN.match(code):
            raise ApiError("invalid_request", f"{kind} code: 1..64 of 0-9A-Za-z . _ -")
        proven = await service.read(definition_with_fact, kind, code)
        if proven.record is None:
            raise ApiError("not_found", f"no {kind} {code}")
        return DefinitionResponse.model_validate(
            {
                "record": proven.record.to_json(),
                "fact": proven.proven.fact.to_json(),
                "adapters": {d: a.hex() for d, a in proven.adapters},
            }
        )
