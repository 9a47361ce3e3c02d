"""The console's web application (FastAPI): routes, the language switch, error pages.

Every page is rendered on the server. The language is Chinese unless
``?lang=en`` asks for English (which a cookie then keeps; ``?lang=zh``
switches back). Pages and their static files come from this process only,
and the Content-Security-Policy says so to the browser. A source that
cannot answer gives a page that says which one, never a traceback; the
detail goes to the console's log.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path

from fastapi import FastAPI, Query, Request, Response
from fastapi import Path as PathParam
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException

from govchain.console.alert_reader import AlertReader, OpenAlert
from govchain.console.catalogue import LANGUAGES, language_of, text
from govchain.console.chain_reader import ChainReader, NotFoundError
from govchain.console.charts import growth_svg, throughput_svg
from govchain.console.index_figures import (
    GROWTH_DAYS,
    MAX_GROWTH_DAYS,
    MAX_TRAIL_PAGE,
    TrailFilter,
    accounts_by_kind,
    assets_by_type,
    assets_growth,
    subjects_by_kind,
    usage_trail,
)
from govchain.console.index_reader import (
    MAX_CASE_PAGE,
    MAX_SERIES,
    IndexReader,
    IndexUnavailableError,
)
from govchain.console.locker_message_routes import install_message_routes
from govchain.console.locker_reader import LockerViewer
from govchain.console.locker_routes import install_locker_routes
from govchain.console.markup import Html, layout, link, tag
from govchain.console.message_reader import MessageViewer
from govchain.console.pages_assets import assets_page
from govchain.console.pages_audit import audit_page
from govchain.console.pages_cases import case_page, cases_page
from govchain.console.pages_chain import (
    THROUGHPUT_BLOCKS,
    block_page,
    blocks_page,
    overview_live,
    overview_page,
    tx_page,
)
from govchain.console.pages_registry import member_page, members_page
from govchain.console.registry_reader import member, members, registry_nodes, security_events
from govchain.console.routes_access import ConsoleAccess, install_access
from govchain.console.routes_gov import install_governance
from govchain.console.routes_scoped import case_read_part, install_scoped_reads, tx_read_part
from govchain.console.scoped_reads import ScopedReader
from govchain.types.errors import GovChainError, ValidationError

__all__ = ["SIGNING_BUNDLE", "ConsoleSources", "create_app"]

log = logging.getLogger("govchain.console")

STATIC_DIR = Path(__file__).parent / "static"
SIGNING_BUNDLE = STATIC_DIR / "build" / "console-signing.js"
"""The browser signing code ``make install`` builds from web/ (docs/spec/console.md)."""
MAX_INT = 2**63 - 1
LANG_COOKIE = "lang"
_CSP = (
    "default-src 'self'; img-src 'self'; style-src 'self'; script-src 'self'; "
    "connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'"
)
_TX_HASH = re.compile(r"[0-9a-f]{64}")
_CASE_ID = re.compile(r"[0-9a-f]{32}")
_MEMBER_CODE = re.compile(r"[0-9A-Z]{18}")


@dataclass(frozen=True, slots=True)
class ConsoleSources:
    """Where the console reads: the nodes, the index database, the monitor's alerts (or None)."""

    chain: ChainReader
    index: IndexReader
    alerts: AlertReader | None
    locker: LockerViewer | None = None
    scoped: ScopedReader | None = None
    """A regulator's reads with a purpose (needs ``access`` too)."""


class BadRequestError(GovChainError):
    """A request the console cannot serve as asked (a malformed id)."""

    code = "bad_request"


def _lang(request: Request) -> str:
    return str(request.state.lang)


def _page(request: Request, status: int, key: str, detail: str) -> HTMLResponse:
    lang = _lang(request) if hasattr(request.state, "lang") else language_of(None)
    body = Html(tag("p", detail) + tag("p", link("/", text(lang, "page.back"))))
    return HTMLResponse(layout(lang, text(lang, key), body, request.url.path), status_code=status)


