"""The locker pages' routes: HTML pages, and the JSON the page's script exchanges with the console.

Pages: ``/locker`` (give an address), ``/locker/{address}`` (the shell the
script fills), ``/locker/{address}/assets/{content id}`` (an asset and the
fetch form). Script exchanges (JSON in, JSON or an HTML fragment out):
``GET .../reads`` (the signature bases of the locker's signed reads),
``POST .../view`` (the browser's signatures in, the signed part of the page
out), ``POST .../assets/{id}/plan`` (what to sign to fetch),
``POST .../assets/{id}/fetch`` (the signatures in; the usage tx submitted,
the ciphertexts out). An exchange that fails answers
``{"error": {"code", "message"}}``, never a traceback; the detail goes to
the console's log without any signature.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from typing import Any

from fastapi import FastAPI, Query, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response

from govchain.console.browser_signatures import (
    BrowserSignature,
    BrowserSignedReads,
    MissingSignatureError,
)
from govchain.console.index_reader import IndexReader, IndexUnavailableError
from govchain.console.locker_reader import LockerViewer, ReadRefusedError, UseTx
from govchain.console.pages_locker import (
    asset_page,
    locker_fragment,
    locker_page,
    locker_start_page,
)
from govchain.console.routes_access import (
    AccessDeniedError,
    json_body,
    require_session,
)
from govchain.types.errors import GovChainError, ValidationError

__all__ = [
    "failure_answer",
    "install_locker_routes",
    "owner_or_refusal",
    "posted_body",
    "signatures_of",
]

log = logging.getLogger("govchain.console")

_ADDRESS = re.compile(r"[0-9a-f]{40}")
_ID = re.compile(r"[0-9a-f]{32}")
_HEX = re.compile(r"(?:[0-9a-f]{2}){1,256}")
READS_MAX = 20
"""The most signed reads one exchange carries (3 for a locker, up to 16 for a fetch)."""
PURPOSE_MAX = 256


class BadInputError(ValidationError):
    """A script exchange's input is malformed."""

    code = "bad_request"


def _address(value: str) -> bytes:
    if not _ADDRESS.fullmatch(value):
        raise BadInputError("an address is 40 lowercase hex digits")
    return bytes.fromhex(value)


def _content_id(value: str) -> bytes:
    if not _ID.fullmatch(value):
        raise BadInputError("a content id is 32 lowercase hex digits")
    return bytes.fromhex(value)


def _hex(body: dict[str, Any], name: str) -> bytes:
    value = body.get(name)
    if not isinstance(value, str) or not _HEX.fullmatch(value):
        raise BadInputError(f"{name} must be lowercase hex")
    return bytes.fromhex(value)


async def _body(request: Request) -> dict[str, Any]:
    """The posted JSON object (this console's own pages only: same Origin)."""
    try:
        return await json_body(request)
    except ValueError as exc:
        raise BadInputError(f"the body is not a JSON object: {exc}") from exc


def _owner(request: Request, address: str) -> tuple[bytes, Response | None]:
    """The locker's address, and a refusal unless the signed-in account owns it (no session:
    AccessDeniedError, which the app answers with a 403 or a redirect to sign in)."""
    session = require_session(request)
    owner = _address(address)
    if session.identity.address != owner.hex():
        refusal = {"code": "not_owner", "message": "a locker is opened by its own account only"}
        return owner, JSONResponse({"error": refusal}, status_code=403)
    return owner, None


def _signatures(body: dict[str, Any]) -> dict[str, BrowserSignature]:
    given = body.get("reads")
    if not isinstance(given, dict) or not 0 < len(given) <= READS_MAX:
        raise BadInputError(f"reads: 1..{READS_MAX} signatures by URL")
    found: dict[str, BrowserSignature] = {}
    for url, item in given.items():
        if not isinstance(item, dict):
            raise BadInputError("each read is {created, nonce, signature}")
        found[str(url)] = BrowserSignature(
            item.get("created"),  # type: ignore[arg-type]
            item.get("nonce"),  # type: ignore[arg-type]
            item.get("signature"),  # type: ignore[arg-type]
        )
    return found


def _failure(request: Request, exc: Exception) -> JSONResponse:
    if isinstance(exc, AccessDeniedError):
        raise exc  # the app's answer: 403, or back to sign in
    if isinstance(exc, ValidationError):
        status, code = 400, getattr(exc, "code", "bad_request")
    elif isinstance(exc, ReadRefusedError):
        status, code = 403, exc.code
    elif isinstance(exc, GovChainError):
        status, code = 503, exc.code
    else:
        status, code = 500, "internal"
    log.warning("console: %s %s: %s: %s", request.method, request.url.path, code, exc)
    message = str(exc) if status != 500 else "internal error of the console"
    return JSONResponse({"error": {"code": code, "message": message}}, status_code=status)


def install_locker_routes(
    app: FastAPI,
    viewer: LockerViewer,
    index: IndexReader,
    bad_request: Callable[[str], Exception],
) -> None:
    """Add the locker pages and their script exchanges to ``app``; a page asked with a
    malformed address or id raises ``bad_request(reason)`` (the app's 400 page)."""
    _install_pages(app, viewer, bad_request)
    _install_exchanges(app, viewer, index)


def _lang(request: Request) -> str:
    return str(request.state.lang)


