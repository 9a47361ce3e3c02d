"""The API's request/response routes: txs, blocks, notary lookups, status, metrics.

Each builder takes the ``NodeService`` it serves, so routes never reach for
globals. Server-sent events are in ``govchain.api.events``.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Request, Response
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from govchain.api.errors import STATUS_BY_CODE, ApiError
from govchain.api.schemas import (
    BlockResponse,
    ErrorResponse,
    NodeStatus,
    NotaryLookupResponse,
    TxAccepted,
    TxBatchAccepted,
    TxStatusResponse,
)
from govchain.api.service import NodeService
from govchain.codec import CodecError, Limits, decode
from govchain.types.errors import GovChainError, ValidationError
from govchain.types.fields import HASH_SIZE, UINT64_MAX

__all__ = [
    "MAX_BATCH_TXS",
    "MEMPOOL_CODES",
    "TX_MEDIA_TYPES",
    "chain_routes",
    "error_responses",
    "metrics_routes",
    "parse_hex",
    "read_tx_body",
    "tx_routes",
]

TX_MEDIA_TYPES = ("application/cbor", "application/octet-stream")
"""Content types ``POST /v1/txs`` accepts: the body is the raw canonical-CBOR signed tx."""

MAX_BATCH_TXS = 1000
"""The most txs one ``POST /v1/txs/batch`` may carry (the body limit applies too)."""
_MAX_TX_BYTES = 64 * 1024

_HEX_DIGITS = frozenset("0123456789abcdefABCDEF")
_HASH_PATTERN = rf"^[0-9a-fA-F]{{{2 * HASH_SIZE}}}$"


def error_responses(*codes: str) -> dict[int | str, dict[str, Any]]:
    """OpenAPI entries for the error answers of a route with these codes (and ``internal``)."""
    by_status: dict[int, list[str]] = {}
    for code in sorted({*codes, "internal"}):
        by_status.setdefault(STATUS_BY_CODE[code], []).append(code)
    return {
        status: {"model": ErrorResponse, "description": "codes: " + ", ".join(names)}
        for status, names in sorted(by_status.items())
    }


MEMPOOL_CODES = (
    "malformed_tx",
    "tx_too_large",
    "wrong_chain",
    "tx_expired",
    "expiry_too_far",
    "unsupported_sender",
    "tx_replayed",
    "bad_signature",
    "mempool_full",
)
"""The codes the mempool refuses a tx with."""


def _hash_path(what: str) -> Any:
    return Path(
        description=f"{what}: {HASH_SIZE} bytes as {2 * HASH_SIZE} hex digits",
        json_schema_extra={"pattern": _HASH_PATTERN},
    )


def parse_hex(value: str, name: str, size: int) -> bytes:
    """Bytes of the ``size``-byte hex path parameter ``name``; ApiError ``invalid_hex`` if not."""
    if len(value) != 2 * size:
        raise ApiError(
            "invalid_hex",
            f"{name}: expected {2 * size} hex digits ({size} bytes), got {len(value)} characters",
        )
    if not _HEX_DIGITS.issuperset(value):
        raise ApiError("invalid_hex", f"{name}: only hex digits 0-9 and a-f are allowed")
    return bytes.fromhex(value)


async def read_tx_body(
    request: Request, max_body_bytes: int, what: str = "a canonical-CBOR signed tx"
) -> bytes:
    """The request body, refused once it passes ``max_body_bytes`` while being read.

    Content-Length is only a shortcut for refusing early: the count of bytes
    actually received is what holds, so a chunked body, or one whose
    Content-Length lies, is refused as soon as it goes over.
    """
    media_type = request.headers.get("content-type", "").split(";", 1)[0].strip().lower()
    if media_type not in TX_MEDIA_TYPES:
        raise ApiError(
            "unsupported_media_type", f"send {what} as one of {', '.join(TX_MEDIA_TYPES)}"
        )
    too_large = ApiError("body_too_large", f"the body is over {max_body_bytes} bytes")
    declared = request.headers.get("content-length")
    if (
        declared is not None
        and declared.isascii()
        and declared.isdigit()
        and int(declared) > max_body_bytes
    ):
        raise too_large
    chunks: list[bytes] = []
    received = 0
    async for chunk in request.stream():
        received += len(chunk)
        if received > max_body_bytes:
            raise too_large
        chunks.append(chunk)
    if received == 0:
        raise ApiError("malformed_tx", f"the body is empty: expected {what}")
    return b"".join(chunks)


def parse_tx_batch(body: bytes) -> list[bytes]:
    """The raw txs of a batch body: a canonical CBOR array of 1..MAX_BATCH_TXS byte strings."""
    limits = Limits(
        max_bytes=len(body), max_depth=1, max_items=MAX_BATCH_TXS, max_string_bytes=_MAX_TX_BYTES
    )
    try:
        items = decode(body, limits)
    except CodecError as exc:
        raise ApiError("malformed_batch", f"not a canonical CBOR array of txs: {exc}") from exc
    if not isinstance(items, list) or not items:
        raise ApiError("malformed_batch", "expected a non-empty CBOR array of signed txs")
    for index, item in enumerate(items):
        if not isinstance(item, bytes):
            raise ApiError("malformed_batch", f"item {index}: expected a byte string (a raw tx)")
    return items


def tx_routes(service: NodeService, max_body_bytes: int) -> APIRouter:
    """``POST /v1/txs`` and ``GET /v1/txs/{hash}``."""
    router = APIRouter(tags=["txs"])
    binary = {"schema": {"type": "string", "format": "binary"}}

    @router.post(
        "/v1/txs",
        status_code=202,
        response_model=TxAccepted,
        summary="Submit a signed tx",
        responses=error_responses(
            *MEMPOOL_CODES, "body_too_large", "unsupported_media_type", "not_ready"
        ),
        openapi_extra={
            "requestBody": {
                "required": True,
                "description": "the raw canonical-CBOR signed tx",
                "content": dict.fromkeys(TX_MEDIA_TYPES, binary),
            }
        },
    )
    async def submit_tx(request: Request) -> TxAccepted:
        raw = await read_tx_body(request, max_body_bytes)
        return TxAccepted(hash=service.submit_tx(raw).hex())

    @router.post(
        "/v1/txs/batch",
        response_model=TxBatchAccepted,
        summary="Submit many signed txs at once",
        description=(
            f"The body is a canonical CBOR array of 1 to {MAX_BATCH_TXS} byte strings, each a"
            " raw signed tx. Their signatures are checked together on every core. Each tx is"
            " admitted or refused on its own; the answer lists the outcomes in order."
        ),
        responses=error_responses(
            "malformed_batch",
            "malformed_tx",
            "body_too_large",
            "unsupported_media_type",
            "not_ready",
        ),
        openapi_extra={
            "requestBody": {
                "required": True,
                "description": "a canonical CBOR array of raw signed txs",
                "content": dict.fromkeys(TX_MEDIA_TYPES, binary),
            }
        },
    )
    async def submit_txs(request: Request) -> TxBatchAccepted:
        body = await read_tx_body(request, max_body_bytes, "a CBOR array of signed txs")
        outcomes = service.submit_txs(parse_tx_batch(body))
        results = [_batch_item(outcome) for outcome in outcomes]
        accepted = sum(1 for outcome in outcomes if isinstance(outcome, bytes))
        return TxBatchAccepted.model_validate({"accepted": accepted, "results": results})

    @router.get(
        "/v1/txs/{hash}",
        response_model=TxStatusResponse,
        summary="Status of a tx, with its receipt bundle once in a block",
        responses=error_responses("invalid_hex", "invalid_request", "not_ready"),
    )
    async def tx_status(hash: Annotated[str, _hash_path("tx hash")]) -> TxStatusResponse:
        tx_hash = parse_hex(hash, "hash", HASH_SIZE)
        found = service.tx_status(tx_hash)
        try:
            found.validate()
        except ValidationError as exc:  # the node's fault, not the client's: a 500
            raise RuntimeError(f"the node gave a malformed tx status: {exc}") from exc
        return TxStatusResponse.model_validate(
            {"hash": tx_hash.hex(), "status": found.status, "receipt": found.receipt}
        )

    return router


def _batch_item(outcome: bytes | GovChainError) -> dict[str, Any]:
    if isinstance(outcome, bytes):
        return {"hash": outcome.hex()}
    return {"error": {"code": outcome.code, "message": str(outcome)}}


def chain_routes(service: NodeService) -> APIRouter:
    """Blocks, notary lookups and the node's status."""
    router = APIRouter(tags=["chain"])

    def _block(height: int) -> BlockResponse:
        found = service.block(height) if height >= 1 else None
        if found is None:
            raise ApiError("not_found", f"no block at height {height}")
        return BlockResponse.model_validate(found)

    @router.get(
        "/v1/blocks/latest",
        response_model=BlockResponse,
        summary="The latest committed block",
        responses=error_responses("not_found", "not_ready"),
    )
    async def latest_block() -> BlockResponse:
        return _block(service.latest_height())

    @router.get(
        "/v1/blocks/{height}",
        response_model=BlockResponse,
        summary="The committed block at a height",
        responses=error_responses("not_found", "invalid_request", "not_ready"),
    )
    async def block(height: Annotated[int, Path(ge=1, le=UINT64_MAX)]) -> BlockResponse:
        return _block(height)

    @router.get(
        "/v1/notary/{digest}",
        response_model=NotaryLookupResponse,
        summary="Every anchoring of a document digest, each with its proof",
        responses=error_responses("invalid_hex", "invalid_request", "not_ready"),
    )
    async def notary_lookup(
        digest: Annotated[str, _hash_path("document digest")],
    ) -> NotaryLookupResponse:
        value = parse_hex(digest, "digest", HASH_SIZE)
        anchorings = service.notary_lookup(value)
        return NotaryLookupResponse.model_validate(
            {"digest": value.hex(), "anchorings": anchorings}
        )

    @router.get(
        "/v1/status",
        response_model=NodeStatus,
        summary="What this node is and how far it is",
        responses=error_responses("not_ready"),
    )
    async def status() -> NodeStatus:
        return NodeStatus.model_validate(service.status())

    return router


def metrics_routes(service: NodeService) -> APIRouter:
    """``GET /metrics`` in the Prometheus text format."""
    router = APIRouter(tags=["metrics"])

    @router.get(
        "/metrics",
        response_class=Response,
        summary="Prometheus metrics",
        responses={200: {"content": {"text/plain": {"schema": {"type": "string"}}}}},
    )
    async def metrics() -> Response:
        body = generate_latest(service.metrics_registry)
        return Response(body, media_type=CONTENT_TYPE_LATEST)

    return router
