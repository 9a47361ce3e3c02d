"""The HTTP face of a demo department system: standard library only, one thread per request.

``POST /v1/cases`` answers at once (after ``delay_ms``) or, when the request
names a ``callback``, with 202 and a later POST of the same answer JSON to
that URL (retried with backoff while the receiver is not there). ``GET
/v1/health`` says what the system is. Errors are ``{"error": {"code",
"message"}}`` like the node API's. One line per request goes to ``log``:
time, method, path, status, case, step, outcome, milliseconds; never a form
value, so never a person's name.
"""

from __future__ import annotations

import datetime as dt
import json
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit

from govchain.demo.department import DepartmentSystem
from govchain.demo.protocol import (
    MAX_BODY_BYTES,
    CaseRequest,
    DemoRequestError,
    decode_json_body,
    parse_case_request,
)

__all__ = ["CALLBACK_TRIES", "DepartmentServer", "start_department_server"]

CALLBACK_TRIES = 8
"""POSTs of one callback before it is given up (backoff 0.25 s doubling, at most 4 s)."""

_CALLBACK_TIMEOUT_S = 5.0
_FIRST_BACKOFF_S = 0.25
_MAX_BACKOFF_S = 4.0
_READ_TIMEOUT_S = 10.0
_MAX_DRAINED_BYTES = 8 * MAX_BODY_BYTES
_STATUS_CODES = {
    400: "bad_request",
    404: "not_found",
    405: "method_not_allowed",
    408: "timeout",
    411: "length_required",
    413: "too_large",
    414: "uri_too_long",
    431: "headers_too_large",
    500: "internal",
    501: "not_implemented",
    505: "bad_http_version",
}


class DepartmentServer(ThreadingHTTPServer):
    """A listening demo department; :meth:`close` stops it and its pending callbacks."""

    daemon_threads = True

    def __init__(
        self, address: tuple[str, int], system: DepartmentSystem, log: Callable[[str], None]
    ) -> None:
        super().__init__(address, _Handler)
        self.system = system
        self.stopping = threading.Event()
        self._log = log
        self._log_lock = threading.Lock()
        self._deliveries: set[threading.Thread] = set()
        self._deliveries_lock = threading.Lock()
        self._serving: threading.Thread | None = None
        # an opener without the environment's proxies: callbacks go where they say
        self._opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))

    @property
    def url(self) -> str:
        """``http://host:port`` as bound (the real port when 0 was asked for)."""
        host, port = self.server_address[:2]
        text = host.decode() if isinstance(host, bytes) else str(host)
        shown = f"[{text}]" if ":" in text else text
        return f"http://{shown}:{port}"

    def start(self) -> None:
        """Serve in a background thread."""
        self._serving = threading.Thread(
            target=self.serve_forever, kwargs={"poll_interval": 0.2}, name="demo-department"
        )
        self._serving.start()

    def close(self) -> None:
        """Stop serving, drop callbacks not yet sent, release the port."""
        self.stopping.set()
        if self._serving is not None:
            self.shutdown()
            self._serving.join()
        self.server_close()
        with self._deliveries_lock:
            pending = list(self._deliveries)
        for thread in pending:
            thread.join()

    def write_log(self, line: str) -> None:
        """One log line, whole, whichever thread writes it."""
        with self._log_lock:
            self._log(line)

    def deliver_later(self, request: CaseRequest, answer: dict[str, object]) -> None:
        """POST ``answer`` to the request's callback after the delay, in its own thread."""
        thread = threading.Thread(
            target=self._deliver, args=(request, answer), name="demo-callback"
        )
        with self._deliveries_lock:
            self._deliveries.add(thread)
        thread.start()

    def _deliver(self, request: CaseRequest, answer: dict[str, object]) -> None:
        assert request.callback is not None
        try:
            if self.stopping.wait(self.system.config.delay_ms / 1000):
                self._log_callback(request, answer, "dropped (stopping)", 0)
                return
            body = json.dumps(answer, ensure_ascii=False).encode("utf-8")
            backoff = _FIRST_BACKOFF_S
            for attempt in range(1, CALLBACK_TRIES + 1):
                outcome = self._post(request.callback, body)
                if outcome is None:
                    self._log_callback(request, answer, "delivered", attempt)
                    return
                if attempt == CALLBACK_TRIES or self.stopping.wait(backoff):
                    self._log_callback(request, answer, f"given up ({outcome})", attempt)
                    return
                backoff = min(backoff * 2, _MAX_BACKOFF_S)
        finally:
            with self._deliveries_lock:
                self._deliveries.discard(threading.current_thread())

    def _post(self, url: str, body: bytes) -> str | None:
        """None once the receiver took the answer (2xx), else what went wrong."""
        http_request = urllib.request.Request(
            url, data=body, method="POST", headers={"Content-Type": "application/json"}
        )
        try:
            with self._opener.open(http_request, timeout=_CALLBACK_TIMEOUT_S) as response:
                response.read()
                return None
        except urllib.error.HTTPError as exc:
            return f"status {exc.code}"
        except (urllib.error.URLError, OSError) as exc:
            reason = getattr(exc, "reason", exc)
            return type(reason).__name__ if not isinstance(reason, str) else reason

    def _log_callback(
        self, request: CaseRequest, answer: dict[str, object], what: str, tries: int
    ) -> None:
        self.write_log(
            f"{_now()} CALLBACK case={request.case} step={request.step} "
            f"outcome={answer['outcome']} {what} tries={tries}"
        )