def _install_error_pages(app: FastAPI) -> None:
    @app.exception_handler(NotFoundError)
    async def not_found(request: Request, exc: NotFoundError) -> Response:
        return _page(request, 404, "page.not_found", str(exc))

    @app.exception_handler(BadRequestError)
    async def bad_request(request: Request, exc: BadRequestError) -> Response:
        return _page(request, 400, "page.bad_request", str(exc))

    @app.exception_handler(RequestValidationError)
    async def invalid(request: Request, exc: RequestValidationError) -> Response:
        fields = sorted({".".join(str(p) for p in e.get("loc", ())[1:]) for e in exc.errors()})
        return _page(request, 400, "page.bad_request", ", ".join(fields))

    @app.exception_handler(HTTPException)
    async def http_error(request: Request, exc: HTTPException) -> Response:
        key = "page.not_found" if exc.status_code == 404 else "page.bad_request"
        return _page(request, exc.status_code, key, request.url.path)

    @app.exception_handler(IndexUnavailableError)
    async def index_down(request: Request, exc: IndexUnavailableError) -> Response:
        log.warning("console: %s %s: %s", request.method, request.url.path, exc)
        return _page(request, 503, "page.unavailable", "index")

    @app.exception_handler(GovChainError)
    async def node_down(request: Request, exc: GovChainError) -> Response:
        log.warning("console: %s %s: %s", request.method, request.url.path, exc)
        return _page(request, 503, "page.unavailable", f"{exc.code}: {exc}")

    @app.exception_handler(Exception)
    async def internal(request: Request, exc: Exception) -> Response:
        log.error(
            "console: %s %s: %s: %s", request.method, request.url.path, type(exc).__name__, exc
        )
        return _page(request, 500, "page.internal", "")


def _install_language(app: FastAPI) -> None:
    @app.middleware("http")
    async def language(
        request: Request, call_next: Callable[[Request], Awaitable[Response]]
    ) -> Response:
        asked = request.query_params.get("lang")
        request.state.lang = language_of(asked or request.cookies.get(LANG_COOKIE))
        response = await call_next(request)
        if asked in LANGUAGES:
            response.set_cookie(LANG_COOKIE, asked, max_age=365 * 86400, samesite="lax")
        response.headers["content-security-policy"] = _CSP
        response.headers["x-content-type-options"] = "nosniff"
        response.headers["referrer-policy"] = "no-referrer"
        return response


def create_app(sources: ConsoleSources, access: ConsoleAccess | None = None) -> FastAPI:
    """The console over ``sources``; with ``access``, sign-in, sessions and the
    governance and isolation pages too."""
    app = FastAPI(docs_url=None, redoc_url=None, openapi_url=None)
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
    _install_error_pages(app)
    _install_language(app)
    if access is not None:
        install_access(app, access)
        install_governance(app, sources.index, access)
        if sources.scoped is not None:
            install_scoped_reads(app, sources.scoped, access)

    def live(lang: str) -> Html:
        trouble: list[str] = []
        nodes = sources.chain.nodes()
        indexed: int | None = None
        try:
            indexed = sources.index.indexed_height()
        except IndexUnavailableError as exc:
            log.warning("console: %s", exc)
            trouble.append(f"{text(lang, 'page.unavailable')}: index")
        alerts: list[OpenAlert] | None = None
        if sources.alerts is not None:
            try:
                alerts = sources.alerts.open_alerts()
            except IndexUnavailableError as exc:
                log.warning("console: %s", exc)
                trouble.append(f"{text(lang, 'page.unavailable')}: alerts")
                alerts = []
        return overview_live(lang, nodes, indexed, alerts, trouble)

    @app.get("/", response_class=HTMLResponse)
    def overview(request: Request) -> str:
        lang = _lang(request)
        return overview_page(lang, live(lang))

    @app.get("/overview/live", response_class=HTMLResponse)
    def overview_fragment(request: Request) -> str:
        return live(_lang(request))

    @app.get("/charts/throughput.svg")
    def throughput(blocks: int = Query(THROUGHPUT_BLOCKS, ge=1, le=MAX_SERIES)) -> Response:
        svg = throughput_svg(sources.index.throughput(blocks))
        return Response(svg, media_type="image/svg+xml", headers={"cache-control": "no-store"})

    @app.get("/blocks", response_class=HTMLResponse)
    def blocks(request: Request, below: int | None = Query(None, ge=1, le=MAX_INT)) -> str:
        return blocks_page(_lang(request), sources.index.blocks(below))

    @app.get("/blocks/{height}", response_class=HTMLResponse)
    def block(request: Request, height: int = PathParam(..., ge=1, le=MAX_INT)) -> str:
        found = sources.index.block(height)
        if found is None:
            raise NotFoundError(f"block {height} is not indexed")
        return block_page(_lang(request), found, sources.index.block_txs(height))

    @app.get("/txs/{tx_hash}", response_class=HTMLResponse)
    def tx(request: Request, tx_hash: str) -> str:
        if not _TX_HASH.fullmatch(tx_hash):
            raise BadRequestError("a tx hash is 64 lowercase hex digits")
        view = sources.chain.tx(bytes.fromhex(tx_hash))
        return tx_page(_lang(request), view, tx_read_part(request, sources.scoped, view))

    @app.get("/cases", response_class=HTMLResponse)
    def cases(request: Request, page: int = Query(0, ge=0, le=MAX_CASE_PAGE)) -> str:
        return cases_page(_lang(request), sources.index.cases(page), page)

    @app.get("/cases/{case_id}", response_class=HTMLResponse)
    def case(request: Request, case_id: str) -> str:
        if not _CASE_ID.fullmatch(case_id):
            raise BadRequestError("a case id is 32 lowercase hex digits")
        view = sources.chain.case(bytes.fromhex(case_id))
        return case_page(_lang(request), view, case_read_part(request, sources.scoped, view))

    _install_supervision(app, sources)
    if sources.locker is not None:
        install_locker_routes(app, sources.locker, sources.index, BadRequestError)
        install_message_routes(app, MessageViewer(sources.locker), BadRequestError)
    return app


