"""``create_storage_app``: the HTTP blob API of a storage node (docs/spec/assets.md, F-A1).

- ``PUT /v1/blobs``: the body is the blob (at most ``max_blob`` bytes: 413
  ``blob_too_large``, refused by ``Content-Length`` before the body is read,
  and while it streams); header ``Govchain-Holder`` names the holder it is
  for, optional ``Govchain-Content-Hash`` the hash the client expects (400
  ``hash_mismatch`` when the body hashes otherwise). Answer ``{hash, size}``.
- ``GET /v1/blobs/{hash}?asset=<content id>`` or ``?locker=<address>``: the
  blob, to the record's holder or an account of the issuing member.
- ``GET /v1/blobs/{hash}?use=<usage tx hash>``: the blob, to the reader of a
  committed usage record (or the agent that sent it) within ``USE_WINDOW``
  blocks, with the signed annotated copy record in header
  ``Govchain-Annotation`` (docs/spec/grants.md; ``storage_node.annotations``).
- ``/v1/messages`` (with a :class:`MessageService`): sealed messages, inboxes,
  read receipts and a live stream (``storage_node.message_routes``,
  docs/spec/messages.md).
- ``GET|HEAD /v1/health``: readiness, unsigned. ``GET /metrics``: Prometheus.

Both blob routes need a request signed by an account (RFC 9421, decision
0007; checked by ``govchain.api.request_signatures.SignedReads``); its key
and every record the decision needs are read from chain nodes with their
state facts and proven against the genesis (``storage_node.chain_source``).
Nothing is stored on any refusal. Chain reads and store calls block, so
they run in worker threads, never on the event loop.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Annotated, Any, TypeVar

from fastapi import APIRouter, FastAPI, Query, Request
from fastapi.responses import Response
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from starlette.concurrency import run_in_threadpool

import govchain
from govchain.api.docs import install_docs
from govchain.api.errors import install_error_handlers
from govchain.api.request_signatures import (
    SIGNED_READ_RESPONSES,
    SignedReadLimits,
    SignedReads,
    request_view,
)
from govchain.api.schemas import ApiModel, ErrorResponse
from govchain.client.annotations import ANNOTATION_HEADER
from govchain.crypto import CryptoSuite
from govchain.ledger.records import address_of
from govchain.storage.blobs import BlobCorruptError, BlobError, BlobNotFoundError, BlobStore
from govchain.storage_node.access import (
    BLOB_HASH_SIZE,
    AccessRefusedError,
    check_read,
    check_upload,
)
from govchain.storage_node.annotations import AnnotationSigner, annotate_use
from govchain.storage_node.chain_source import ChainSource, ChainUnavailableError
from govchain.storage_node.errors import BLOB_STATUS_BY_CODE, BlobApiError
from govchain.storage_node.guard import Guard
from govchain.storage_node.holders import HolderIndex
from govchain.storage_node.message_routes import MessageService, Signer, message_routes
from govchain.storage_node.metrics import StorageMetrics
from govchain.types.validators import ADDRESS_SIZE

__all__ = [
    "CONTENT_HASH_HEADER",
    "GET_BODY_MAX",
    "HOLDER_HEADER",
    "BlobService",
    "StoredBlob",
    "create_storage_app",
]

log = logging.getLogger("govchain.storage_node")

HOLDER_HEADER = "Govchain-Holder"
"""The address (hex) of the holder an upload is for."""
CONTENT_HASH_HEADER = "Govchain-Content-Hash"
"""The hash (hex) the uploader expects its blob to have; sent back with a read."""
GET_BODY_MAX = 64 * 1024
"""A read carries no body; a signed one covers what it carries, at most this much."""
CONTENT_ID_SIZE = 16
TX_HASH_SIZE = 32

_T = TypeVar("_T")


@dataclass(frozen=True)
class BlobService:
    """What the blob API serves from: the store, the chain's records, the limits."""

    name: str
    suite: CryptoSuite
    store: BlobStore
    chain: ChainSource
    metrics: StorageMetrics
    max_blob: int
    holders: HolderIndex | None = None
    annotations: AnnotationSigner | None = None
    """Signs the annotated copies of ``?use=`` reads; without it those reads are refused."""
    clock: Callable[[], float] = field(default=time.time)
    """The wall clock of the signature window (this is the API, not consensus)."""
    messages: MessageService | None = None
    """The inbox store and its settings: the message routes (docs/spec/messages.md)."""


