"""Where alerts go besides the SQLite table: the log, one line each, and a webhook.

docs/spec/monitoring.md "Where alerts go". :class:`Webhook` POSTs
``{"event": "started"|"ended", "alert": {...}}``; an answer other than 2xx
or none within the timeout is tried again, up to ``WEBHOOK_ATTEMPTS`` in
all with ``WEBHOOK_BACKOFF_S`` between, then logged and given up (the
record stays in the table).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable

import httpx

from govchain.monitor.alerts import Alert

__all__ = ["WEBHOOK_ATTEMPTS", "WEBHOOK_BACKOFF_S", "Webhook", "log_line"]

log = logging.getLogger("govchain.monitor")

WEBHOOK_ATTEMPTS = 4
WEBHOOK_BACKOFF_S = (0.5, 1.0, 2.0)
WEBHOOK_TIMEOUT_S = 5.0


def log_line(event: str, alert: Alert) -> str:
    """The log line of an alert's start or end (no personal data: details never hold any)."""
    if event == "started":
        return (
            f"alert started {alert.rule} {alert.subject} severity={alert.severity} "
            f"height={alert.started_height}: {alert.detail}"
        )
    return f"alert ended {alert.rule} {alert.subject} height={alert.ended_height}"


class Webhook:
    """POSTs each alert event to ``url``, with retries."""

    def __init__(
        self,
        url: str,
        timeout_s: float = WEBHOOK_TIMEOUT_S,
        sleep: Callable[[float], None] = time.sleep,
        backoff_s: tuple[float, ...] = WEBHOOK_BACKOFF_S,
    ) -> None:
        self.url = url
        self.http = httpx.Client(timeout=timeout_s)
        self.sleep = sleep
        self.backoff_s = backoff_s

    def close(self) -> None:
        """Close the connection."""
        self.http.close()

    def send(self, event: str, alert: Alert) -> bool:
        """Deliver one event; True once a 2xx answer came, False after the last failed try."""
        body = {"event": event, "alert": alert.to_json()}
        for attempt in range(WEBHOOK_ATTEMPTS):
            if attempt:
                self.sleep(self.backoff_s[min(attempt - 1, len(self.backoff_s) - 1)])
            try:
                response = self.http.post(self.url, json=body)
            except httpx.HTTPError as exc:
                problem = f"{type(exc).__name__}: {exc}"
            else:
                if response.is_success:
                    return True
                problem = f"HTTP {response.status_code}"
            log.info("webhook try %d of alert %d: %s", attempt + 1, alert.id, problem)
        log.warning(
            "webhook %s: alert %d (%s %s) %s not delivered after %d tries",
            self.url, alert.id, alert.rule, alert.subject, event, WEBHOOK_ATTEMPTS,
        )  # fmt: skip
        return False
