"""``Guard``: the storage node API's outermost middleware (counts answers, hides crashes)."""

from __future__ import annotations

import logging

from starlette.requests import ClientDisconnect
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from govchain.api.errors import error_response
from govchain.storage_node.metrics import UNMATCHED_ROUTE, StorageMetrics

__all__ = ["Guard"]

log = logging.getLogger("govchain.storage_node")


class Guard:
    """Counts every answer by route template and status; a crash becomes a JSON 500 ``internal``.

    The traceback goes to the log, never to the client.
    """

    def __init__(self, app: ASGIApp, metrics: StorageMetrics) -> None:
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
                route = getattr(scope.get("route"), "path", None)
                self.metrics.request(
                    route if isinstance(route, str) else UNMATCHED_ROUTE, message["status"]
                )
            await send(message)

        try:
            await self.app(scope, receive, send_counted)
        except ClientDisconnect:
            log.info("%s %s: the client went away", scope["method"], scope["path"])
        except Exception:
            log.exception("%s %s failed", scope["method"], scope["path"])
            if started:
                raise
            await error_response(500, "internal", "internal error")(scope, receive, send_counted)
