"""The adapter's client of a department system and its callback inbox (issue 18 item 5, F-D5).

Against the demo department system served in-process, and a small scripted HTTP system for
the statuses the demo does not give; retry delays go to a recording ``sleep``, not the clock.
Made-up data only (docs: /work/shared/data/enterprise-setup.md).
"""

from __future__ import annotations

import datetime as dt
import http.client
import json
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import httpx
import pytest

from govchain.adapter.department import (
    Answer,
    CallbackInbox,
    DepartmentRefusedError,
    DepartmentSystem,
    DepartmentUnavailableError,
    parse_answer,
)
from govchain.codes import check_uscc
from govchain.demo import DepartmentConfig, DepartmentServer, start_department_server
from govchain.demo import DepartmentSystem as DemoDepartment

WAIT_S = 30.0
CASE = "c3" * 32
APPLICANT = "5e" * 20
NAME = "济南演示链信信息技术有限公司"
FORM: dict[str, object] = {"名称": NAME, "类型": "有限责任公司(自然人投资或控股)", "注册资本": 100}


def request(attempt: int = 1, step: str = "licence") -> dict[str, Any]:
    """A step as the adapter sends it (``StepHandler`` builds the same keys)."""
    return {
        "case": CASE, "step": step, "matter": "demo-licence", "applicant": APPLICANT,
        "form": dict(FORM), "materials": [], "attempt": attempt,
    }  # fmt: skip


def answer(outcome: str = "approved", **extra: object) -> dict[str, object]:
    return {"case": CASE, "step": "licence", "attempt": 1, "outcome": outcome, **extra}


# --- parse_answer -------------------------------------------------------------------------


def test_an_approval_carries_its_output_fields_f_d5() -> None:
    output = {"名称": NAME, "注册资本": 100}
    assert parse_answer(answer(output=output), CASE, "licence", 1) == Answer("approved", "", output)
    assert parse_answer(answer(), CASE, "licence", 1) == Answer("approved", "", {})


@pytest.mark.parametrize("outcome", ["rejected", "returned"])
@pytest.mark.parametrize("reason", ["x", "材料不全" * 64])
def test_a_rejection_or_return_carries_its_reason_f_d5(outcome: str, reason: str) -> None:
    assert parse_answer(answer(outcome, reason=reason), CASE, "licence", 1) == Answer(
        outcome, reason
    )


@pytest.mark.parametrize(
    "body",
    [
        pytest.param(answer("rejected"), id="rejected-without-reason"),
        pytest.param(answer("returned", reason=""), id="empty-reason"),
        pytest.param(answer("returned", reason="x" * 257), id="reason-too-long"),
        pytest.param(answer("rejected", reason=["x"]), id="reason-not-text"),
        pytest.param(answer("approved", output=[NAME]), id="output-not-an-object"),
        pytest.param(answer("approve"), id="unknown-outcome"),
        pytest.param(answer(None), id="no-outcome"),
        pytest.param({**answer(), "case": "d4" * 32}, id="another-case"),
        pytest.param({**answer(), "step": "seal"}, id="another-step"),
        pytest.param({**answer(), "attempt": 2}, id="another-attempt"),
        pytest.param({**answer(), "attempt": "1"}, id="attempt-as-text"),
        pytest.param({"outcome": "approved"}, id="names-nothing"),
        pytest.param([answer()], id="a-list"),
        pytest.param("approved", id="a-string"),
        pytest.param(None, id="null"),
    ],
)
def test_anything_but_an_answer_to_this_attempt_is_refused_f_d5(body: object) -> None:
    with pytest.raises(DepartmentRefusedError) as refused:
        parse_answer(body, CASE, "licence", 1)
    assert refused.value.code == "department_refused"
    assert NAME not in str(refused.value)  # never a form value in the error


# --- against the demo department system ---------------------------------------------------


def _demo(lines: list[str], **settings: int) -> DepartmentServer:
    department = DemoDepartment(
        DepartmentConfig(kind="licence", **settings), today=lambda: dt.date(2024, 3, 15)
    )
    return start_department_server(department, "127.0.0.1", 0, lines.append)


@pytest.fixture
def lines() -> list[str]:
    return []


@pytest.fixture
def demo(lines: list[str]) -> Iterator[DepartmentServer]:
    server = _demo(lines)
    yield server
    server.close()


@pytest.fixture(scope="module")
def inbox() -> Iterator[CallbackInbox]:
    """One inbox for the module (closing one takes its server's half-second poll)."""
    box = CallbackInbox("127.0.0.1", 0)
    yield box
    box.close()


class _Sleeps(list[float]):
    """A ``sleep`` that records its delays and does not sleep."""

    def __call__(self, seconds: float) -> None:
        self.append(seconds)


def test_a_synchronous_answer_is_taken_from_the_reply_f_d5(demo: DepartmentServer) -> None:
    sleeps = _Sleeps()
    system = DepartmentSystem(demo.url, sleep=sleeps)
    try:
        got = system.ask(request())
    finally:
        system.close()
    assert got.outcome == "approved"
    assert got.output["名称"] == NAME
    check_uscc(str(got.output["统一社会信用代码"]))
    assert sleeps == []


