"""The HTTP face of a demo department: answers, callbacks, errors, log lines (issue 18 item 6)."""

from __future__ import annotations

import json
import queue
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import httpx
import pytest

from govchain.demo import DepartmentServer, start_department_server
from govchain.demo.protocol import MAX_BODY_BYTES

from .demo_requests import body, system

WAIT_S = 30


class _Receiver(ThreadingHTTPServer):
    """A callback receiver that queues every JSON body it is sent (after ``fail_first`` 503s)."""

    daemon_threads = True

    def __init__(self, fail_first: int = 0) -> None:
        super().__init__(("127.0.0.1", 0), _ReceiverHandler)
        self.received: queue.Queue[dict[str, object]] = queue.Queue()
        self.fail_first = fail_first
        self.posts = 0

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}/callback"


class _ReceiverHandler(BaseHTTPRequestHandler):
    server: _Receiver

    def do_POST(self) -> None:
        data = self.rfile.read(int(self.headers["Content-Length"]))
        self.server.posts += 1
        if self.server.posts <= self.server.fail_first:
            self.send_response(503)
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        self.server.received.put(json.loads(data))
        self.send_response(204)
        self.end_headers()

    def log_message(self, format: str, *args: object) -> None:
        del format, args


@pytest.fixture
def lines() -> list[str]:
    return []


def _serve(kind: str, lines: list[str], **settings: int) -> DepartmentServer:
    return start_department_server(system(kind, **settings), "127.0.0.1", 0, lines.append)


@pytest.fixture
def licence(lines: list[str]) -> Iterator[DepartmentServer]:
    server = _serve("licence", lines)
    yield server
    server.close()


@pytest.fixture
def receiver() -> Iterator[_Receiver]:
    server = _Receiver(fail_first=2)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.1})
    thread.start()
    yield server
    server.shutdown()
    thread.join()
    server.server_close()


def test_a_case_step_is_answered_at_once(licence: DepartmentServer, lines: list[str]) -> None:
    reply = httpx.post(f"{licence.url}/v1/cases", json=body("licence"), timeout=WAIT_S)
    assert reply.status_code == 200
    assert reply.headers["content-type"].startswith("application/json")
    answer = reply.json()
    assert answer["outcome"] == "approved"
    assert answer["case"] == "c0"
    assert answer["step"] == "licence"
    assert answer["output"]["名称"] == "济南演示链信信息技术有限公司"
    again = httpx.post(f"{licence.url}/v1/cases", json=body("licence"), timeout=WAIT_S)
    assert again.json() == answer
    assert len(lines) == 2
    assert "POST /v1/cases 200 case=c0 step=licence outcome=approved" in lines[0]
    assert "张某某" not in "\n".join(lines)  # no person's name in the log


def test_health_says_what_the_system_is(licence: DepartmentServer) -> None:
    reply = httpx.get(f"{licence.url}/v1/health", timeout=WAIT_S)
    assert reply.status_code == 200
    assert reply.json() == {
        "status": "ok",
        "kind": "licence",
        "department": "济南市演示行政审批服务局",
        "answers": 0,
        "approved": 0,
    }


def test_with_a_callback_the_answer_is_posted_later(lines: list[str], receiver: _Receiver) -> None:
    server = _serve("medical", lines, delay_ms=50)
    try:
        request = body("medical", "c9", callback=receiver.url)
        reply = httpx.post(f"{server.url}/v1/cases", json=request, timeout=WAIT_S)
        assert reply.status_code == 202
        assert reply.json() == {"accepted": True, "case": "c9", "step": "medical", "attempt": 1}
        delivered = receiver.received.get(timeout=WAIT_S)  # after two 503s: retried
        assert delivered["outcome"] == "approved"
        assert delivered["case"] == "c9"
        assert delivered["output"]["统一社会信用代码"] == request["form"]["统一社会信用代码"]  # type: ignore[index]
        sync = httpx.post(f"{server.url}/v1/cases", json=body("medical", "c9"), timeout=WAIT_S)
        assert sync.json() == delivered  # the same JSON either way
        httpx.post(f"{server.url}/v1/cases", json=request, timeout=WAIT_S)
        assert receiver.received.get(timeout=WAIT_S) == delivered  # sent again on a repeat
    finally:
        server.close()
    delivered_line = "CALLBACK case=c9 step=medical outcome=approved delivered tries=3"
    assert any(delivered_line in line for line in lines)


