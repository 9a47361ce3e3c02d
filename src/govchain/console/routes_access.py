"""Routes of sign-in and sessions (docs/spec/console.md, "Sign-in", "Sessions").

``GET /signin`` serves the page; ``POST /signin/challenge`` issues a
challenge; ``POST /signin`` checks the signed answer, looks the account up
on the chain and opens a session (cookie: random id, HttpOnly,
SameSite=Strict, Secure over https); ``POST /signout`` ends it. A
middleware finds the session of every request. :func:`require_session`
guards the routes that act: a page without a session is a 403 page (or,
when the session ran out, a redirect to sign in again), a JSON call a 403
answer. Logs name addresses and outcomes, never a signature or a cookie.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from fastapi import FastAPI, Request, Response
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse
from starlette.concurrency import run_in_threadpool

from govchain.console.catalogue import language_of, text
from govchain.console.chain_actions import ChainActions
from govchain.console.markup import layout
from govchain.console.pages_signin import forbidden_body, signin_page
from govchain.console.sessions import (
    SESSION_COOKIE,
    SIGNED_IN,
    Session,
    SessionsFullError,
    SessionStore,
)
from govchain.console.signin import ChallengeStore, SignInRefusedError, signer_address
from govchain.console.tx_prep import PendingTxStore
from govchain.types.errors import GovChainError

__all__ = [
    "AccessDeniedError",
    "ConsoleAccess",
    "install_access",
    "json_body",
    "origin_of",
    "refuse",
    "require_session",
]

log = logging.getLogger("govchain.console")

MAX_BODY = 16 * 1024
_LOCAL_PATH = re.compile(r"/(?![/\\])[\x21-\x7e]{0,511}")


@dataclass(frozen=True, slots=True)
class ConsoleAccess:
    """What signing in and acting need: the chain, and the three in-memory stores."""

    actions: ChainActions
    challenges: ChallengeStore
    sessions: SessionStore
    pending: PendingTxStore


class AccessDeniedError(GovChainError):
    """A request that needs a session (or a member admin's) without one; ``reason`` is a
    catalogue key; ``expired`` when the session ran out."""

    code = "forbidden"

    def __init__(self, reason: str, expired: bool = False) -> None:
        super().__init__(reason)
        self.reason = reason
        self.expired = expired


def origin_of(request: Request) -> str:
    """The console's origin as this browser reached it: scheme and host."""
    return f"{request.url.scheme}://{request.headers.get('host', '')}"


def local_path(value: object) -> str:
    """``value`` when it is a path of this console (no other site, no scheme), else ``/``."""
    return value if isinstance(value, str) and _LOCAL_PATH.fullmatch(value) else "/"


def refuse(status: int, message: str) -> JSONResponse:
    """A JSON refusal the page's script shows as it is."""
    return JSONResponse(
        {"error": message}, status_code=status, headers={"cache-control": "no-store"}
    )


async def json_body(request: Request) -> dict[str, Any]:
    """The posted JSON object, from this console's own pages only (same Origin), at most
    MAX_BODY bytes; AccessDeniedError or a ValueError otherwise."""
    if request.headers.get("origin") != origin_of(request):
        raise AccessDeniedError("act.origin")
    body = await request.body()
    if len(body) > MAX_BODY:
        raise ValueError("the request is too large")
    value = json.loads(body or b"{}")
    if not isinstance(value, dict):
        raise ValueError("expected a JSON object")
    return value


def require_session(request: Request) -> Session:
    """The request's live session; AccessDeniedError when there is none."""
    session: Session | None = request.state.session
    if session is None:
        expired = bool(request.state.session_expired)
        raise AccessDeniedError("act.expired" if expired else "act.no_session", expired=expired)
    return session


def _lang(request: Request) -> str:
    return language_of(getattr(request.state, "lang", None))


def _install_denials(app: FastAPI) -> None:
    @app.exception_handler(AccessDeniedError)
    async def denied(request: Request, exc: AccessDeniedError) -> Response:
        lang = _lang(request)
        if request.method != "GET":
            answer = refuse(403, text(lang, exc.reason))
            if exc.expired:
                answer.delete_cookie(SESSION_COOKIE)
            return answer
        if exc.expired:
            target = "/signin?" + urlencode({"expired": "1", "next": request.url.path})
            redirect = RedirectResponse(target, status_code=303)
            redirect.delete_cookie(SESSION_COOKIE)
            return redirect
        body = forbidden_body(lang, exc.reason, request.url.path)
        page = layout(lang, text(lang, "page.forbidden"), body, request.url.path)
        return HTMLResponse(page, status_code=403)


def _install_session_lookup(app: FastAPI, sessions: SessionStore) -> None:
    @app.middleware("http")
    async def session_of(
        request: Request, call_next: Callable[[Request], Awaitable[Response]]
    ) -> Response:
        found = sessions.find(request.cookies.get(SESSION_COOKIE))
        request.state.session = found.session
        request.state.session_expired = found.expired
        token = SIGNED_IN.set(None if found.session is None else found.session.identity)
        try:
            return await call_next(request)
        finally:
            SIGNED_IN.reset(token)


def install_access(app: FastAPI, access: ConsoleAccess) -> None:
    """Add the sign-in routes, the session lookup and the 403 handling to ``app``."""
    _install_denials(app)
    _install_session_lookup(app, access.sessions)

    @app.get("/signin", response_class=HTMLResponse)
    def signin(request: Request, next: str = "/", expired: str = "") -> str:
        session: Session | None = request.state.session
        who = None if session is None else session.identity
        shown_expired = expired == "1" or bool(request.state.session_expired)
        return signin_page(_lang(request), who, local_path(next), shown_expired)

    @app.post("/signin/challenge")
    async def challenge(request: Request) -> Response:
        try:
            await json_body(request)
        except ValueError:
            return refuse(400, text(_lang(request), "signin.refused.malformed"))
        head = await run_in_threadpool(access.actions.head)
        issued = access.challenges.issue(origin_of(request), head.chain_id)
        return JSONResponse({"id": issued.id, "text": issued.text()},
                            headers={"cache-control": "no-store"})  # fmt: skip

    @app.post("/signin")
    async def answer(request: Request) -> Response:
        lang = _lang(request)
        try:
            body = await json_body(request)
            spent = access.challenges.take(body.get("id"), origin_of(request))
            head = await run_in_threadpool(access.actions.head)
            if spent.chain_id != head.chain_id:
                raise SignInRefusedError("unknown", "the challenge is of another chain")
            key, address = signer_address(
                head.suite, spent, body.get("suite"), body.get("public_key"), body.get("signature")
            )
            identity = await run_in_threadpool(access.actions.identity, head.suite, key)
            session = access.sessions.open(identity)
        except SignInRefusedError as exc:
            log.info("console: sign-in refused (%s)", exc.reason)
            return refuse(403, text(lang, f"signin.refused.{exc.reason}"))
        except SessionsFullError:
            log.warning("console: sign-in refused: the session table is full")
            return refuse(503, text(lang, "signin.refused.busy"))
        except ValueError:
            return refuse(400, text(lang, "signin.refused.malformed"))
        log.info("console: signed in %s as %s", address.hex(), identity.role)
        reply = JSONResponse({"next": local_path(body.get("next"))},
                             headers={"cache-control": "no-store"})  # fmt: skip
        reply.set_cookie(
            SESSION_COOKIE,
            session.id,
            max_age=60 * access.sessions.minutes,
            path="/",
            httponly=True,
            samesite="strict",
            secure=request.url.scheme == "https",
        )
        return reply

    @app.post("/signout")
    def signout(request: Request) -> Response:
        # a form post under Referrer-Policy no-referrer says Origin: null; the browser's
        # Sec-Fetch-Site then tells whether it came from this console's own page
        same_site = request.headers.get("sec-fetch-site") == "same-origin"
        if request.headers.get("origin") != origin_of(request) and not same_site:
            raise AccessDeniedError("act.origin")
        access.sessions.close(request.cookies.get(SESSION_COOKIE))
        reply = RedirectResponse("/signin", status_code=303)
        reply.delete_cookie(SESSION_COOKIE, path="/")
        return reply
