"""Router of service ``workflow`` (docs/spec/workflow.md): cases, steps, matters, processes and
the processes' per-step statistics.

Thin: parse the path, run a read of ``contracts.workflow.reads`` with the
node's proving read, answer the records' JSON forms with the case's fact.
"""

from __future__ import annotations

import re
from typing import Annotated, Any

from fastapi import APIRouter, Path
from pydantic import Field

from govchain.api.errors import ApiError, error_responses
from govchain.api.routes.params import (
    INDEX_CURSOR_PATTERN,
    cursor_query,
    parse_cursor,
    parse_hex,
    parse_index_cursor,
)
from govchain.api.schemas import ApiModel, StateFact
from govchain.api.service import NodeService
from govchain.contracts.workflow.reads import (
    LIST_PAGE_MAX,
    case_with_fact,
    definition_with_fact,
    definitions_page,
    stats_with_facts,
    step_with_facts,
    timeline_with_facts,
)
from govchain.contracts.workflow.records import MATTER_PATTERN
from govchain.contracts.workflow.stats import StepStats

__all__ = [
    "CaseResponse",
    "DefinitionPage",
    "DefinitionResponse",
    "ProcessStatsResponse",
    "StepResponse",
    "StepStatsEntry",
    "TimelineEntryProven",
    "TimelinePage",
    "step_stats_json",
    "workflow_routes",
]

_STEP_PATTERN = r"^[a-z0-9_]{1,32}$"

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


class StepResponse(ApiModel):
    """One step of a case with its fact, and its department's adapter with its fact."""

    step: dict[str, Any]
    fact: StateFact
    adapter: str | None = Field(description="the adapter's address (hex); null: none set")
    adapter_fact: StateFact


class StepStatsEntry(ApiModel):
    """One step's statistics (docs/spec/workflow.md "Reads"), the rates worked out, and the
    fact of its key (absent when no case has reached the step yet: all counts 0)."""

    stats: dict[str, Any]
    average_ms: int = Field(description="total_ms // done (0 when none is done)")
    overdue_permille: int = Field(description="overdue * 1000 // ready (0 when none was ready)")
    fact: StateFact


class ProcessStatsResponse(ApiModel):
    """The per-step statistics of a process's latest version, in process order."""

    process: str
    version: int
    steps: list[StepStatsEntry]


def step_stats_json(stats: StepStats) -> dict[str, Any]:
    """A step's statistics with their rates: integers only (the average rounds down)."""
    return {
        "stats": stats.to_json(),
        "average_ms": stats.total_ms // stats.done if stats.done else 0,
        "overdue_permille": stats.overdue * 1000 // stats.ready if stats.ready else 0,
    }


def workflow_routes(service: NodeService) -> APIRouter:
    """``/v1/cases/{id}``, ``/v1/cases/{id}/steps/{step}``, ``/v1/matters/{code}``,
    ``/v1/processes/{code}``, ``/v1/processes/{code}/stats``."""
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

    @router.get(
        "/v1/cases/{case_id}/steps/{step}",
        response_model=StepResponse,
        summary="One step of a case and its department's adapter, each with its proof",
        responses=error_responses(*_CODES),
    )
    async def show_step(
        case_id: Annotated[str, Path(json_schema_extra={"pattern": r"^[0-9a-fA-F]{32}$"})],
        step: Annotated[str, Path(json_schema_extra={"pattern": _STEP_PATTERN})],
    ) -> StepResponse:
        value = parse_hex(case_id, "case id", 16)
        if not re.fullmatch(_STEP_PATTERN, step):
            raise ApiError("invalid_request", "step: 1..32 of a-z 0-9 _")
        proven = await service.read(step_with_facts, value, step)
        if proven.step is None or proven.adapter_proven is None:
            raise ApiError("not_found", f"no step {step} of case {value.hex()}")
        return StepResponse.model_validate(
            {
                "step": proven.step.to_json(),
                "fact": proven.proven.fact.to_json(),
                "adapter": proven.adapter.hex() or None,
                "adapter_fact": proven.adapter_proven.fact.to_json(),
            }
        )

    @router.get(
        "/v1/processes/{code}/stats",
        response_model=ProcessStatsResponse,
        summary="Per-step statistics of a process (time taken, overdue rate), each with its proof",
        responses=error_responses(*_CODES),
    )
    async def process_stats(
        code: Annotated[str, Path(json_schema_extra={"pattern": MATTER_PATTERN.pattern})],
    ) -> ProcessStatsResponse:
        if not MATTER_PATTERN.match(code):
            raise ApiError("invalid_request", "process code: 1..64 of 0-9A-Za-z . _ -")
        proven = await service.read(stats_with_facts, code)
        if proven.process is None:
            raise ApiError("not_found", f"no process {code}")
        steps = [
            {**step_stats_json(stats), "fact": fact.fact.to_json()} for stats, fact in proven.steps
        ]
        return ProcessStatsResponse.model_validate(
            {"process": code, "version": proven.process.version, "steps": steps}
        )

    @router.get(
        "/v1/cases/{case_id}/timeline",
        response_model=TimelinePage,
        summary="A case's timeline, oldest first, each entry with its proof",
        responses=error_responses("invalid_cursor", *_CODES),
    )
    async def case_timeline(
        case_id: Annotated[str, Path(json_schema_extra={"pattern": r"^[0-9a-fA-F]{32}$"})],
        cursor: Annotated[str | None, cursor_query(INDEX_CURSOR_PATTERN, "25")] = None,
    ) -> TimelinePage:
        value = parse_hex(case_id, "case id", 16)
        start = 0 if cursor is None else parse_cursor(parse_index_cursor, cursor)
        page = await service.read(timeline_with_facts, value, start)
        if page is None:
            raise ApiError("not_found", f"no case {value.hex()}")
        entries, following = page
        return TimelinePage.model_validate({
            "entries": [
                {"entry": e.to_json(), "index": start + i, "fact": p.fact.to_json()}
                for i, (e, p) in enumerate(entries)
            ],
            "next": None if following is None else str(following),
        })  # fmt: skip

    for kind in ("matter", "process"):
        _list_route(router, service, kind)
        _definition_route(router, service, kind)
    return router


class TimelineEntryProven(ApiModel):
    """One timeline entry, its index in the case's timeline and the state fact of its key."""

    entry: dict[str, Any]
    index: int
    fact: StateFact


class TimelinePage(ApiModel):
    """A page of a case's timeline, oldest first."""

    entries: list[TimelineEntryProven]
    next: str | None


class DefinitionPage(ApiModel):
    """Latest versions of matters or processes, in the order first defined."""

    records: list[dict[str, Any]]
    next: str | None


def _list_route(router: APIRouter, service: NodeService, kind: str) -> None:
    plural = f"{kind}es" if kind == "process" else f"{kind}s"

    @router.get(
        f"/v1/{plural}",
        response_model=DefinitionPage,
        summary=f"Every {kind} (latest versions), {LIST_PAGE_MAX} a page",
        responses=error_responses("invalid_request", "invalid_cursor", "no_blocks", "busy"),
        name=f"list_{plural}",
    )
    async def listing(
        cursor: Annotated[str | None, cursor_query(INDEX_CURSOR_PATTERN, "100")] = None,
    ) -> DefinitionPage:
        start = 0 if cursor is None else parse_cursor(parse_index_cursor, cursor)
        records, following = await service.read(definitions_page, kind, start)
        return DefinitionPage.model_validate({
            "records": [r.to_json() for r in records],
            "next": None if following is None else str(following),
        })  # fmt: skip


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