def test_a_callback_waiting_out_its_delay_is_dropped_at_close(
    lines: list[str], receiver: _Receiver
) -> None:
    server = _serve("bank", lines, delay_ms=600_000)
    request = body("bank", "c1", callback=receiver.url)
    assert httpx.post(f"{server.url}/v1/cases", json=request, timeout=WAIT_S).status_code == 202
    server.close()  # returns: the pending callback does not hold the process
    assert receiver.posts == 0
    assert any("dropped (stopping)" in line for line in lines)


@pytest.mark.parametrize(
    ("content", "code"),
    [
        (b"{bad", "bad_json"),
        (b"\xff\xfe", "bad_json"),
        (b'{"case": "a", "case": "b"}', "bad_json"),
        (b'{"n": 1.5}', "bad_json"),
        (b'{"n": NaN}', "bad_json"),
        (b"[]", "invalid_request"),
        (b"{}", "invalid_request"),
    ],
)
def test_a_body_that_is_not_a_request_is_a_400_with_a_code(
    licence: DepartmentServer, content: bytes, code: str
) -> None:
    reply = httpx.post(f"{licence.url}/v1/cases", content=content, timeout=WAIT_S)
    assert reply.status_code == 400
    assert reply.json()["error"]["code"] == code


@pytest.mark.parametrize(
    ("change", "named"),
    [
        ({"step": "Licence!"}, "step"),
        ({"materials": "content-1"}, "materials"),
        ({"form": {"名称": {"nested": 1}}}, "form field 名称"),
        ({"attempt": 0}, "attempt"),
        ({"callback": "ftp://127.0.0.1/cb"}, "callback"),
        ({"callback": "http://127.0.0.1:99999/cb"}, "callback"),
    ],
)
def test_a_bad_key_is_named_without_its_value(
    licence: DepartmentServer, change: dict[str, object], named: str
) -> None:
    request = {**body("licence"), **change}
    reply = httpx.post(f"{licence.url}/v1/cases", json=request, timeout=WAIT_S)
    assert reply.status_code == 400
    error = reply.json()["error"]
    assert error["code"] == "invalid_request"
    assert error["message"].startswith(named)


def test_unknown_paths_methods_and_oversized_bodies_are_refused(licence: DepartmentServer) -> None:
    assert httpx.get(f"{licence.url}/v1/nothing", timeout=WAIT_S).json()["error"]["code"] == (
        "not_found"
    )
    wrong_method = httpx.get(f"{licence.url}/v1/cases", timeout=WAIT_S)
    assert wrong_method.status_code == 405
    assert httpx.delete(f"{licence.url}/v1/cases", timeout=WAIT_S).status_code == 405
    huge = httpx.post(
        f"{licence.url}/v1/cases", content=b" " * (MAX_BODY_BYTES + 1), timeout=WAIT_S
    )
    assert huge.status_code == 413
    assert huge.json()["error"]["code"] == "too_large"


def test_a_fault_of_the_department_is_a_500_without_a_stack(
    lines: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    server = _serve("seal", lines)
    try:

        def broken(_request: object) -> dict[str, object]:
            raise RuntimeError("/secret/path")

        monkeypatch.setattr(server.system, "answer", broken)
        reply = httpx.post(f"{server.url}/v1/cases", json=body("seal"), timeout=WAIT_S)
    finally:
        server.close()
    assert reply.status_code == 500
    assert reply.json() == {"error": {"code": "internal", "message": "internal error"}}
    assert any("internal error: RuntimeError" in line for line in lines)
    assert "/secret/path" not in "\n".join(lines)
