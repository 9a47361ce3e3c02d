"""``create_app``: the FastAPI application of a node, over a ``NodeService`` (F-F1).

REST routes under ``/v1``, OpenAPI at ``/docs`` (schema at ``/openapi.json``),
Prometheus metrics at ``/metrics`` and server-sent events at ``/v1/events``.
The chain-level routes are always there; each service's router is passed in
by the node (``govchain.node.services.SERVICES``).
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

from fastapi import FastAPI
from starlette.requests import ClientDisconnect
from starlette.types import ASGIApp, Message, Receive, Scope, Send

import govchain
from govchain.api.docs import install_docs
from govchain.api.errors import error_response, install_error_handlers
from govchain.api.metrics import NodeMetrics
from govchain.api.routes import ServiceRoutes, chain_routers
from govchain.api.service import NodeService

__all__ = ["MAX_BODY_BYTES", "create_app"]

log = logging.getLogger("govchain.api")

MAX_BODY_BYTES = 1024 * 1024
"""Default limit of a request body (a signed tx), in bytes."""

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
    service_routes: Sequence[ServiceRoutes] = (),
    max_body_bytes: int = MAX_BODY_BYTES,
    metrics: NodeMetrics | None = None,
) -> FastAPI:
    """The HTTP API of a node.

    Parameters:
        service: the node, as the API sees it.
        service_routes: the router builder of each service the node runs.
        max_body_bytes: the largest request body accepted (413 ``body_too_large`` above).
        metrics: the node's metrics; built on ``service.metrics_registry`` if not
            given. Pass the node's own when it has one: a registry refuses a
            second set of the same metrics.

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
    )
    install_docs(app, "/openapi.json")
    install_error_handlers(app)
    for router in chain_routers(service, max_body_bytes):
        app.include_router(router)
    for routes in service_routes:
        app.include_router(routes(service))
    app.add_middleware(_RequestAccounting, metrics=node_metrics)
    return app