class StoredBlob(ApiModel):
    """What ``PUT /v1/blobs`` stored: the blob's hash (hex) and its size in bytes."""

    hash: str
    size: int


class Health(ApiModel):
    """A storage node that answers is ready."""

    status: str
    name: str


def _responses(*codes: str) -> dict[int | str, dict[str, Any]]:
    """OpenAPI entries of a route's error answers, with the signed-request 401."""
    by_status: dict[int, list[str]] = {}
    for code in sorted({*codes, "internal"}):
        by_status.setdefault(BLOB_STATUS_BY_CODE[code], []).append(code)
    entries: dict[int | str, dict[str, Any]] = {
        status: {"model": ErrorResponse, "description": "codes: " + ", ".join(names)}
        for status, names in sorted(by_status.items())
    }
    return {**entries, **SIGNED_READ_RESPONSES}


def create_storage_app(service: BlobService) -> FastAPI:
    """The HTTP API of a storage node, to be served by uvicorn."""
    app = FastAPI(
        title="GovChain storage node API",
        version=govchain.__version__,
        description="Store and fetch encrypted asset content by hash; every request signed.",
        docs_url=None,
        redoc_url=None,
        openapi_url="/openapi.json",
    )
    install_docs(app, "/openapi.json")
    install_error_handlers(app)
    signer_of = _signer_of(service)
    app.include_router(_blob_routes(service, signer_of))
    if service.messages is not None:
        app.include_router(message_routes(service.messages, signer_of, _read_body, GET_BODY_MAX))
    app.add_middleware(Guard, metrics=service.metrics)
    return app


async def _off_loop(fn: Callable[..., _T], *args: Any) -> _T:
    """``fn(*args)`` in a worker thread; a chain or access refusal becomes its API error."""
    try:
        return await run_in_threadpool(fn, *args)
    except ChainUnavailableError as exc:
        raise BlobApiError("chain_unavailable", str(exc)) from exc
    except AccessRefusedError as exc:
        raise BlobApiError(exc.code, str(exc)) from exc


def _signer_of(service: BlobService) -> Signer:
    """The check of a signed request: its verified signer, or the refusal (401, 503 busy)."""
    suite, chain = service.suite, service.chain
    signed = SignedReads(
        suite,
        lambda address: _signing_key(suite, chain, address),
        limits=SignedReadLimits(max_body_bytes=service.max_blob),
        clock=service.clock,
    )

    async def signer_of(request: Request, body: bytes) -> bytes:
        fields = (_field(request, "signature-input"), _field(request, "signature"))
        return await _off_loop(signed.verify, request_view(request), body, fields)

    return signer_of


