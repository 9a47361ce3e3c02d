"""The locker's messages page and its script exchanges (docs/spec/console.md, "Locker pages";
F-C6, seed 003).

Page: ``/locker/{address}/messages`` (the shell the script fills). Exchanges, each for the
locker owner's session only, as the locker's (``locker_routes``): ``GET .../messages/reads``
(the first inbox page of each storage node, to sign), ``POST .../messages/inbox`` (signed
pages in; their messages in clear form and the next pages to sign out), ``POST
.../messages/{id}/plan`` (what to sign to open one), ``POST .../messages/{id}/open`` (the
signatures in; the sealed message and the wrapped locker key out, opened by the browser),
``POST .../messages/{id}/read`` (the signed read receipts in; the read time out). A failure
answers ``{"error": {"code", "message"}}``, never a traceback.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse, JSONResponse, Response

from govchain.console.browser_signatures import BrowserSignedReads
from govchain.console.locker_routes import (
    BadInputError,
    failure_answer,
    owner_or_refusal,
    posted_body,
    signatures_of,
)
from govchain.console.message_reader import MessageViewer
from govchain.console.pages_messages import messages_page

__all__ = ["install_message_routes"]

_ADDRESS = re.compile(r"[0-9a-f]{40}")
_MESSAGE_ID = re.compile(r"[0-9a-f]{64}")
AT_MAX = 32
"""The most storage nodes one message is named on in an open plan."""


def _message_id(value: str) -> str:
    if not _MESSAGE_ID.fullmatch(value):
        raise BadInputError("a message id is 64 lowercase hex digits")
    return value


def _at(body: dict[str, Any]) -> dict[str, int]:
    given = body.get("at")
    if not isinstance(given, dict) or not 0 < len(given) <= AT_MAX:
        raise BadInputError(f"at: 1..{AT_MAX} storage nodes, each with the message's seq")
    return {str(origin): seq for origin, seq in given.items()}


def install_message_routes(
    app: FastAPI, viewer: MessageViewer, bad_request: Callable[[str], Exception]
) -> None:
    """Add the messages page and its exchanges to ``app``; a page asked with a malformed
    address raises ``bad_request(reason)`` (the app's 400 page)."""

    @app.get("/locker/{address}/messages", response_class=HTMLResponse)
    def page(request: Request, address: str) -> str:
        if not _ADDRESS.fullmatch(address):
            raise bad_request("an address is 40 lowercase hex digits")
        return messages_page(str(request.state.lang), address)

    @app.get("/locker/{address}/messages/reads")
    def reads(request: Request, address: str) -> Response:
        try:
            owner, refused = owner_or_refusal(request, address)
            if refused is not None:
                return refused
            bases = viewer.inbox_reads(owner)
        except Exception as exc:  # every failure answers JSON, never a traceback
            return failure_answer(request, exc)
        return JSONResponse({"reads": [b.to_json() for b in bases]})

    @app.post("/locker/{address}/messages/inbox")
    async def inbox(request: Request, address: str) -> Response:
        try:
            owner, refused = owner_or_refusal(request, address)
            if refused is not None:
                return refused
            signed = signatures_of(await posted_body(request))
            signer = BrowserSignedReads(viewer.suite(), owner, signed)
            got = viewer.inbox(owner, signer, list(signed))
        except Exception as exc:  # every failure answers JSON, never a traceback
            return failure_answer(request, exc)
        return JSONResponse(got.to_json())

    @app.post("/locker/{address}/messages/{message}/plan")
    async def plan(request: Request, address: str, message: str) -> Response:
        try:
            owner, refused = owner_or_refusal(request, address)
            if refused is not None:
                return refused
            made = viewer.open_plan(owner, _message_id(message), _at(await posted_body(request)))
        except Exception as exc:  # every failure answers JSON, never a traceback
            return failure_answer(request, exc)
        return JSONResponse(made.to_json())

    @app.post("/locker/{address}/messages/{message}/open")
    async def open_message(request: Request, address: str, message: str) -> Response:
        try:
            owner, refused = owner_or_refusal(request, address)
            if refused is not None:
                return refused
            found = _message_id(message)
            signed = signatures_of(await posted_body(request))
            signer = BrowserSignedReads(viewer.suite(), owner, signed)
            got = viewer.sealed(owner, found, signer, list(signed))
        except Exception as exc:  # every failure answers JSON, never a traceback
            return failure_answer(request, exc)
        return JSONResponse(
            {"sealed": got.sealed.hex(), "sender": got.sender, "wrapped": got.wrapped.hex()}
        )

    @app.post("/locker/{address}/messages/{message}/read")
    async def mark_read(request: Request, address: str, message: str) -> Response:
        try:
            owner, refused = owner_or_refusal(request, address)
            if refused is not None:
                return refused
            found = _message_id(message)
            signed = signatures_of(await posted_body(request))
            signer = BrowserSignedReads(viewer.suite(), owner, signed)
            read = viewer.mark_read(found, signer, list(signed))
        except Exception as exc:  # every failure answers JSON, never a traceback
            return failure_answer(request, exc)
        return JSONResponse({"id": found, "read": read})