def start_department_server(
    system: DepartmentSystem, host: str, port: int, log: Callable[[str], None]
) -> DepartmentServer:
    """Bind ``host:port`` (0: any free port) and serve ``system`` until ``close()``.

    Raises ``OSError`` when the address cannot be bound (in use, not local).
    """
    server = DepartmentServer((host, port), system, log)
    server.start()
    return server


class _Handler(BaseHTTPRequestHandler):
    server: DepartmentServer
    timeout = _READ_TIMEOUT_S
    server_version = "govchain-demo-department"
    sys_version = ""

    def do_GET(self) -> None:
        started = time.monotonic()
        path = urlsplit(self.path).path
        if path == "/v1/health":
            self._reply(200, self.server.system.health(), started)
        elif path == "/v1/cases":
            self._error(405, "method_not_allowed", "use POST /v1/cases", started)
        else:
            self._error(404, "not_found", "no such path; try POST /v1/cases", started)

    def do_POST(self) -> None:
        started = time.monotonic()
        if urlsplit(self.path).path != "/v1/cases":
            self._error(404, "not_found", "no such path; try POST /v1/cases", started)
            return
        try:
            request = parse_case_request(decode_json_body(self._body()))
        except DemoRequestError as exc:
            self._error(exc.status, exc.code, str(exc), started)
            return
        try:
            answer = self.server.system.answer(request)
        except Exception as exc:  # a fault of ours: the client gets no stack, the log its type
            self._error(500, "internal", "internal error", started)
            self.server.write_log(f"{_now()} internal error: {type(exc).__name__}")
            return
        if request.callback is not None:
            self.server.deliver_later(request, answer)
            accepted = {key: answer[key] for key in ("case", "step", "attempt")}
            self._reply(202, {"accepted": True, **accepted}, started, request)
            return
        self.server.stopping.wait(self.server.system.config.delay_ms / 1000)
        self._reply(200, answer, started, request, str(answer["outcome"]))

    def do_PUT(self) -> None:
        self._not_allowed()

    def do_DELETE(self) -> None:
        self._not_allowed()

    def do_PATCH(self) -> None:
        self._not_allowed()

    def _not_allowed(self) -> None:
        self._error(405, "method_not_allowed", "use POST /v1/cases or GET /v1/health", None)

    def _body(self) -> bytes:
        length = self.headers.get("Content-Length")
        if length is None:
            raise DemoRequestError("length_required", "send a Content-Length", 411)
        if not length.isascii() or not length.isdigit():
            raise DemoRequestError("bad_request", "Content-Length: expected a byte count")
        size = int(length)
        if size > MAX_BODY_BYTES:
            self.close_connection = True
            if size <= _MAX_DRAINED_BYTES:  # read it, so the client reads our answer, not a reset
                self._discard(size)
            raise DemoRequestError("too_large", f"the body is over {MAX_BODY_BYTES} bytes", 413)
        body = self.rfile.read(size)
        if len(body) != size:
            raise DemoRequestError("bad_request", "the body is shorter than its Content-Length")
        return body

    def _discard(self, size: int) -> None:
        while size > 0:
            chunk = self.rfile.read(min(size, 1 << 16))
            if not chunk:
                return
            size -= len(chunk)

    def _reply(
        self,
        status: int,
        payload: dict[str, object],
        started: float | None,
        request: CaseRequest | None = None,
        outcome: str = "-",
    ) -> None:
        body = json.dumps(payload, ensure_ascii=False).encode("utf-8")
        try:
            self.send_response(status)
            self.send_header("Content-Type", "application/json; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(body)
        except (BrokenPipeError, ConnectionResetError):
            # the caller went away (an adapter killed mid-request): the answer is kept and
            # given again when it asks again
            self.close_connection = True
            outcome += " (caller gone)"
        self._log_request(status, started, request, outcome)

    def _error(self, status: int, code: str, message: str, started: float | None) -> None:
        self._reply(status, {"error": {"code": code, "message": message}}, started)

    def send_error(self, code: int, message: str | None = None, explain: str | None = None) -> None:
        """The standard library's own refusals (a malformed request line...) as JSON errors."""
        del explain
        self.close_connection = True
        if not hasattr(self, "command") or self.command is None:
            self.command = ""
        reason = message or self.responses.get(code, ("error",))[0]
        self._error(code, _STATUS_CODES.get(code, "error"), reason, None)

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        """Silenced: :meth:`_log_request` writes the one line per request."""

    def _log_request(
        self, status: int, started: float | None, request: CaseRequest | None, outcome: str
    ) -> None:
        took = "-" if started is None else f"{round((time.monotonic() - started) * 1000)}ms"
        case = request.case if request is not None else "-"
        step = request.step if request is not None else "-"
        path = urlsplit(getattr(self, "path", "") or "-").path[:200]
        self.server.write_log(
            f"{_now()} {self.command or '-'} {path} {status} "
            f"case={case} step={step} outcome={outcome} {took}"
        )


def _now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="milliseconds")
