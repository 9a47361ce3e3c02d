"""Error answers of the API: stable codes, their HTTP statuses, and the handlers.

Every error is ``{"error": {"code": "...", "message": "..."}}``. Codes are
stable; messages are for people. A ``GovChainError`` keeps its own ``code``
and gets the status of :data:`STATUS_BY_CODE`; anything unexpected becomes a
500 with code ``internal``, logged with its traceback and never shown.

A 5xx answer never carries the text of the error behind it (a storage error
names paths): only the codes of :data:`SAFE_5XX_CODES`, whose messages the
node writes for clients, keep their message; every other one gets the
generic message of its code, and the detail goes to the log.
"""

from __future__ import annotations

import logging
from http import HTTPStatus
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from govchain.api.schemas import ErrorResponse
from govchain.types.errors import (
    CryptoError,
    GovChainError,
    LedgerCorruptError,
    StorageError,
    ValidationError,
)

__all__ = [
    "GENERIC_MESSAGES",
    "RETRY_AFTER_S",
    "SAFE_5XX_CODES",
    "STATUS_BY_CODE",
    "STORE_CODES",
    "ApiError",
    "error_body",
    "error_response",
    "error_responses",
    "install_error_handlers",
    "status_of",
]

log = logging.getLogger("govchain.api")

STATUS_BY_CODE: dict[str, int] = {
    # the mempool's refusals
    "malformed_tx": 400,
    "wrong_chain": 400,
    "tx_expired": 400,
    "expiry_too_far": 400,
    "unsupported_sender": 400,
    "bad_signature": 400,
    "tx_too_large": 413,
    "tx_replayed": 409,
    "mempool_full": 503,
    "permission_denied": 403,
    # the services' reads
    "no_blocks": 503,
    "invalid_code": 400,
    "unknown_member": 404,
    "unknown_account": 404,
    "unknown_proposal": 404,
    "not_in_scope": 403,
    "use_stale": 403,
    # the API's own
    "invalid_request": 422,
    "malformed_batch": 400,
    "invalid_hex": 400,
    "body_too_large": 413,
    "unsupported_media_type": 415,
    "not_found": 404,
    "method_not_allowed": 405,
    "not_ready": 503,
    "too_many_streams": 503,
    "busy": 503,
    "rate_limited": 429,
    "invalid_cursor": 400,
    "internal": 500,
    # the node's store
    "storage_error": 503,
    "storage_full": 503,
    "storage_closed": 503,
    "ledger_corrupt": 500,
    "version_pruned": 410,
    # record and signature errors from the types tree
    "invalid": 400,
    "invalid_signature": 400,
}
"""HTTP status of each stable error code."""

SAFE_5XX_CODES = frozenset({"mempool_full", "not_ready", "too_many_streams", "busy", "no_blocks"})
"""5xx codes whose messages the node writes for clients (counts and limits, never paths)."""

GENERIC_MESSAGES: dict[str, str] = {
    "storage_error": "the node's storage failed; try again later",
    "storage_full": "the node's storage is full; try again later",
    "storage_closed": "the node is stopping; try another node",
    "ledger_corrupt": "a stored record of this node fails its checks; the node is stopping",
    "internal": "internal error",
}
"""The message of each 5xx code whose error text is never shown."""

RETRY_AFTER_S = 1
"""The ``Retry-After`` of a ``busy`` answer, in seconds: workers free up within a read."""

# Subclasses of these, when their code is not in the table: what the client sent
# was wrong (400), or the node cannot serve now (503). Other GovChainErrors are 500.
_CLIENT_FAULTS = (ValidationError, CryptoError)
_NODE_UNAVAILABLE = (StorageError,)


class ApiError(Exception):
    """An error the API itself answers with (bad path parameter, body too large, ...)."""

    def __init__(self, code: str, message: str) -> None:
        assert code in STATUS_BY_CODE, f"API error code {code!r} has no HTTP status"
        super().__init__(message)
        self.code = code
        self.message = message

    @property
    def status_code(self) -> int:
        """The HTTP status of this error's code."""
        return STATUS_BY_CODE[self.code]


