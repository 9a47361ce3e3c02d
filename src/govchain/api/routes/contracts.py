"""Router of service ``contracts`` (docs/spec/contracts.md): departments' contracts, proven.

Thin: parse the path and the page, run a read of
``contracts.lifecycle.reads`` with the node's proving read, answer the
records' JSON forms, each with the state fact of its key (a history step:
the receipt bundle of its tx). Txs are sent to ``POST /v1/txs`` as every
service's are.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path
from pydantic import Field

from govchain.api.errors import ApiError, error_responses
from govchain.api.routes.params import (
    INDEX_CURSOR_PATTERN,
    cursor_query,
    limit_query,
    parse_cursor,
    parse_hex,
    parse_index_cursor,
)
from govchain.api.schemas import ApiModel, StateFact, TxReceiptBundle, Uint
from govchain.api.service import NodeService
from govchain.contracts.facts import ProvenValue
from govchain.contracts.lifecycle.reads import (
    CONTRACTS_PAGE_MAX,
    HISTORY_PAGE_MAX,
    VersionView,
    contract_view,
    contracts_page,
    history_page,
    params_now,
)
from govchain.contracts.lifecycle.records import CONTRACT_ID_SIZE

__all__ = [
    "ContractPage",
    "ContractParamsResponse",
    "ContractResponse",
    "HistoryResponse",
    "contract_routes",
]

_ID_PATTERN = rf"^[0-9a-fA-F]{{{2 * CONTRACT_ID_SIZE}}}$"
_PAGE_DEFAULT = 10


class ProvenRecord(ApiModel):
    """A stored record's JSON form (bytes as hex) and the state fact of its key."""

    record: dict[str, Any]
    fact: StateFact


class VersionResponse(ApiModel):
    """A version with its proof, its members' reviews and its test record, each proven."""

    version: dict[str, Any]
    fact: StateFact
    reviews: list[ProvenRecord]
    test: ProvenRecord | None


class ContractResponse(ApiModel):
    """A contract with its proof and its newest versions, newest first."""

    contract: dict[str, Any]
    fact: StateFact
    versions: list[VersionResponse]


class ContractPage(ApiModel):
    """Contracts in submission order, each with its proof."""

    contracts: list[ProvenRecord] = Field(max_length=CONTRACTS_PAGE_MAX)
    next: str | None = Field(description="the cursor of the next page; null on the last")


class HistoryStep(ApiModel):
    """One step of a contract's life and the receipt bundle of the tx that made it."""

    index: Uint
    entry: dict[str, Any]
    receipt: TxReceiptBundle


class HistoryResponse(ApiModel):
    """A contract's history, oldest first, a page at a time."""

    contract: str
    steps: list[HistoryStep] = Field(max_length=HISTORY_PAGE_MAX)
    next: str | None = Field(description="the cursor of the next page; null on the last")


class ContractParamsResponse(ApiModel):
    """The chain parameters of contracts in force at the latest height."""

    params: dict[str, Any]


def _proven(record: Any, proven: ProvenValue) -> dict[str, Any]:
    return {"record": record.to_json(), "fact": proven.fact.to_json()}


def _version_json(view: VersionView) -> dict[str, Any]:
    return {
        "version": view.version.to_json(),
        "fact": view.proven.fact.to_json(),
        "reviews": [_proven(vote, proven) for vote, proven in view.reviews],
        "test": None if view.test is None else _proven(*view.test),
    }


def _contract_id(text: str) -> bytes:
    return parse_hex(text, "contract", CONTRACT_ID_SIZE)


def _id_path() -> Any:
    return Path(
        description=f"the contract id: {CONTRACT_ID_SIZE} bytes as hex",
        json_schema_extra={"pattern": _ID_PATTERN},
    )


def _next(index: int | None) -> str | None:
    return None if index is None else str(index)


def contract_routes(service: NodeService) -> APIRouter:
    """``/v1/contracts``, ``/v1/contracts/params``, ``/v1/contracts/{id}``, ``.../history``."""
    router = APIRouter(tags=["contracts"])
    common = ("invalid_request", "no_blocks", "busy")

    @router.get(
        "/v1/contracts",
        response_model=ContractPage,
        summary="Every contract in submission order, each with its proof",
        responses=error_responses("invalid_cursor", *common),
    )
    async def list_contracts(
        limit: Annotated[
            int, limit_query(_PAGE_DEFAULT, CONTRACTS_PAGE_MAX, "contracts")
        ] = _PAGE_DEFAULT,
        cursor: Annotated[str | None, cursor_query(INDEX_CURSOR_PATTERN, "10")] = None,
    ) -> ContractPage:
        start = 0 if cursor is None else parse_cursor(parse_index_cursor, cursor)
        page = await service.read(contracts_page, start, limit)
        return ContractPage.model_validate({
            "contracts": [_proven(c.contract, c.proven) for c in page.contracts],
            "next": _next(page.next_index),
        })  # fmt: skip

    @router.get(
        "/v1/contracts/params",
        response_model=ContractParamsResponse,
        summary="The chain parameters of contracts (fuel, memory, module size, review, tests)",
        responses=error_responses("busy"),
    )
    async def contract_params() -> ContractParamsResponse:
        params = await service.read(params_now)
        return ContractParamsResponse.model_validate({"params": params.to_json()})

    @router.get(
        "/v1/contracts/{contract}",
        response_model=ContractResponse,
        summary="A contract, its newest versions, their reviews and test records, all proven",
        responses=error_responses("invalid_hex", "not_found", *common),
    )
    async def show_contract(contract: Annotated[str, _id_path()]) -> ContractResponse:
        value = _contract_id(contract)
        view = await service.read(contract_view, value)
        if view.contract is None:
            raise ApiError("not_found", f"no contract has id {value.hex()}")
        return ContractResponse.model_validate({
            "contract": view.contract.to_json(),
            "fact": view.proven.fact.to_json(),
            "versions": [_version_json(v) for v in view.versions],
        })  # fmt: skip

    @router.get(
        "/v1/contracts/{contract}/history",
        response_model=HistoryResponse,
        summary="Every step of a contract's life, oldest first, each with its tx's receipt",
        responses=error_responses("invalid_hex", "invalid_cursor", *common),
    )
    async def contract_history(
        contract: Annotated[str, _id_path()],
        limit: Annotated[
            int, limit_query(_PAGE_DEFAULT, HISTORY_PAGE_MAX, "steps")
        ] = _PAGE_DEFAULT,
        cursor: Annotated[str | None, cursor_query(INDEX_CURSOR_PATTERN, "10")] = None,
    ) -> HistoryResponse:
        value = _contract_id(contract)
        start = 0 if cursor is None else parse_cursor(parse_index_cursor, cursor)
        page = await service.read(history_page, value, start, limit)
        return HistoryResponse.model_validate({
            "contract": value.hex(),
            "steps": [
                {"index": s.index, "entry": s.entry.to_json(), "receipt": s.receipt.to_json()}
                for s in page.steps
            ],
            "next": _next(page.next_index),
        })  # fmt: skip

    return router
