"""Router of service ``grants`` (docs/spec/grants.md): grants, codes, delegations, requests,
usage records and an asset's usage history, with their proofs.

Thin: parse the path, run a read of ``contracts.grants.reads`` with the
node's proving read, answer the records' JSON forms. "Shared with me" and
a holder's requests are signed reads of that account.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path

from govchain.api.errors import ApiError, error_responses
from govchain.api.request_signatures import SIGNED_READ_RESPONSES
from govchain.api.routes.assets import asset_ref, asset_ref_path
from govchain.api.routes.params import (
    INDEX_CURSOR_PATTERN,
    address_path,
    cursor_query,
    hash_path,
    limit_query,
    parse_cursor,
    parse_hex,
    parse_index_cursor,
)
from govchain.api.routes.registry import account_signed_reads, own_address
from govchain.api.schemas import ApiModel, StateFact
from govchain.api.service import NodeService
from govchain.contracts.assets.state import identifier_key
from govchain.contracts.grants.reads import (
    GRANTS_PAGE_MAX,
    grants_to_page,
    holder_usage_page,
    record_with_fact,
    requests_page,
    usage_page,
    usage_with_fact,
)
from govchain.contracts.grants.records import ID_SIZE
from govchain.contracts.proving_reader import ProvingReader
from govchain.types.fields import HASH_SIZE
from govchain.types.validators import ADDRESS_SIZE

__all__ = ["RecordResponse", "UsagePage", "UsageResponse", "grant_routes"]

_FACT_CODES = ("no_blocks", "busy")


class RecordResponse(ApiModel):
    """A grant, code, delegation or request, and the state fact of its record."""

    kind: str
    record: dict[str, Any]
    fact: StateFact


class UsageResponse(ApiModel):
    """A usage record and the state fact of its key."""

    usage: dict[str, Any]
    fact: StateFact


class UsagePage(ApiModel):
    """An asset's or a holder's usage records, oldest first, each with its tx's receipt
    bundle."""

    usage: list[dict[str, Any]]
    next: str | None


class ListPage(ApiModel):
    """Records of a list, oldest first."""

    records: list[dict[str, Any]]
    next: str | None


def _content_id(reader: ProvingReader, ref: tuple[str, bytes | str]) -> bytes | None:
    kind, value = ref
    if kind == "content_id":
        assert isinstance(value, bytes)
        return value
    assert isinstance(value, str)
    return reader.get(identifier_key(value))


def _usage_of(reader: ProvingReader, ref: tuple[str, bytes | str], start: int) -> Any:
    content_id = _content_id(reader, ref)
    if content_id is None:
        return None
    return usage_page(reader, content_id, start, GRANTS_PAGE_MAX)


def _next(index: int | None) -> str | None:
    return None if index is None else str(index)


def grant_routes(service: NodeService) -> APIRouter:
    """``/v1/grants/{id}``, ``/v1/usage/{tx}``, ``/v1/assets/{ref}/usage``,
    ``/v1/accounts/{address}/usage``, the signed lists."""
    router = APIRouter(tags=["grants"])
    signed = account_signed_reads(service)

    @router.get(
        "/v1/grants/{record_id}",
        response_model=RecordResponse,
        summary="A grant, code, delegation or request by id, with its proof",
        responses=error_responses("invalid_hex", "invalid_request", "not_found", *_FACT_CODES),
    )
    async def show_record(
        record_id: Annotated[
            str,
            Path(
                description="the id: 16 bytes as 32 hex digits",
                json_schema_extra={"pattern": r"^[0-9a-fA-F]{32}$"},
            ),
        ],
    ) -> RecordResponse:
        value = parse_hex(record_id, "id", ID_SIZE)
        proven = await service.read(record_with_fact, value)
        if proven.record is None:
            raise ApiError("not_found", f"no grant, code, delegation or request {value.hex()}")
        return RecordResponse.model_validate(
            {
                "kind": proven.kind,
                "record": proven.record.to_json(),
                "fact": proven.proven.fact.to_json(),
            }
        )

    @router.get(
        "/v1/usage/{tx_hash}",
        response_model=UsageResponse,
        summary="The usage record a tx made, with its proof (what storage nodes serve against)",
        responses=error_responses("invalid_hex", "invalid_request", "not_found", *_FACT_CODES),
    )
    async def show_usage(tx_hash: Annotated[str, hash_path("usage tx")]) -> UsageResponse:
        value = parse_hex(tx_hash, "tx hash", HASH_SIZE)
        usage, proven = await service.read(usage_with_fact, value)
        if usage is None:
            raise ApiError("not_found", f"tx {value.hex()} made no usage record")
        return UsageResponse.model_validate(
            {"usage": usage.to_json(), "fact": proven.fact.to_json()}
        )

    @router.get(
        "/v1/assets/{ref}/usage",
        response_model=UsagePage,
        summary="An asset's usage history: every view and use, oldest first, each with its proof",
        responses=error_responses("invalid_request", "invalid_cursor", "not_found", *_FACT_CODES),
    )
    async def asset_usage(
        ref: Annotated[str, asset_ref_path()],
        cursor: Annotated[str | None, cursor_query(INDEX_CURSOR_PATTERN, "25")] = None,
    ) -> UsagePage:
        start = 0 if cursor is None else parse_cursor(parse_index_cursor, cursor)
        page = await service.read(_usage_of, asset_ref(ref), start)
        if page is None:
            raise ApiError("not_found", f"no asset {ref}")
        items, following = page
        usage = [{**p.usage.to_json(), "receipt": p.receipt.to_json()} for p in items]
        return UsagePage.model_validate({"usage": usage, "next": _next(following)})

    @router.get(
        "/v1/accounts/{address}/usage",
        response_model=UsagePage,
        summary=(
            "A holder's usage history: every read of its assets, cases and txs, oldest first,"
            " each with its proof"
        ),
        responses=error_responses("invalid_hex", "invalid_request", "invalid_cursor", *_FACT_CODES),
    )
    async def holder_usage(
        address: Annotated[str, address_path()],
        cursor: Annotated[str | None, cursor_query(INDEX_CURSOR_PATTERN, "25")] = None,
    ) -> UsagePage:
        holder = parse_hex(address, "address", ADDRESS_SIZE)
        start = 0 if cursor is None else parse_cursor(parse_index_cursor, cursor)
        items, following = await service.read(holder_usage_page, holder, start, GRANTS_PAGE_MAX)
        usage = [{**p.usage.to_json(), "receipt": p.receipt.to_json()} for p in items]
        return UsagePage.model_validate({"usage": usage, "next": _next(following)})

    async def _signed_list(
        read: Any, address: str, reader: bytes, cursor: str | None, limit: int
    ) -> ListPage:
        value = own_address(address, reader, "this list")
        start = 0 if cursor is None else parse_cursor(parse_index_cursor, cursor)
        records, following = await service.read(read, value, start, limit)
        return ListPage.model_validate(
            {"records": [r.to_json() for r in records], "next": _next(following)}
        )

    list_responses = {
        **error_responses(
            "invalid_hex", "invalid_request", "invalid_cursor", "permission_denied", "busy"
        ),
        **SIGNED_READ_RESPONSES,
    }

    @router.get(
        "/v1/grants/to/{address}",
        response_model=ListPage,
        summary="The grants to an account (shared with me): a signed read by that account",
        responses=list_responses,
    )
    async def shared_with_me(
        address: Annotated[str, address_path()],
        limit: Annotated[
            int, limit_query(GRANTS_PAGE_MAX, GRANTS_PAGE_MAX, "grants")
        ] = GRANTS_PAGE_MAX,
        cursor: Annotated[str | None, cursor_query(INDEX_CURSOR_PATTERN, "25")] = None,
        reader: bytes = Depends(signed),
    ) -> ListPage:
        return await _signed_list(grants_to_page, address, reader, cursor, limit)

    @router.get(
        "/v1/grants/requests/{address}",
        response_model=ListPage,
        summary="The requests to a holder: a signed read by the holder",
        responses=list_responses,
    )
    async def my_requests(
        address: Annotated[str, address_path()],
        limit: Annotated[
            int, limit_query(GRANTS_PAGE_MAX, GRANTS_PAGE_MAX, "requests")
        ] = GRANTS_PAGE_MAX,
        cursor: Annotated[str | None, cursor_query(INDEX_CURSOR_PATTERN, "25")] = None,
        reader: bytes = Depends(signed),
    ) -> ListPage:
        return await _signed_list(requests_page, address, reader, cursor, limit)

    return router
