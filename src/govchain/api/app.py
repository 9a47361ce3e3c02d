"""``create_app``: the FastAPI application of a node, over a ``NodeService`` (F-F1).

REST routes under ``/v1``, OpenAPI at ``/docs`` (schema at ``/openapi.json``),
Prometheus metrics at ``/metrics`` and server-sent events at ``/v1/events``.
The chain-level routes are always there; each service's router is passed in
by the node (``govchain.node.services.SERVICES``).
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Mapping, Sequence

from fastapi import APIRouter, FastAPI
from fastapi.routing import APIRoute
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.requests import ClientDisconnect, Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Match, Route
from starlette.types import ASGIApp, Message, Receive, Scope, Send

import govchain
from govchain.api.access_log import AccessLogMiddleware
from govchain.api.docs import install_docs
from govchain.api.errors import error_response, install_error_handlers
from govchain.api.metrics import NodeMetrics
from govchain.api.ratelimit import RateLimitMiddleware, RateLimits
from govchain.api.routes import ServiceRoutes, chain_routers
from govchain.api.service import NodeService
from govchain.storage.access_log import AccessLog
from govchain.storage.security_log import SecurityEvents

__all__ = ["MAX_BODY_BYTES", "create_app"]

log = logging.getLogger("govchain.api")

MAX_BODY_BYTES = 1024 * 1024
"""Default limit of a request body (a signed tx), in bytes."""

UNMATCHED_ROUTE = "unmatched"
"""The ``route`` label of requests no route matched (keeps the label set bounded)."""

HTTP_METHODS = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "TRACE")
"""The methods a path is checked for when guarding it against shadowing."""


class _RequestAccounting:
    """Counts every answer by route template and status, and turns a crash into a 500.

    It sits inside Starlette's ServerErrorMiddleware, so an exception no
    handler knows is answered here, as ``internal``, and logged with its
    traceback; the client never sees the traceback.
    """

    def __init__(self, app: ASGIApp, metrics: NodeMetrics) -> None:
        self.app = app
        self.metrics = metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def send_counted(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
                self.metrics.api_request(_route_of(scope), message["status"])
            await send(message)

        try:
            await self.app(scope, receive, send_counted)
        except ClientDisconnect:
            log.info("%s %s: the client went away", scope["method"], scope["path"])
        except Exception:
            log.exception("%s %s failed", scope["method"], scope["path"])
            if started:
                raise
            response = error_response(500, "internal", "internal error")
            await response(scope, receive, send_counted)


def _route_of(scope: Scope) -> str:
    route = scope.get("route")
    path = getattr(route, "path", None)
    return path if isinstance(path, str) else UNMATCHED_ROUTE


def create_app(
    service: NodeService,
    *,
    service_routes: Sequence[ServiceRoutes] = (),
    max_body_bytes: int = MAX_BODY_BYTES,
    metrics: NodeMetrics | None = None,
    rate_limit: RateLimits | None = None,
    storage_nodes: Mapping[str, str] | None = None,
    access_log: AccessLog | None = None,
    security_events: SecurityEvents | None = None,
) -> FastAPI:
    """The HTTP API of a node.

    Parameters:
        service: the node, as the API sees it.
        service_routes: the router builder of each service the node runs.
        max_body_bytes: the largest request body accepted (413 ``body_too_large`` above).
        metrics: the node's metrics; built on ``service.metrics_registry`` if not
            given. Pass the node's own when it has one: a registry refuses a
            second set of the same metrics.
        rate_limit: per-client limits (429 ``rate_limited`` above); None: no limits.
        storage_nodes: the network's storage nodes (name -> URL), listed at
            ``/v1/storage-nodes``.
        access_log: where every answer is logged, hash-chained (docs/spec/audit.md);
            None: not logged.
        security_events: where refusals (401, 403, 413, 429) are reported as security
            events (counted, and in the node's security log); None: not reported.

    Returns the FastAPI application, to be served by uvicorn.
    """
    assert max_body_bytes >= 1, "max_body_bytes"
    node_metrics = NodeMetrics(service.metrics_registry) if metrics is None else metrics
    app = FastAPI(
        title="GovChain node API",
        version=govchain.__version__,
        description="Submit signed txs, read blocks and receipts, follow events.",
        docs_url=None,  # served by install_docs, without a CDN
        redoc_url=None,
        openapi_url="/openapi.json",
        # the node's metrics are its own (/metrics, Prometheus); FastAPI's OpenTelemetry
        # hooks would look up the global providers on every request for nothing (issue 21)
        telemetry={"tracing": False, "metrics": False, "logs": False, "operation_spans": False},
    )
    install_docs(app, "/openapi.json")
    install_error_handlers(app)
    routers = [
        *chain_routers(service, max_body_bytes, storage_nodes),
        *(routes(service) for routes in service_routes),
    ]
    _guard_shadowed_paths(routers)
    for router in routers:
        app.include_router(router)
    if rate_limit is not None:  # inside the accounting: its 429s are counted too
        app.add_middleware(RateLimitMiddleware, limits=rate_limit, max_body_bytes=max_body_bytes)
    app.add_middleware(_RequestAccounting, metrics=node_metrics)
    if access_log is not None or security_events is not None:  # outermost: every answer
        app.add_middleware(AccessLogMiddleware, log=access_log, security=security_events)
    return app


def _guard_shadowed_paths(routers: Sequence[APIRouter]) -> None:
    """Make a fixed path answer 405 for the methods it lacks, even where a parametrized path
    of another route matches it too (``GET /v1/txs/batch`` must not reach ``/v1/txs/{hash}``).

    Routes are tried in order and the first match wins, so each guard goes
    first in its router and answers every method the path does not declare,
    with ``Allow`` naming the ones it does.
    """
    routes = [route for router in routers for route in router.routes if isinstance(route, APIRoute)]
    for router in routers:
        guards: list[BaseRoute] = []
        own = [route for route in router.routes if isinstance(route, APIRoute)]
        for path in sorted({route.path for route in own if "{" not in route.path}):
            declared = {m for route in routes if route.path == path for m in route.methods or ()}
            if _shadowed(routes, path):
                taken = [method for method in HTTP_METHODS if method not in declared]
                refuse = _method_not_allowed(declared)
                guards.append(Route(path, refuse, methods=taken, include_in_schema=False))
        router.routes[:0] = guards


def _shadowed(routes: Sequence[APIRoute], path: str) -> bool:
    """Whether the pattern of another route matches ``path`` (for some method)."""
    scope = {"type": "http", "path": path, "method": "GET"}
    return any(route.path != path and route.matches(scope)[0] != Match.NONE for route in routes)


def _method_not_allowed(allowed: set[str]) -> Callable[[Request], Awaitable[Response]]:
    async def refuse(_request: Request) -> Response:
        raise StarletteHTTPException(405, headers={"Allow": ", ".join(sorted(allowed))})

    return refuse