def _install_pages(
    app: FastAPI, viewer: LockerViewer, bad_request: Callable[[str], Exception]
) -> None:
    def checked(parse: Callable[[str], bytes], value: str) -> bytes:
        try:
            return parse(value)
        except BadInputError as exc:
            raise bad_request(str(exc)) from exc

    @app.get("/locker", response_class=HTMLResponse)
    def start(request: Request) -> Response:
        session = getattr(request.state, "session", None)
        if session is not None:
            return RedirectResponse(f"/locker/{session.identity.address}", status_code=303)
        return HTMLResponse(locker_start_page(_lang(request)))

    @app.get("/locker/open")
    def open_locker(address: str = Query(..., max_length=64)) -> Response:
        value = address.strip().lower().removeprefix("0x")
        return RedirectResponse(f"/locker/{checked(_address, value).hex()}", status_code=303)

    @app.get("/locker/{address}", response_class=HTMLResponse)
    def locker(request: Request, address: str) -> str:
        return locker_page(_lang(request), checked(_address, address).hex())

    @app.get("/locker/{address}/assets/{content_id}", response_class=HTMLResponse)
    def asset(
        request: Request,
        address: str,
        content_id: str,
        grant: str = Query("", max_length=32),
    ) -> str:
        owner, cid = checked(_address, address), checked(_content_id, content_id)
        if grant:
            checked(_content_id, grant)
        return asset_page(_lang(request), owner.hex(), viewer.asset(cid), grant)


def _install_exchanges(app: FastAPI, viewer: LockerViewer, index: IndexReader) -> None:
    @app.get("/locker/{address}/reads")
    def reads(request: Request, address: str) -> Response:
        try:
            owner, refused = _owner(request, address)
            if refused is not None:
                return refused
            bases = viewer.reads_to_sign(owner, viewer.locker_urls(owner))
        except Exception as exc:  # every failure answers JSON, never a traceback
            return _failure(request, exc)
        return JSONResponse({"reads": [b.to_json() for b in bases]})

    @app.post("/locker/{address}/view")
    async def view(request: Request, address: str) -> Response:
        try:
            owner, refused = _owner(request, address)
            if refused is not None:
                return refused
            signer = BrowserSignedReads(viewer.suite(), owner, _signatures(await _body(request)))
            shown = viewer.locker(owner, signer)
            try:
                given = index.holder_grants(owner.hex())
            except IndexUnavailableError as exc:
                log.warning("console: %s", exc)
                given = None
        except Exception as exc:  # every failure answers JSON, never a traceback
            return _failure(request, exc)
        return HTMLResponse(locker_fragment(_lang(request), owner.hex(), shown, given))

    @app.post("/locker/{address}/assets/{content_id}/plan")
    async def plan(request: Request, address: str, content_id: str) -> Response:
        try:
            owner, refused = _owner(request, address)
            if refused is not None:
                return refused
            cid = _content_id(content_id)
            body = await _body(request)
            grant = _hex(body, "grant") if body.get("grant") else None
            purpose = body.get("purpose", "")
            if not isinstance(purpose, str) or len(purpose) > PURPOSE_MAX:
                raise BadInputError(f"a purpose is at most {PURPOSE_MAX} characters")
            made = viewer.fetch_plan(owner, _hex(body, "public_key"), cid, grant, purpose.strip())
        except Exception as exc:  # every failure answers JSON, never a traceback
            return _failure(request, exc)
        return JSONResponse(made.to_json())

    @app.post("/locker/{address}/assets/{content_id}/fetch")
    async def fetch(request: Request, address: str, content_id: str) -> Response:
        try:
            owner, refused = _owner(request, address)
            if refused is not None:
                return refused
            cid = _content_id(content_id)
            body = await _body(request)
            public_key = _hex(body, "public_key")
            use = _use_of(body.get("tx"), cid)
            signer = BrowserSignedReads(viewer.suite(), owner, _signatures(body))
            got = viewer.fetch(owner, public_key, cid, use, signer, list(body["reads"]))
        except Exception as exc:  # every failure answers JSON, never a traceback
            return _failure(request, exc)
        return JSONResponse(
            {"wrapped": got.wrapped.hex(), "blob": got.blob.hex(), "use_tx": got.use_tx}
        )


def _use_of(value: object, content_id: bytes) -> UseTx | None:
    if value is None:
        return None
    if not isinstance(value, dict):
        raise BadInputError("tx is {chain_id, nonce, expiry, grant, purpose, signature}")
    expiry, chain_id, purpose = value.get("expiry"), value.get("chain_id"), value.get("purpose")
    if isinstance(expiry, bool) or not isinstance(expiry, int) or not 0 < expiry < 2**63:
        raise BadInputError("tx.expiry is a height")
    if not isinstance(chain_id, str) or not isinstance(purpose, str):
        raise BadInputError("tx.chain_id and tx.purpose are text")
    if not purpose.strip():
        raise MissingSignatureError("a read through a grant records why: give a purpose")
    return UseTx(
        content_id,
        _hex(value, "grant"),
        purpose,
        chain_id,
        _hex(value, "nonce"),
        expiry,
        _hex(value, "signature"),
    )


# What the message routes (console.locker_message_routes) share with these: the same owner check,
# signature parsing, JSON body and failure answers.
owner_or_refusal = _owner
signatures_of = _signatures
posted_body = _body
failure_answer = _failure
