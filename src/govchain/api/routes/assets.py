"""Router of service ``assets`` (docs/spec/assets.md, "Reads"): types, assets, lockers.

Thin: parse the path, run a read of ``contracts.assets.reads`` with the
node's proving read, map the result to the response models below. The
locker view is a signed read shown to the locker's owner only.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Path, Query
from pydantic import Field

from govchain.api.errors import ApiError, error_responses
from govchain.api.request_signatures import SIGNED_READ_RESPONSES
from govchain.api.routes.params import (
    INDEX_CURSOR_PATTERN,
    address_path,
    cursor_query,
    limit_query,
    parse_cursor,
    parse_hex,
    parse_index_cursor,
)
from govchain.api.routes.registry import account_signed_reads, own_address
from govchain.api.schemas import (
    AddressHex,
    ApiModel,
    HashHex,
    Hex,
    StateFact,
    TxReceiptBundle,
    Uint,
)
from govchain.api.service import NodeService
from govchain.contracts.assets.reads import (
    ASSET_REF_PATTERN,
    HISTORY_PAGE_MAX,
    LOCKER_PAGE_MAX,
    ProvenAsset,
    asset_with_fact,
    locker_view,
    locker_with_fact,
    parse_asset_ref,
    type_with_fact,
)
from govchain.contracts.assets.records import TYPE_CODE_PATTERN, Asset
from govchain.types.errors import ValidationError
from govchain.types.validators import ADDRESS_SIZE

__all__ = [
    "AssetResponse",
    "AssetTypeResponse",
    "LockerKeyResponse",
    "LockerResponse",
    "asset_ref",
    "asset_ref_path",
    "asset_routes",
]

_FACT_CODES = ("no_blocks", "busy")

Status = Literal[
    "pending", "valid", "refused", "revoked", "abolished", "transferred", "replaced", "expired"
]


class AssetTypeModel(ApiModel):
    """One version of an asset type."""

    code: str = Field(description="证照类型代码: a credit code and 3 digits")
    version: Uint
    name: str
    schema_: dict[str, Any] = Field(
        alias="schema", description="the field schema (docs/spec/assets.md)"
    )
    issuers: list[str]
    modes: list[Literal["authority", "window", "department", "self"]]
    validity: str
    regulator: Hex
    transfer: Literal["none", "issuer", "holders"]
    owner: str
    height: Uint


class BlobRefModel(ApiModel):
    """Where a blob is."""

    hash: HashHex
    size: Uint
    locators: list[str]


class EnvelopeModel(ApiModel):
    """The data key encrypted to one reader's locker key."""

    reader: AddressHex
    kind: Literal["holder", "regulator"]
    sealed: Hex


class ContentModel(BlobRefModel):
    """The encrypted content of an asset version."""

    method: str = Field(description="the content cipher: SM4-GCM (gm) or AES-256-GCM (intl)")
    envelopes: list[EnvelopeModel]


class AssetModel(ApiModel):
    """One asset version as stored (its status as written; see the response's ``status``)."""

    content_id: Hex
    type: str
    type_version: Uint
    holder: AddressHex
    holder_code: str
    holder_code_type: str
    issuer: str
    mode: Literal["authority", "window", "department", "self"]
    status: Status
    identifier: str = Field(description="证照标识 (GB/T 36904); empty while pending")
    serial: Uint
    version: Uint
    metadata: dict[str, str | int]
    content: ContentModel
    valid_from: Uint
    valid_until: Uint = Field(description="BFT time (ms) it stops being valid; 0: long-term")
    issued_by: Hex
    verified_by: Hex
    consent_tx: Hex
    replaces: Hex
    replaced_by: Hex
    reason: str
    height: Uint
    last_tx: HashHex


class HistoryEntryModel(ApiModel):
    """One written change of an asset, with the receipt of its tx."""

    action: str
    status: Status
    by: AddressHex
    height: Uint
    time: Uint
    tx_hash: HashHex
    reason: str
    receipt: TxReceiptBundle


class AssetTypeResponse(ApiModel):
    """A type version and the state fact of its record."""

    type: AssetTypeModel
    fact: StateFact


class AssetResponse(ApiModel):
    """An asset, the state fact of its record, its status now and its history."""

    asset: AssetModel
    status: Status = Field(description="the stored status, or expired once valid_until passed")
    fact: StateFact
    history: list[HistoryEntryModel] = Field(max_length=HISTORY_PAGE_MAX)
    history_total: Uint


class LockerModel(ApiModel):
    """A locker: its encryption public key and the wrapped private key's blob."""

    address: AddressHex
    public_key: Hex
    key_blob: BlobRefModel
    height: Uint


class LockerKeyResponse(ApiModel):
    """A locker and the state fact of its record."""

    locker: LockerModel
    fact: StateFact


class LockerAsset(ApiModel):
    """An asset in a locker view."""

    content_id: Hex
    identifier: str
    status: Status
    issuer: str
    valid_until: Uint
    version: Uint


class LockerType(ApiModel):
    """A locker's assets of one type (F-C2: shown by type)."""

    type: str
    assets: list[LockerAsset]


class LockerResponse(ApiModel):
    """A page of a locker's assets, grouped by type, at one height."""

    holder: AddressHex
    height: Uint
    types: list[LockerType]
    next: str | None


def _asset_json(asset: Asset) -> dict[str, Any]:
    return asset.to_json()


