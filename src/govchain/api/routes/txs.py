"""Chain-level router ``txs``: submit signed txs, one or a batch, and ask where a tx is.

``POST /v1/txs`` and ``POST /v1/txs/batch`` take raw canonical CBOR; their
signatures are checked off the event loop. ``GET /v1/txs/{hash}`` reads the
receipt bundle with the node's proving read.

The batch route is the intake path of a loaded node (issue 21): its body is
decoded once, the raw txs go to the mempool as they came, and its answer is
written as JSON bytes directly (:func:`batch_answer`), the same bytes its
response model ``TxBatchAccepted`` gives, without building a model per tx.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Annotated

from fastapi import APIRouter, Request
from starlette.responses import Response

from govchain.api.errors import ApiError, error_responses
from govchain.api.routes.params import hash_path, parse_hex
from govchain.api.schemas import TxAccepted, TxBatchAccepted, TxStatusResponse
from govchain.api.service import NodeService, TxStatus
from govchain.codec import CodecError, Limits, decode
from govchain.contracts.proving_reader import ProvingReader
from govchain.types.errors import GovChainError, ValidationError
from govchain.types.fields import HASH_SIZE

__all__ = [
    "MAX_BATCH_TXS",
    "MEMPOOL_CODES",
    "TX_MEDIA_TYPES",
    "batch_answer",
    "parse_tx_batch",
    "read_tx_body",
    "tx_routes",
    "tx_status_at",
]

TX_MEDIA_TYPES = ("application/cbor", "application/octet-stream")
"""Content types ``POST /v1/txs`` accepts: the body is the raw canonical-CBOR signed tx."""

MAX_BATCH_TXS = 1000
"""The most txs one ``POST /v1/txs/batch`` may carry (the body limit applies too)."""
_MAX_TX_BYTES = 64 * 1024

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


def tx_status_at(reader: ProvingReader, tx_hash: bytes) -> TxStatus:
    """A tx's place in the chain read: committed or failed with its receipt bundle, or unknown."""
    bundle = reader.tx_receipt(tx_hash)
    if bundle is None:
        return TxStatus("unknown")
    return TxStatus("committed" if bundle.receipt.ok else "failed", bundle.to_json())


def tx_routes(service: NodeService, max_body_bytes: int) -> APIRouter:
    """``POST /v1/txs``, ``POST /v1/txs/batch`` and ``GET /v1/txs/{hash}``."""
    router = APIRouter(tags=["txs"])
    binary = {"schema": {"type": "string", "format": "binary"}}

    @router.post(
        "/v1/txs",
        status_code=202,
        response_model=TxAccepted,
        summary="Submit a signed tx",
        responses=error_responses(
            *MEMPOOL_CODES, "body_too_large", "unsupported_media_type", "not_ready", "busy"
        ),
        openapi_extra={
            "requestBody": {
                "required": True,
                "description": (
                    "the signed tx, raw canonical CBOR (docs/formats.md, section 5); any other"
                    " bytes are refused with 400 malformed_tx"
                ),
                "content": dict.fromkeys(TX_MEDIA_TYPES, binary),
            }
        },
    )
    async def submit_tx(request: Request) -> TxAccepted:
        raw = await read_tx_body(request, max_body_bytes)
        return TxAccepted(hash=(await service.submit_tx(raw)).hex())

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
            "busy",
        ),
        openapi_extra={
            "requestBody": {
                "required": True,
                "description": (
                    f"a canonical CBOR array of 1 to {MAX_BATCH_TXS} byte strings, each a raw"
                    " signed tx; any other bytes are refused with 400 malformed_batch"
                ),
                "content": dict.fromkeys(TX_MEDIA_TYPES, binary),
            }
        },
    )
    async def submit_txs(request: Request) -> Response:
        # The Response goes out as it is: FastAPI builds no TxBatchAccepted (issue 21, item 4);
        # response_model still documents the answer in /openapi.json.
        body = await read_tx_body(request, max_body_bytes, "a CBOR array of signed txs")
        outcomes = await service.submit_txs(parse_tx_batch(body))
        return Response(batch_answer(outcomes), media_type="application/json")

    @router.get(
        "/v1/txs/{hash}",
        response_model=TxStatusResponse,
        summary="Status of a tx, with its receipt bundle once in a block",
        responses=error_responses("invalid_hex", "invalid_request", "not_ready", "busy"),
    )
    async def tx_status(hash: Annotated[str, hash_path("tx hash")]) -> TxStatusResponse:
        tx_hash = parse_hex(hash, "hash", HASH_SIZE)
        if service.pending(tx_hash):
            found = TxStatus("pending")
        else:
            found = await service.read(tx_status_at, tx_hash)
        try:
            found.validate()
        except ValidationError as exc:  # the node's fault, not the client's: a 500
            raise RuntimeError(f"the node gave a malformed tx status: {exc}") from exc
        return TxStatusResponse.model_validate(
            {"hash": tx_hash.hex(), "status": found.status, "receipt": found.receipt}
        )

    return router


def batch_answer(outcomes: Sequence[bytes | GovChainError]) -> bytes:
    """The JSON answer of a batch: the bytes FastAPI writes for the ``TxBatchAccepted`` of
    ``outcomes`` (compact, UTF-8, fields in model order, absent ones null), built directly.

    An admitted tx's outcome is its hash (always 32 bytes: its hex needs no escaping); a
    refusal is the mempool's error, whose code and message are JSON-escaped.
    """
    items: list[str] = []
    accepted = 0
    for outcome in outcomes:
        if isinstance(outcome, bytes):
            assert len(outcome) == HASH_SIZE, "a tx hash"
            accepted += 1
            items.append(f'{{"hash":"{outcome.hex()}","error":null}}')
        else:
            code, message = _json_text(outcome.code), _json_text(str(outcome))
            items.append(f'{{"hash":null,"error":{{"code":{code},"message":{message}}}}}')
    return f'{{"accepted":{accepted},"results":[{",".join(items)}]}}'.encode()


def _json_text(text: str) -> str:
    return json.dumps(text, ensure_ascii=False)
