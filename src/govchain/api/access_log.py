"""The API access log's middleware: one hash-chained line per answer (docs/spec/audit.md, F-E2).

The line format and the chain are ``govchain.storage.access_log``; this
module turns each HTTP answer into a line: time (UTC ms), method, route
template, path, status, the account that signed the request (RFC 9421 signed
reads; empty when unsigned), the client's address, milliseconds, and
``kind``: ``access``, or ``security`` for the refusals an auditor looks for.
A security event is also reported to the node's security events (counted,
and a line of its security log: ``govchain.storage.security_log``).
"""

from __future__ import annotations

import time

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from govchain.storage.access_log import AccessLog
from govchain.storage.security_log import SecurityEvents

__all__ = ["SECURITY_STATUSES", "AccessLogMiddleware"]

SECURITY_STATUSES = {
    401: "signature_refused",
    403: "permission_denied",
    413: "too_large",
    429: "rate_limited",
}
"""Answers logged as security events, and the event each is."""


class AccessLogMiddleware:
    """Writes one access-log line per answered HTTP request (outermost: it sees every answer),
    and reports the security events among them."""

    def __init__(
        self, app: ASGIApp, log: AccessLog | None, security: SecurityEvents | None = None
    ) -> None:
        self.app = app
        self.log = log
        self.security = security

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started_ns = time.monotonic_ns()
        status = [0]
        # one state dict for every copy of the scope below: the signed-read check records
        # the signer in it (request.state.signer)
        scope.setdefault("state", {})

        async def send_logged(message: Message) -> None:
            if message["type"] == "http.response.start":
                status[0] = int(message["status"])
            await send(message)

        try:
            await self.app(scope, receive, send_logged)
        finally:
            self._write(scope, status[0], (time.monotonic_ns() - started_ns) // 1_000_000)

    def _write(self, scope: Scope, status: int, ms: int) -> None:
        route = getattr(scope.get("route"), "path", None)
        signer = (scope.get("state") or {}).get("signer", b"")
        client = scope.get("client") or ("", 0)
        event = SECURITY_STATUSES.get(status, "")
        fields = {
            "method": scope["method"], "route": route if isinstance(route, str) else "",
            "path": scope["path"], "status": status,
            "signer": signer.hex() if isinstance(signer, bytes) else "", "client": str(client[0]),
        }  # fmt: skip
        if self.log is not None:
            self.log.append({
                "time": time.time_ns() // 1_000_000, **fields, "ms": ms,
                "kind": "security" if event else "access", "event": event,
            })  # fmt: skip
        if event and self.security is not None:
            self.security.record("api", event, **fields)
