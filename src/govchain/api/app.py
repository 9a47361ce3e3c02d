"""``create_app``: the FastAPI application of a node, over a ``NodeService`` (F-F1).

REST routes under ``/v1``, OpenAPI at ``/docs`` (schema at ``/openapi.json``),
Prometheus metrics at ``/metrics`` and server-sent events at ``/v1/events``.
"""

from __future__ import annotations

import logging

from fastapi import FastAPI
from starlette.requests import ClientDisconnect
from starlette.types import ASGIApp, Message, Receive, Scope, Send

import govchain
from govchain.api.docs import install_docs
from govchain.api.errors import error_response, install_error_handlers
from govchain.api.events import event_routes
from govchain.api.metrics import NodeMetrics
from govchain.api.ratelimit import RateLimitMiddleware, RateLimits
from govchain.api.routes import chain_routes, metrics_routes, tx_routes
from govchain.api.service import NodeService

__all__ = ["MAX_BODY_BYTES", "MAX_EVENT_STREAMS", "create_app"]

log = logging.getLogger("govchain.api")

MAX_BODY_BYTES = 1024 * 1024
"""Default limit of a request body (a signed tx), in bytes."""

MAX_EVENT_STREAMS = 64
"""Default limit of event streams open at once."""

UNMATCHED_ROUTE = "unmatched"
"""The ``route`` label of requests no route matched (keeps the label set bounded)."""


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
    max_body_bytes: int = MAX_BODY_BYTES,
    max_event_streams: int = MAX_EVENT_STREAMS,
    metrics: NodeMetrics | None = None,
    rate_limit: RateLimits | None = None,
) -> FastAPI:
    """The HTTP API of a node.

    Parameters:
        service: the node, as the API sees it.
        max_body_bytes: the largest request body accepted (413 ``body_too_large`` above).
        max_event_streams: event streams open at once (503 ``too_many_streams`` above).
        metrics: the node's metrics; built on ``service.metrics_registry`` if not
            given. Pass the node's own when it has one: a registry refuses a
            second set of the same metrics.
        rate_limit: per-client limits (429 ``rate_limited`` above); None: no limits.

    Returns the FastAPI application, to be served by uvicorn.
    """
    assert max_body_bytes >= 1, "max_body_bytes"
    assert max_event_streams >= 1, "max_event_streams"
    node_metrics = NodeMetrics(service.metrics_registry) if metrics is None else metrics
    app = FastAPI(
        title="GovChain node API",
        version=govchain.__version__,
        description="Submit signed txs, read blocks and receipts, follow events.",
        docs_url=None,  # served by install_docs, without a CDN
        redoc_url=None,
        openapi_url="/openapi.json",
    )
    install_docs(app, "/openapi.json")
    install_error_handlers(app)
    app.include_router(tx_routes(service, max_body_bytes))
    app.include_router(chain_routes(service))
    app.include_router(event_routes(service, max_event_streams))
    app.include_router(metrics_routes(service))
    if rate_limit is not None:  # inside the accounting: its 429s are counted too
        app.add_middleware(RateLimitMiddleware, limits=rate_limit, max_body_bytes=max_body_bytes)
    app.add_middleware(_RequestAccounting, metrics=node_metrics)
    return app
