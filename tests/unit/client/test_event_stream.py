"""The /v1/events reader of followers: parsing, the height guard, and the watch's fallback
(issue 21 item 5, N-1)."""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Iterator

import httpx
import pytest

from govchain.client.event_stream import BlockWatch, HeightGuard, parse_events

URL = "http://node.test"


def _event(kind: str, **data: object) -> str:
    return f"event: {kind}\ndata: {json.dumps({'type': kind, **data})}\n\n"


def test_events_are_parsed_and_keep_alives_and_nonsense_skipped() -> None:
    text = ": keep-alive\n\n" + _event("block", height=3) + "event: tx\ndata: not json\n\n"
    text += "id: 7\n" + _event("gap", to=5)
    assert list(parse_events(text.split("\n"))) == [
        ("block", {"type": "block", "height": 3}),
        ("gap", {"type": "gap", "to": 5}),
    ]


def test_the_guard_hands_back_missed_heights_and_ignores_old_ones() -> None:
    guard = HeightGuard(2)
    assert guard.caught_up(4) == [3, 4]  # committed before the stream connected
    assert guard.block(4) == ([], False)  # announced again: old news
    assert guard.block(3) == ([], False)  # out of order
    assert guard.block(7) == ([5, 6], True)  # heights skipped are read back
    assert guard.gap(10) == [8, 9, 10]
    assert guard.block(11) == ([], True)
    assert guard.height == 11


def _stream(chunks: Iterator[bytes]) -> httpx.Response:
    class Body(httpx.SyncByteStream):
        def __iter__(self) -> Iterator[bytes]:
            yield from chunks

    return httpx.Response(200, stream=Body())


def test_the_watch_wakes_a_waiter_at_the_next_block() -> None:
    release = threading.Event()

    def chunks() -> Iterator[bytes]:
        yield _event("block", height=1).encode()
        release.wait(5)
        yield _event("block", height=2).encode()
        release.wait(5)

    http = httpx.Client(transport=httpx.MockTransport(lambda _r: _stream(chunks())))
    watch = BlockWatch(URL, http).start()
    try:
        assert watch.wait_past(0, 5)
        assert watch.height == 1
        assert not watch.wait_past(1, 0.05)  # nothing new yet
        release.set()
        assert watch.wait_past(1, 5)
        assert watch.height == 2
    finally:
        watch.close()


def test_a_failed_stream_is_said_once_and_waiters_poll(caplog: pytest.LogCaptureFixture) -> None:
    attempts = threading.Semaphore(0)

    def refuse(_request: httpx.Request) -> httpx.Response:
        attempts.release()
        return httpx.Response(503, json={"error": {"code": "too_many_streams", "message": "-"}})

    http = httpx.Client(transport=httpx.MockTransport(refuse))
    caplog.set_level(logging.WARNING, "govchain.client")
    watch = BlockWatch("http://refusing.test", http, reconnect_s=0.01).start()
    try:
        for _ in range(3):  # it keeps trying
            assert attempts.acquire(timeout=5)
        assert not watch.live
        assert not watch.wait_past(0, 0.05)  # the caller's poll interval, then it polls
        warnings = [  # other tests' watches may still be logging: only this one's lines
            r for r in caplog.records if "refusing.test" in r.getMessage()
        ]
        assert len(warnings) == 1
    finally:
        watch.close()
    assert not watch.wait_past(0, 5)  # closed: no waiting