def test_a_return_carries_the_departments_reason_and_the_next_attempt_is_asked_anew_f_d5(
    lines: list[str],
) -> None:
    server = _demo(lines, return_bp=10_000)
    system = DepartmentSystem(server.url + "/")
    try:
        first = system.ask(request(1))
        second = system.ask(request(2))
    finally:
        system.close()
        server.close()
    assert first.outcome == "returned"
    assert "退回补正" in first.reason
    assert second.outcome == "approved"


def test_with_an_inbox_the_answer_comes_by_callback_f_d5(
    lines: list[str], demo: DepartmentServer, inbox: CallbackInbox
) -> None:
    system = DepartmentSystem(demo.url, inbox=inbox, callback_wait_s=WAIT_S)
    try:
        got = system.ask(request())
    finally:
        system.close()
    assert got.outcome == "approved"
    assert got.output["名称"] == NAME
    demo.close()  # waits for the callback's delivery thread, which logs it
    assert any("CALLBACK" in line and "delivered" in line for line in lines)


def test_a_system_that_is_down_is_tried_with_doubling_delays_then_unavailable_f_d5(
    lines: list[str],
) -> None:
    server = _demo(lines)
    url = server.url
    server.close()  # nothing listens there now
    sleeps = _Sleeps()
    system = DepartmentSystem(url, sleep=sleeps, timeout_s=5.0)
    try:
        with pytest.raises(DepartmentUnavailableError) as unavailable:
            system.ask(request())
    finally:
        system.close()
    assert sleeps == [0.5, 1.0, 2.0]  # 4 tries
    assert unavailable.value.code == "department_unavailable"
    assert "ConnectError" in str(unavailable.value)


def test_a_request_the_system_refuses_is_not_retried_f_d5(
    lines: list[str], demo: DepartmentServer
) -> None:
    sleeps = _Sleeps()
    system = DepartmentSystem(demo.url, sleep=sleeps)
    try:
        with pytest.raises(DepartmentRefusedError) as refused:
            system.ask(request(step="Licence Step"))  # not a step id: the system says 400
    finally:
        system.close()
    assert "400" in str(refused.value)
    assert "invalid_request" in str(refused.value)
    assert sleeps == []

    def posts() -> int:
        return len([line for line in lines if " POST /v1/cases " in line])

    # the server logs a request after it has answered, from its own thread: wait for the line
    deadline = time.monotonic() + 10
    while posts() == 0 and time.monotonic() < deadline:
        time.sleep(0.01)
    assert posts() == 1


# --- against a scripted system ------------------------------------------------------------


class _Scripted(ThreadingHTTPServer):
    """Answers each POST with the next (status, body) of its script (the last repeats); a
    ``None`` body is the answer to the request; status 202 calls back unless ``silent``."""

    daemon_threads = True

    def __init__(self, script: list[tuple[int, bytes | None]], silent: bool = False) -> None:
        super().__init__(("127.0.0.1", 0), _ScriptedHandler)
        self.script = script
        self.silent = silent
        self.received: list[dict[str, Any]] = []
        self.callbacks: list[threading.Thread] = []

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"

    def next_reply(self, body: dict[str, Any]) -> tuple[int, bytes]:
        self.received.append(body)
        status, reply = self.script.pop(0) if len(self.script) > 1 else self.script[0]
        if reply is None:
            head = {key: body[key] for key in ("case", "step", "attempt")}
            reply = json.dumps({**head, "outcome": "approved", "output": {"名称": NAME}}).encode()
        if status == 202 and not self.silent:
            thread = threading.Thread(target=_call_back, args=(body["callback"], reply))
            self.callbacks.append(thread)
            thread.start()
            reply = b'{"accepted": true}'
        return status, reply


def _call_back(url: str, answer: bytes) -> None:
    reply = httpx.post(url, content=answer, timeout=WAIT_S)
    assert reply.status_code == 200


class _ScriptedHandler(BaseHTTPRequestHandler):
    server: _Scripted

    def do_POST(self) -> None:
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        status, reply = self.server.next_reply(body)
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(reply)))
        self.end_headers()
        self.wfile.write(reply)

    def log_message(self, format: str, *args: object) -> None:
        del format, args


def _scripted(script: list[tuple[int, bytes | None]], silent: bool = False) -> Iterator[_Scripted]:
    server = _Scripted(script, silent)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05})
    thread.start()
    yield server
    server.shutdown()
    thread.join()
    for callback in server.callbacks:
        callback.join()
    server.server_close()


def _ask(server: _Scripted, **options: Any) -> tuple[Answer, _Sleeps]:
    sleeps = _Sleeps()
    system = DepartmentSystem(server.url, sleep=sleeps, **options)
    try:
        return system.ask(request()), sleeps
    finally:
        system.close()


@pytest.fixture
def busy() -> Iterator[_Scripted]:
    yield from _scripted([(503, b"{}"), (429, b"{}"), (502, b""), (200, None)])


