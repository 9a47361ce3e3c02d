"""A department system as the adapter calls it: ``POST /v1/cases`` with JSON, answers back.

docs/spec/workflow.md "Department systems". The answer comes in the response
(200) or, when the adapter gives a ``callback`` URL, later as a POST to the
adapter's :class:`CallbackInbox` (202 first). An unreachable system, a 5xx or
a 429 is retried with backoff; any other status is the department refusing
the request, which retrying will not change.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import httpx

from govchain.types.errors import GovChainError

__all__ = [
    "OUTCOMES",
    "Answer",
    "CallbackInbox",
    "DepartmentRefusedError",
    "DepartmentSystem",
    "DepartmentUnavailableError",
    "parse_answer",
]

log = logging.getLogger("govchain.adapter")

OUTCOMES = ("approved", "rejected", "returned")
ANSWER_BYTES_MAX = 1024 * 1024
_RETRIED = {429, 500, 502, 503, 504}


class DepartmentUnavailableError(GovChainError):
    """The department system did not answer (after the retries); try again later."""

    code = "department_unavailable"


class DepartmentRefusedError(GovChainError):
    """The department system refused the request or answered something unusable."""

    code = "department_refused"


@dataclass(frozen=True, slots=True)
class Answer:
    """A department's decision on one attempt of one step."""

    outcome: str
    reason: str = ""
    output: dict[str, Any] = field(default_factory=dict)


def parse_answer(body: object, case: str, step: str, attempt: int) -> Answer:
    """The answer in ``body`` for (case, step, attempt); DepartmentRefusedError if it is not one."""
    if not isinstance(body, dict):
        raise DepartmentRefusedError("the answer is not a JSON object")
    if (body.get("case"), body.get("step"), body.get("attempt")) != (case, step, attempt):
        raise DepartmentRefusedError("the answer names another case, step or attempt")
    outcome = body.get("outcome")
    if outcome not in OUTCOMES:
        raise DepartmentRefusedError(f"outcome: expected one of {OUTCOMES}")
    if outcome == "approved":
        output = body.get("output", {})
        if not isinstance(output, dict):
            raise DepartmentRefusedError("output: expected an object of the output's fields")
        return Answer("approved", "", output)
    reason = body.get("reason")
    if not isinstance(reason, str) or not 0 < len(reason) <= 256:
        raise DepartmentRefusedError("reason: a rejection or return needs 1..256 characters")
    return Answer(str(outcome), reason)


class CallbackInbox:
    """A small HTTP server taking departments' answers by callback (``POST`` any path)."""

    def __init__(self, host: str, port: int) -> None:
        self._answers: dict[tuple[str, str, int], dict[str, Any]] = {}
        self._changed = threading.Condition()
        inbox = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = self.headers.get("Content-Length") or "0"
                size = int(length) if length.isascii() and length.isdigit() else -1
                if size < 0:
                    self._reply(400, {"error": "Content-Length: not a number"})
                    return
                if not 0 < size <= ANSWER_BYTES_MAX:
                    self._reply(413 if size else 411, {"error": "a JSON body up to 1 MiB"})
                    return
                try:
                    body = json.loads(self.rfile.read(size))
                    key = (str(body["case"]), str(body["step"]), int(body["attempt"]))
                except (ValueError, KeyError, TypeError):
                    self._reply(400, {"error": "not an answer"})
                    return
                inbox.put(key, body)
                self._reply(200, {"ok": True})

            def _reply(self, status: int, body: dict[str, Any]) -> None:
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, format: str, *args: Any) -> None:
                log.debug("callback: " + format, *args)

        self._server = ThreadingHTTPServer((host, port), Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self._thread.start()

    @property
    def url(self) -> str:
        """The callback URL to give departments."""
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}/v1/answers"

    def put(self, key: tuple[str, str, int], body: dict[str, Any]) -> None:
        """Keep an answer and wake its waiter."""
        with self._changed:
            self._answers[key] = body
            self._changed.notify_all()

    def wait(self, key: tuple[str, str, int], timeout_s: float) -> dict[str, Any] | None:
        """The answer for ``key`` (taken), or None after ``timeout_s``."""
        deadline = time.monotonic() + timeout_s
        with self._changed:
            while key not in self._answers:
                left = deadline - time.monotonic()
                if left <= 0:
                    return None
                self._changed.wait(left)
            return self._answers.pop(key)

    def close(self) -> None:
        """Stop serving."""
        self._server.shutdown()
        self._server.server_close()


class DepartmentSystem:
    """The client of one department system."""

    def __init__(
        self,
        endpoint: str,
        *,
        inbox: CallbackInbox | None = None,
        tries: int = 4,
        backoff_s: float = 0.5,
        timeout_s: float = 30.0,
        callback_wait_s: float = 120.0,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.url = endpoint.rstrip("/") + "/v1/cases"
        self.inbox = inbox
        self.tries = tries
        self.backoff_s = backoff_s
        self.callback_wait_s = callback_wait_s
        self._sleep = sleep
        self._client = httpx.Client(timeout=timeout_s)

    def close(self) -> None:
        """Close the connection pool (and not the inbox: the caller's)."""
        self._client.close()

    def ask(self, request: dict[str, Any]) -> Answer:
        """Send one step; its answer. DepartmentUnavailableError after the retries,
        DepartmentRefusedError when the system refuses or answers nonsense."""
        case, step, attempt = str(request["case"]), str(request["step"]), int(request["attempt"])
        if self.inbox is not None:
            request = {**request, "callback": self.inbox.url}
        response = self._post(request)
        if response.status_code == 202 and self.inbox is not None:
            body = self.inbox.wait((case, step, attempt), self.callback_wait_s)
            if body is None:
                raise DepartmentUnavailableError("no callback came in time")
            return parse_answer(body, case, step, attempt)
        if response.status_code != 200:
            raise DepartmentRefusedError(f"the system answered {response.status_code}: "
                                         f"{_error_code(response)}")  # fmt: skip
        try:
            body = response.json()
        except ValueError as exc:
            raise DepartmentRefusedError("the answer is not JSON") from exc
        return parse_answer(body, case, step, attempt)

    def _post(self, request: dict[str, Any]) -> httpx.Response:
        delay = self.backoff_s
        problem = ""
        for attempt in range(1, self.tries + 1):
            try:
                response = self._client.post(self.url, json=request)
            except httpx.HTTPError as exc:
                problem = type(exc).__name__
            else:
                if response.status_code not in _RETRIED:
                    return response
                problem = f"status {response.status_code}"
            log.warning("department system %s: %s (try %d of %d)", self.url, problem, attempt,
                        self.tries)  # fmt: skip
            if attempt < self.tries:
                self._sleep(delay)
                delay *= 2
        raise DepartmentUnavailableError(f"the department system did not answer: {problem}")


def _error_code(response: httpx.Response) -> str:
    try:
        return str(response.json()["error"]["code"])
    except (ValueError, KeyError, TypeError):
        return "no error code"