def status_of(error: GovChainError) -> int:
    """HTTP status of an operating error: by its code, else by its class."""
    status = STATUS_BY_CODE.get(error.code)
    if status is not None:
        return status
    if isinstance(error, _CLIENT_FAULTS):
        return 400
    if isinstance(error, _NODE_UNAVAILABLE):
        return 503
    return 500


def error_body(code: str, message: str) -> dict[str, Any]:
    """The JSON body of an error answer."""
    return {"error": {"code": code, "message": message}}


def error_response(status: int, code: str, message: str) -> JSONResponse:
    """An error answer with ``status`` (and ``Retry-After`` when the code is ``busy``)."""
    headers = {"Retry-After": str(RETRY_AFTER_S)} if code == "busy" else None
    return JSONResponse(error_body(code, message), status_code=status, headers=headers)


STORE_CODES = ("storage_error", "storage_full", "storage_closed", "ledger_corrupt")
"""What any route that reads or writes the node's store may answer when the store fails."""


def error_responses(*codes: str, store: bool = True) -> dict[int | str, dict[str, Any]]:
    """OpenAPI entries for the error answers of a route with these codes.

    ``internal`` and ``rate_limited`` (any route may be limited, see
    ``api.ratelimit``) are always there, and :data:`STORE_CODES` unless the
    route never touches the store (``store=False``).
    """
    by_status: dict[int, list[str]] = {}
    for code in sorted({*codes, "internal", "rate_limited", *(STORE_CODES if store else ())}):
        by_status.setdefault(STATUS_BY_CODE[code], []).append(code)
    entries: dict[int | str, dict[str, Any]] = {}
    for status, names in sorted(by_status.items()):
        entry: dict[str, Any] = {
            "model": ErrorResponse,
            "description": "codes: " + ", ".join(names),
        }
        retry = sorted({"busy", "rate_limited"} & set(names))
        if retry:
            entry["headers"] = {
                "Retry-After": {
                    "description": f"seconds to wait before retrying (code {', '.join(retry)})",
                    "schema": {"type": "integer", "minimum": 0},
                }
            }
        entries[status] = entry
    return entries


def _describe_validation(exc: RequestValidationError) -> str:
    parts = []
    for error in exc.errors()[:10]:
        location = ".".join(str(item) for item in error.get("loc", ()))
        parts.append(f"{location}: {error.get('msg', 'invalid')}")
    return "; ".join(parts) or "invalid request"


async def _on_api_error(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, ApiError)
    return error_response(exc.status_code, exc.code, exc.message)


async def _on_govchain_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, GovChainError)
    status = status_of(exc)
    if status < 500 or exc.code in SAFE_5XX_CODES:
        return error_response(status, exc.code, str(exc) or exc.code)
    # The node's problem, not the client's: a stable code, a generic message, the detail logged.
    if status == 503:  # the node cannot serve now (its storage): the error's code if it is known
        code = exc.code if exc.code in GENERIC_MESSAGES else "storage_error"
    elif isinstance(exc, LedgerCorruptError):
        code, status = "ledger_corrupt", 500
    else:
        code, status = "internal", 500
    log.error("%s %s failed (%s)", request.method, request.url.path, code, exc_info=exc)
    message = GENERIC_MESSAGES[code]
    return error_response(status, code, message)


async def _on_validation_error(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    return error_response(422, "invalid_request", _describe_validation(exc))


async def _on_http_error(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    codes = {404: "not_found", 405: "method_not_allowed", 413: "body_too_large"}
    code = codes.get(exc.status_code, "invalid_request" if exc.status_code < 500 else "internal")
    try:
        message = HTTPStatus(exc.status_code).phrase
    except ValueError:
        message = "error"
    return JSONResponse(error_body(code, message), status_code=exc.status_code, headers=exc.headers)


def install_error_handlers(app: FastAPI) -> None:
    """Answer every error ``app`` raises with the stable JSON error shape."""
    app.add_exception_handler(ApiError, _on_api_error)
    app.add_exception_handler(GovChainError, _on_govchain_error)
    app.add_exception_handler(RequestValidationError, _on_validation_error)
    app.add_exception_handler(StarletteHTTPException, _on_http_error)