def test_a_busy_or_failing_system_is_asked_again_after_the_backoff_f_d5(busy: _Scripted) -> None:
    got, sleeps = _ask(busy)
    assert got == Answer("approved", "", {"名称": NAME})
    assert sleeps == [0.5, 1.0, 2.0]
    assert len(busy.received) == 4
    assert busy.received[0] == busy.received[3] == request()  # the same request each time


@pytest.fixture
def failing() -> Iterator[_Scripted]:
    yield from _scripted([(503, b'{"error": {"code": "busy"}}')])


def test_a_system_failing_every_try_is_unavailable_after_tries_f_d5(failing: _Scripted) -> None:
    with pytest.raises(DepartmentUnavailableError) as unavailable:
        _ask(failing, tries=3, backoff_s=0.25)
    assert "status 503" in str(unavailable.value)
    assert len(failing.received) == 3


@pytest.fixture
def callbacks() -> Iterator[_Scripted]:
    yield from _scripted([(202, None)])


def test_the_inbox_url_goes_with_the_request_and_the_answer_comes_back_there_f_d5(
    callbacks: _Scripted, inbox: CallbackInbox
) -> None:
    got, _ = _ask(callbacks, inbox=inbox, callback_wait_s=WAIT_S)
    assert got == Answer("approved", "", {"名称": NAME})
    assert callbacks.received == [{**request(), "callback": inbox.url}]
    assert inbox.url.startswith("http://127.0.0.1:")


@pytest.fixture
def accepting() -> Iterator[_Scripted]:
    yield from _scripted([(202, None)], silent=True)


def test_a_callback_that_does_not_come_in_time_is_unavailable_f_d5(
    accepting: _Scripted, inbox: CallbackInbox
) -> None:
    with pytest.raises(DepartmentUnavailableError, match="no callback"):
        _ask(accepting, inbox=inbox, callback_wait_s=0.05)


def test_a_202_without_an_inbox_is_a_refusal_f_d5(accepting: _Scripted) -> None:
    with pytest.raises(DepartmentRefusedError, match="202"):
        _ask(accepting)


@pytest.fixture
def nonsense() -> Iterator[_Scripted]:
    yield from _scripted([(200, b"<html>ok</html>")])


def test_a_reply_that_is_not_json_is_a_refusal_f_d5(nonsense: _Scripted) -> None:
    with pytest.raises(DepartmentRefusedError, match="not JSON"):
        _ask(nonsense)
    assert len(nonsense.received) == 1


@pytest.fixture
def forbidding() -> Iterator[_Scripted]:
    yield from _scripted([(403, b"no")])


def test_a_refusal_without_an_error_code_says_so_f_d5(forbidding: _Scripted) -> None:
    with pytest.raises(DepartmentRefusedError, match="403: no error code"):
        _ask(forbidding)


# --- the callback inbox -------------------------------------------------------------------


def _post_raw(
    inbox: CallbackInbox, body: bytes | None, headers: dict[str, str]
) -> tuple[int, dict[str, Any]]:
    host, port = inbox.url.removeprefix("http://").split("/")[0].split(":")
    connection = http.client.HTTPConnection(host, int(port), timeout=WAIT_S)
    try:
        connection.putrequest("POST", "/v1/answers")
        for name, value in headers.items():
            connection.putheader(name, value)
        connection.endheaders(body)
        reply = connection.getresponse()
        return reply.status, json.loads(reply.read())
    finally:
        connection.close()


def test_the_inbox_keeps_an_answer_for_its_waiter_once_f_d5(inbox: CallbackInbox) -> None:
    data = json.dumps(answer(output={"名称": NAME})).encode()
    status, reply = _post_raw(inbox, data, {"Content-Length": str(len(data))})
    assert (status, reply) == (200, {"ok": True})
    assert inbox.wait((CASE, "licence", 1), WAIT_S) == answer(output={"名称": NAME})
    assert inbox.wait((CASE, "licence", 1), 0.01) is None  # taken


@pytest.mark.parametrize(
    ("body", "status"),
    [
        pytest.param(b"{not json", 400, id="not-json"),
        pytest.param(b"\xff\xfe", 400, id="not-utf8"),
        pytest.param(b'{"case": "c3", "step": "licence"}', 400, id="no-attempt"),
        pytest.param(b'{"case": "c3", "step": "licence", "attempt": "one"}', 400, id="bad-attempt"),
        pytest.param(b"[1, 2]", 400, id="not-an-object"),
    ],
)
def test_the_inbox_refuses_what_is_not_an_answer_f_d5(
    inbox: CallbackInbox, body: bytes, status: int
) -> None:
    got, reply = _post_raw(inbox, body, {"Content-Length": str(len(body))})
    assert (got, reply) == (status, {"error": "not an answer"})


def test_the_inbox_needs_a_length_within_1_mib_f_d5(inbox: CallbackInbox) -> None:
    assert _post_raw(inbox, None, {})[0] == 411
    assert _post_raw(inbox, None, {"Content-Length": "0"})[0] == 411
    assert _post_raw(inbox, None, {"Content-Length": str(1024 * 1024 + 1)})[0] == 413
