"""The alert book's dedup, start and end; the SQLite store across a restart; the webhook's
retries against a local HTTP server (issue 19 item 3; F-E3)."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from govchain.monitor.alerts import Alert, AlertBook, AlertStore, utc_text
from govchain.monitor.rules import Finding
from govchain.monitor.sinks import WEBHOOK_ATTEMPTS, Webhook, log_line

T0 = 1_767_225_600_000


def finding(rule: str, subject: str, detail: str = "seen") -> dict[tuple[str, str], Finding]:
    return {(rule, subject): Finding(rule, subject, "critical", detail)}


def always(_rule: str, _subject: str) -> bool:
    return True


def test_utc_text_is_iso_8601_with_z() -> None:
    assert utc_text(T0 + 1234) == "2026-01-01T00:00:01.234Z"


def test_one_open_alert_per_rule_and_subject_started_once_ended_once() -> None:
    book = AlertBook([], 7)
    started, ended = book.apply(finding("disk_low", "n1", "first"), T0, 5, always)
    assert [(a.id, a.started_at, a.started_height, a.detail) for a in started] == [
        (7, "2026-01-01T00:00:00.000Z", 5, "first")
    ]
    again, none = book.apply(finding("disk_low", "n1", "second"), T0 + 1000, 6, always)
    assert (again, none) == ([], [])
    assert book.open[("disk_low", "n1")].detail == "first"  # not rewritten
    both = {**finding("disk_low", "n1"), **finding("disk_low", "n2")}
    started, _ = book.apply(both, T0 + 2000, 7, always)
    assert [(a.id, a.subject) for a in started] == [(8, "n2")]
    assert book.open_by_rule() == {"disk_low": 2}
    started, ended = book.apply(finding("disk_low", "n2"), T0 + 3000, 8, always)
    assert started == []
    assert [(a.id, a.ended_at, a.ended_height) for a in ended] == [
        (7, "2026-01-01T00:00:03.000Z", 8)
    ]
    # it fires again later: a new alert with a new id
    started, _ = book.apply(both, T0 + 4000, 9, always)
    assert [(a.id, a.subject) for a in started] == [(9, "n1")]


def test_an_uncovered_pair_stays_open() -> None:
    book = AlertBook([], 1)
    book.apply(finding("round_stuck", "n1"), T0, 1, always)
    assert book.apply({}, T0 + 1, 2, lambda _rule, _subject: False) == ([], [])
    assert ("round_stuck", "n1") in book.open


def test_the_store_keeps_every_alert_and_gives_the_open_ones_back_after_a_restart(
    tmp_path: Path,
) -> None:
    path = tmp_path / "alerts.sqlite"
    store = AlertStore(path)
    book = store.book()
    both = {**finding("disk_low", "n1"), **finding("height_stalled", "n2")}
    store.record(*book.apply(both, T0, 3, always))
    store.record(*book.apply(finding("disk_low", "n1"), T0 + 1000, 4, always))
    store.close()

    reopened = AlertStore(path)
    again = reopened.book()
    assert list(again.open) == [("disk_low", "n1")]
    assert again.next_id == 3
    assert again.apply(finding("disk_low", "n1"), T0 + 2000, 5, always) == ([], [])
    rows = [a.to_json() for a in reopened.all()]
    assert [(r["rule"], r["ended_height"]) for r in rows] == [
        ("disk_low", None), ("height_stalled", 4),
    ]  # fmt: skip
    reopened.close()


def test_log_lines_name_rule_subject_severity_and_height() -> None:
    alert = Alert(1, "disk_low", "http://n1", "critical", "t", 9, None, None, "5 bytes free")
    assert log_line("started", alert) == (
        "alert started disk_low http://n1 severity=critical height=9: 5 bytes free"
    )
    ended = Alert(1, "disk_low", "http://n1", "critical", "t", 9, "u", 12, "5 bytes free")
    assert log_line("ended", ended) == "alert ended disk_low http://n1 height=12"


class _Receiver:
    """A local HTTP server that answers 503 to the first ``failures`` POSTs, then 204."""

    def __init__(self, failures: int) -> None:
        self.failures = failures
        self.bodies: list[dict[str, object]] = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers["Content-Length"])
                receiver.bodies.append(json.loads(self.rfile.read(length)))
                failing = len(receiver.bodies) <= receiver.failures
                self.send_response(503 if failing else 204)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *_: object) -> None:
                return

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receiver_factory() -> Iterator[list[_Receiver]]:
    made: list[_Receiver] = []
    yield made
    for receiver in made:
        receiver.close()


ALERT = Alert(4, "validator_missing", "dd" * 20, "critical", "2026-01-01T00:00:00.000Z", 10,
              None, None, "signed none of the commits of heights 6..10")  # fmt: skip


def test_the_webhook_retries_until_a_2xx_answer(receiver_factory: list[_Receiver]) -> None:
    receiver = _Receiver(failures=2)
    receiver_factory.append(receiver)
    pauses: list[float] = []
    hook = Webhook(receiver.url, sleep=pauses.append)
    assert hook.send("started", ALERT) is True
    hook.close()
    assert len(receiver.bodies) == 3
    assert pauses == [0.5, 1.0]
    assert receiver.bodies[-1] == {"event": "started", "alert": ALERT.to_json()}


def test_the_webhook_gives_up_after_the_last_try(
    receiver_factory: list[_Receiver], caplog: pytest.LogCaptureFixture
) -> None:
    receiver = _Receiver(failures=100)
    receiver_factory.append(receiver)
    pauses: list[float] = []
    hook = Webhook(receiver.url, sleep=pauses.append)
    assert hook.send("ended", ALERT) is False
    hook.close()
    assert len(receiver.bodies) == WEBHOOK_ATTEMPTS
    assert pauses == [0.5, 1.0, 2.0]
    assert "not delivered after 4 tries" in caplog.text


def test_the_webhook_retries_when_nothing_listens(tmp_path: Path) -> None:
    receiver = _Receiver(failures=0)
    url = receiver.url
    receiver.close()  # the port no longer listens: every try fails to connect
    pauses: list[float] = []
    hook = Webhook(url, sleep=pauses.append)
    assert hook.send("started", ALERT) is False
    hook.close()
    assert pauses == [0.5, 1.0, 2.0]


def test_the_store_is_written_from_the_poll_threads(tmp_path: Path) -> None:
    store = AlertStore(tmp_path / "alerts.sqlite")
    book = store.book()

    def poll() -> None:
        store.record(*book.apply(finding("disk_low", "n1"), T0, 1, always))

    worker = threading.Thread(target=poll)
    worker.start()
    worker.join()
    assert [a.rule for a in store.all()] == ["disk_low"]
    store.close()