def _blob_routes(service: BlobService, signer_of: Signer) -> APIRouter:
    router = APIRouter(tags=["blobs"])
    suite, chain = service.suite, service.chain

    @router.api_route("/v1/health", methods=["GET", "HEAD"], response_model=Health)
    async def health() -> Health:
        return Health(status="ok", name=service.name)

    @router.get("/metrics", response_class=Response, summary="Prometheus metrics")
    async def metrics() -> Response:
        return Response(generate_latest(service.metrics.registry), media_type=CONTENT_TYPE_LATEST)

    @router.put(
        "/v1/blobs",
        response_model=StoredBlob,
        summary="Store a blob for a holder: a signed request",
        responses=_responses(
            "blob_too_large", "hash_mismatch", "empty_blob", "invalid_hex", "invalid_request",
            "upload_not_allowed", "chain_unavailable", "storage_error", "storage_full",
        ),
    )  # fmt: skip
    async def put_blob(request: Request) -> StoredBlob:
        holder = _header_hex(request, HOLDER_HEADER, ADDRESS_SIZE)
        if holder is None:
            raise BlobApiError("invalid_request", f"the {HOLDER_HEADER} header is required")
        expected = _header_hex(request, CONTENT_HASH_HEADER, BLOB_HASH_SIZE)
        body = await _read_body(request, service.max_blob)
        signer = await signer_of(request, body)
        if signer != holder:
            await _off_loop(_check_upload, chain, signer, holder)
        if not body:
            raise BlobApiError("empty_blob", "a blob has at least one byte")
        digest = suite.hash(body)
        if expected is not None and expected != digest:
            raise BlobApiError(
                "hash_mismatch", f"the body hashes to {digest.hex()}, not {expected.hex()}"
            )
        await _store(service, body, digest, holder)
        log.info(
            "stored blob %s (%d bytes) for %s, sent by %s",
            digest.hex(),
            len(body),
            holder.hex(),
            signer.hex(),
        )
        return StoredBlob(hash=digest.hex(), size=len(body))

    @router.get(
        "/v1/blobs/{blob_hash}",
        response_class=Response,
        summary="Fetch a blob named by an asset, a locker or a usage record: a signed read",
        responses={
            200: {"content": {"application/octet-stream": {"schema": {"type": "string"}}}},
            **_responses(
                "invalid_hex", "invalid_request", "read_not_allowed", "use_stale", "not_found",
                "blob_corrupt", "chain_unavailable", "storage_error",
            ),
        },
    )  # fmt: skip
    async def get_blob(
        blob_hash: str,
        request: Request,
        asset: Annotated[str | None, Query(description="the content id (hex) of the asset")] = None,
        locker: Annotated[str | None, Query(description="the locker's address (hex)")] = None,
        use: Annotated[
            str | None, Query(description="the hash (hex) of the grants.use tx read against")
        ] = None,
    ) -> Response:
        digest = _hex(blob_hash, "blob hash", BLOB_HASH_SIZE)
        kind, key = _named_record(asset, locker, use)
        reader = await signer_of(request, await _read_body(request, GET_BODY_MAX))
        headers = {CONTENT_HASH_HEADER: digest.hex()}
        if kind == "use":
            if service.annotations is None:
                raise BlobApiError("storage_error", "this storage node signs no annotated copies")
            annotation = await _off_loop(
                annotate_use, chain, service.annotations, reader, digest, key
            )
            headers[ANNOTATION_HEADER] = annotation.to_header()
        else:
            await _check_record_read(chain, kind, key, reader, digest)
        data = await _load(service, digest)
        service.metrics.blobs_served.inc()
        return Response(data, media_type="application/octet-stream", headers=headers)

    return router


async def _check_record_read(
    chain: ChainSource, kind: str, key: bytes, reader: bytes, digest: bytes
) -> None:
    """Refuse unless ``reader`` may read ``digest`` under the asset or locker ``key``."""
    grant = await _off_loop(chain.grant, kind, key)
    if grant is None:
        raise BlobApiError("not_found", f"the chain holds no {kind} {key.hex()}")
    account = await _off_loop(chain.account, reader)
    if account is None:  # its key signed a moment ago: the cache forgot it meanwhile
        raise BlobApiError("chain_unavailable", "the reader's account is not known now")
    await _off_loop(check_read, account, digest, grant)


def _signing_key(suite: CryptoSuite, chain: ChainSource, address: bytes) -> bytes | None:
    """The key that may sign for ``address``: its proven account's, if active."""
    account = chain.account(address)
    if account is None or account.status != "active":
        return None
    if address_of(suite, account.public_key) != address:
        log.warning("the proven account %s has a key of another address", address.hex())
        return None
    return account.public_key


def _check_upload(chain: ChainSource, signer: bytes, holder: bytes) -> None:
    """``upload_not_allowed`` unless ``signer`` may upload for ``holder`` (both fetched, proven)."""
    account = chain.account(signer)
    if account is None:
        raise ChainUnavailableError("the uploader's account is not known now")
    member = chain.member(account.org) if account.org else None
    check_upload(account, holder, member)