def _asset_response(proven: ProvenAsset) -> AssetResponse:
    assert proven.asset is not None
    history = [
        {**item.entry.to_json(), "receipt": item.receipt.to_json()} for item in proven.history
    ]
    return AssetResponse.model_validate(
        {
            "asset": _asset_json(proven.asset),
            "status": proven.status,
            "fact": proven.proven.fact.to_json(),
            "history": history,
            "history_total": proven.history_total,
        }
    )


def asset_ref_path() -> Any:
    """The path parameter naming an asset: a licence identifier or a content id."""
    return Path(
        description="a licence identifier (1.2.156.3005.2....) or a content id (32 hex)",
        json_schema_extra={"pattern": ASSET_REF_PATTERN},
    )


def asset_ref(ref: str) -> tuple[str, bytes | str]:
    """The parsed reference, before any read (a read's ValidationError means a damaged store);
    422 ``invalid_request`` when it names no asset."""
    try:
        return parse_asset_ref(ref)
    except ValidationError as exc:
        raise ApiError("invalid_request", str(exc)) from exc


def asset_routes(service: NodeService) -> APIRouter:
    """``/v1/asset-types/{code}``, ``/v1/assets/{id}``, ``/v1/lockers/{address}[/key]``."""
    router = APIRouter(tags=["assets"])

    @router.get(
        "/v1/asset-types/{code}",
        response_model=AssetTypeResponse,
        summary="An asset type (its latest version, or ?version=N) with its proof",
        responses=error_responses("invalid_request", "not_found", *_FACT_CODES),
    )
    async def show_type(
        code: Annotated[
            str,
            Path(
                description="the type code: a credit code and 3 digits",
                json_schema_extra={"pattern": TYPE_CODE_PATTERN.pattern},
            ),
        ],
        version: Annotated[int | None, Query(ge=1, le=2**32 - 1)] = None,
    ) -> AssetTypeResponse:
        if not TYPE_CODE_PATTERN.match(code):
            raise ApiError("invalid_request", "type code: 18 credit-code characters and 3 digits")
        proven = await service.read(type_with_fact, code, version)
        if proven.type is None:
            raise ApiError(
                "not_found", f"no asset type {code}" + (f" v{version}" if version else "")
            )
        return AssetTypeResponse.model_validate(
            {"type": proven.type.to_json(), "fact": proven.proven.fact.to_json()}
        )

    @router.get(
        "/v1/assets/{ref}",
        response_model=AssetResponse,
        summary="An asset by licence identifier or content id: status, record, history, proofs",
        responses=error_responses("invalid_request", "invalid_cursor", "not_found", *_FACT_CODES),
    )
    async def show_asset(
        ref: Annotated[str, asset_ref_path()],
        cursor: Annotated[str | None, cursor_query(INDEX_CURSOR_PATTERN, "25")] = None,
    ) -> AssetResponse:
        start = 0 if cursor is None else parse_cursor(parse_index_cursor, cursor)
        proven = await service.read(asset_with_fact, asset_ref(ref), start)
        if proven.asset is None:
            raise ApiError("not_found", f"no asset {ref}")
        return _asset_response(proven)

    @router.get(
        "/v1/lockers/{address}/key",
        response_model=LockerKeyResponse,
        summary="A locker's public key and wrapped-key blob, with its proof",
        responses=error_responses("invalid_hex", "invalid_request", "not_found", *_FACT_CODES),
    )
    async def show_locker_key(address: Annotated[str, address_path()]) -> LockerKeyResponse:
        value = parse_hex(address, "address", ADDRESS_SIZE)
        proven = await service.read(locker_with_fact, value)
        if proven.locker is None:
            raise ApiError("not_found", f"account {value.hex()} has no locker")
        return LockerKeyResponse.model_validate(
            {"locker": proven.locker.to_json(), "fact": proven.proven.fact.to_json()}
        )

    signed = account_signed_reads(service)

    @router.get(
        "/v1/lockers/{address}",
        response_model=LockerResponse,
        summary="A locker's assets by type, with status: a signed read by its owner",
        responses={
            **error_responses(
                "invalid_hex", "invalid_request", "invalid_cursor", "permission_denied", "busy"
            ),
            **SIGNED_READ_RESPONSES,
        },
    )
    async def show_locker(
        address: Annotated[str, address_path()],
        limit: Annotated[
            int, limit_query(LOCKER_PAGE_MAX, LOCKER_PAGE_MAX, "assets")
        ] = LOCKER_PAGE_MAX,
        cursor: Annotated[str | None, cursor_query(INDEX_CURSOR_PATTERN, "100")] = None,
        reader: bytes = Depends(signed),
    ) -> LockerResponse:
        value = own_address(address, reader, "a locker")
        start = 0 if cursor is None else parse_cursor(parse_index_cursor, cursor)
        view = await service.read(locker_view, value, start, limit)
        by_type: dict[str, list[dict[str, Any]]] = {}
        for asset, status in view.assets:
            by_type.setdefault(asset.type, []).append(
                {
                    "content_id": asset.content_id.hex(),
                    "identifier": asset.identifier,
                    "status": status,
                    "issuer": asset.issuer,
                    "valid_until": asset.valid_until,
                    "version": asset.version,
                }
            )
        return LockerResponse.model_validate(
            {
                "holder": value.hex(),
                "height": view.height,
                "types": [{"type": t, "assets": a} for t, a in sorted(by_type.items())],
                "next": None if view.next_index is None else str(view.next_index),
            }
        )

    return router
