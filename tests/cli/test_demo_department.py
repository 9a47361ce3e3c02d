"""``govchain demo department``: a real process on loopback, asked and stopped (issue 18 item 6)."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager

import httpx

from govchain.codes import check_uscc
from govchain.node.ports import free_base_port

from ..govchain_cli import GOVCHAIN, govchain, one_line_error

WIDE = {**os.environ, "COLUMNS": "400"}
FORM = {"名称": "济南演示链信信息技术有限公司", "注册资本": 100}


@contextmanager
def _department(*args: str) -> Iterator[tuple[subprocess.Popen[str], str]]:
    """Start ``govchain demo department ARGS``; give the process and the URL it printed."""
    process = subprocess.Popen(
        [str(GOVCHAIN), "demo", "department", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=WIDE,
    )
    try:
        assert process.stdout is not None
        first = process.stdout.readline()  # printed once the port is bound
        assert first.startswith("demo department "), (first, process.stderr)
        yield process, first.split()[-1]
    finally:
        if process.poll() is None:
            process.kill()
            process.wait(timeout=30)


def _case(case: str) -> dict[str, object]:
    return {
        "case": case,
        "step": "licence",
        "matter": "demo-licence",
        "applicant": "applicant-1",
        "form": FORM,
        "materials": [],
    }


def test_a_department_answers_then_stops_on_sigterm() -> None:
    port = free_base_port(1)
    args = ("--kind", "licence", "--port", str(port), "--seed", "4", "--delay-ms", "10")
    with _department(*args) as (process, url):
        assert url == f"http://127.0.0.1:{port}"
        reply = httpx.post(f"{url}/v1/cases", json=_case("c1"), timeout=30)
        assert reply.status_code == 200
        answer = reply.json()
        assert answer["outcome"] == "approved"
        check_uscc(answer["output"]["统一社会信用代码"])
        assert httpx.post(f"{url}/v1/cases", json=_case("c1"), timeout=30).json() == answer
        bad = httpx.post(f"{url}/v1/cases", content=b"{", timeout=30)
        assert bad.status_code == 400
        assert bad.json()["error"]["code"] == "bad_json"
        assert httpx.get(f"{url}/v1/health", timeout=30).json()["approved"] == 1
        process.send_signal(signal.SIGTERM)
        out, err = process.communicate(timeout=30)
    assert process.returncode == 0, err
    lines = out.splitlines()
    assert lines[-1] == "demo department licence stopped"
    assert sum("POST /v1/cases 200 case=c1 step=licence outcome=approved" in x for x in lines) == 2
    assert any("POST /v1/cases 400" in line for line in lines)
    assert "张某某" not in out  # no person's name is printed


def test_the_same_seed_gives_the_same_licence_in_another_process() -> None:
    answers = []
    for _ in range(2):
        with _department("--kind", "licence", "--port", "0", "--seed", "8") as (process, url):
            answers.append(httpx.post(f"{url}/v1/cases", json=_case("c7"), timeout=30).json())
            process.send_signal(signal.SIGINT)  # Ctrl-C
            process.communicate(timeout=30)
            assert process.returncode == 0
    assert answers[0] == answers[1]


def test_a_rejecting_department_rejects() -> None:
    with _department("--kind", "licence", "--port", "0", "--reject-rate", "1") as (process, url):
        reply = httpx.post(f"{url}/v1/cases", json=_case("c2"), timeout=30).json()
        process.send_signal(signal.SIGTERM)
        process.communicate(timeout=30)
    assert reply["outcome"] == "rejected"
    assert reply["reason"]


def test_a_port_in_use_and_an_unknown_kind_are_one_line_errors() -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        busy = govchain("demo", "department", "--kind", "seal", "--port", port, check=False)
        assert f"cannot listen on 127.0.0.1:{port}" in one_line_error(busy)
    unknown = govchain("demo", "department", "--kind", "court", "--port", "0", check=False)
    assert "--kind court" in one_line_error(unknown)


def test_help_names_the_protocol() -> None:
    text = govchain("demo", "department", "--help", env=WIDE).stdout
    for option in ("--kind", "--port", "--delay-ms", "--reject-rate", "--seed", "--host"):
        assert option in text
    assert "POST /v1/cases" in text
    assert "licence|seal|social|medical|housing|bank|tax" in text