async def _store(service: BlobService, body: bytes, digest: bytes, holder: bytes) -> None:
    try:
        stored = await run_in_threadpool(service.store.put, body)
    except BlobError as exc:
        if exc.code == "blob_too_large":
            raise BlobApiError("blob_too_large", str(exc)) from exc
        raise _store_failed("put", exc) from exc
    if stored != digest:  # the store hashes with another function than the chain's suite
        raise RuntimeError(f"the store named blob {digest.hex()} {stored.hex()}")
    if service.holders is not None:
        await run_in_threadpool(service.holders.add, digest, holder)
    service.metrics.stored(len(body))


async def _load(service: BlobService, digest: bytes) -> bytes:
    """The blob's bytes, checked against its hash here too; never bytes that do not match."""
    try:
        data = await run_in_threadpool(service.store.get, digest)
    except BlobNotFoundError as exc:
        raise BlobApiError("not_found", f"this storage node holds no blob {digest.hex()}") from exc
    except BlobCorruptError:
        data = b""
    except BlobError as exc:
        raise _store_failed("get", exc) from exc
    if data and service.suite.hash(data) == digest:
        return data
    service.metrics.corrupt_reads.inc()
    log.error("blob %s is corrupt: its stored bytes do not match its hash", digest.hex())
    raise BlobApiError(
        "blob_corrupt", "this storage node's copy of the blob fails its hash check; try another"
    )


def _store_failed(operation: str, error: BlobError) -> BlobApiError:
    """The store failed (a full disk, an S3 endpoint down): 503, the detail to the log only."""
    log.error("the blob store failed a %s (%s): %s", operation, error.code, error)
    if error.code == "blob_store_full":
        return BlobApiError("storage_full", "this storage node is full; try another")
    return BlobApiError("storage_error", "this storage node's store failed; try another")


async def _read_body(request: Request, limit: int) -> bytes:
    """The body; ``blob_too_large`` past ``limit`` (by Content-Length, and as it comes)."""
    declared = request.headers.get("content-length")
    if declared is not None:
        if not (declared.isascii() and declared.isdigit()):
            raise BlobApiError("invalid_request", "Content-Length is not a number")
        if int(declared) > limit:
            raise BlobApiError("blob_too_large", f"the body is over {limit} bytes")
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > limit:
            raise BlobApiError("blob_too_large", f"the body is over {limit} bytes")
    return bytes(body)


def _named_record(asset: str | None, locker: str | None, use: str | None) -> tuple[str, bytes]:
    """Which record names the blob: ``("asset", content id)``, ``("locker", address)`` or
    ``("use", usage tx hash)``."""
    named = [
        (k, v) for k, v in (("asset", asset), ("locker", locker), ("use", use)) if v is not None
    ]
    if len(named) != 1:
        raise BlobApiError(
            "invalid_request",
            "name one record: ?asset=<content id>, ?locker=<address> or ?use=<usage tx hash>",
        )
    kind, text = named[0]
    size, what = {
        "asset": (CONTENT_ID_SIZE, "asset content id"),
        "locker": (ADDRESS_SIZE, "locker address"),
        "use": (TX_HASH_SIZE, "usage tx hash"),
    }[kind]
    return kind, _hex(text, what, size)


def _hex(text: str, what: str, size: int) -> bytes:
    try:
        value = bytes.fromhex(text) if len(text) == 2 * size else b""
    except ValueError:
        value = b""
    if len(value) != size:
        raise BlobApiError("invalid_hex", f"{what}: expected {2 * size} hex digits")
    return value


def _header_hex(request: Request, name: str, size: int) -> bytes | None:
    text = request.headers.get(name)
    return None if text is None else _hex(text.strip(), name, size)


def _field(request: Request, name: str) -> str | None:
    """A field's value, its field lines joined as RFC 9110 section 5.3 says; None if absent."""
    lines = request.headers.getlist(name)
    return ", ".join(lines) if lines else None