def _install_supervision(app: FastAPI, sources: ConsoleSources) -> None:
    """The audit trail, members and assets pages (docs/spec/console.md)."""

    @app.get("/audit", response_class=HTMLResponse)
    def audit(
        request: Request,
        account: str = Query("", max_length=64),
        day_from: str = Query("", alias="from", max_length=16),
        day_to: str = Query("", alias="to", max_length=16),
        page: int = Query(0, ge=0, le=MAX_TRAIL_PAGE),
    ) -> str:
        try:
            wanted = TrailFilter.of(account, day_from, day_to, page)
        except ValidationError as exc:
            raise BadRequestError(str(exc)) from None
        trail = usage_trail(sources.index, wanted)
        shown = (day_from.strip(), day_to.strip())
        return audit_page(_lang(request), wanted, shown, trail, security_events(sources.chain))

    @app.get("/members", response_class=HTMLResponse)
    def members_list(request: Request) -> str:
        kinds = accounts_by_kind(sources.index)
        by_org = dict(
            sources.index.select("SELECT org, COUNT(*) FROM accounts WHERE org <> '' GROUP BY org")
        )
        return members_page(
            _lang(request),
            members(sources.chain),
            registry_nodes(sources.chain),
            kinds,
            {str(org): int(n) for org, n in by_org.items()},
            subjects_by_kind(sources.index),
        )

    @app.get("/members/{code}", response_class=HTMLResponse)
    def member_detail(request: Request, code: str) -> str:
        if not _MEMBER_CODE.fullmatch(code):
            raise BadRequestError("a member code is 18 digits and capital letters")
        view = member(sources.chain, code)
        nodes = [n for n in registry_nodes(sources.chain) if n.get("org") == code]
        return member_page(
            _lang(request),
            view,
            nodes,
            accounts_by_kind(sources.index, code),
            subjects_by_kind(sources.index, code),
        )

    @app.get("/assets", response_class=HTMLResponse)
    def assets(request: Request, days: int = Query(GROWTH_DAYS, ge=1, le=MAX_GROWTH_DAYS)) -> str:
        unit = "hour" if days <= 3 else "day"
        return assets_page(_lang(request), assets_by_type(sources.index), days, unit)

    @app.get("/charts/assets.svg")
    def growth(days: int = Query(GROWTH_DAYS, ge=1, le=MAX_GROWTH_DAYS)) -> Response:
        found = assets_growth(sources.index, days)
        svg = growth_svg(found.labels, found.by_type)
        return Response(svg, media_type="image/svg+xml", headers={"cache-control": "no-store"})
