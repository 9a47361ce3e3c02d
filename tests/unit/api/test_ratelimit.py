"""Per-client rate limits: token buckets by address and by account, 429 with Retry-After (N-5).

Issue 13 item 3. The bucket logic takes the time as a parameter, so these
tests never sleep: they move a clock by hand.
"""

from __future__ import annotations

import asyncio
import json
import os
from collections import Counter
from typing import Any

import pytest

from govchain.api import create_app, ratelimit
from govchain.api.ratelimit import (
    RateLimiter,
    RateLimitMiddleware,
    RateLimits,
    accounts_of,
    charge_work,
)
from govchain.codec import encode
from govchain.contracts.notary import anchor_tx
from govchain.crypto import SigningKey, suite_for
from govchain.ledger import records

from .conftest import MakeClient
from .fake_node import FakeNode

SUITE = suite_for("intl")
ALICE, BOB = SUITE.generate_key(), SUITE.generate_key()


def _tx(key: SigningKey) -> bytes:
    return records.encode_tx(anchor_tx(key, "c", SUITE.hash(os.urandom(8)), os.urandom(16), 9))


# --- the bucket ------------------------------------------------------------------------


def test_a_full_bucket_allows_exactly_its_capacity_then_says_how_long_to_wait() -> None:
    bucket = RateLimiter(rate_per_s=10, capacity=20, max_keys=8)
    assert [bucket.take("a", 1, now_ms=100_000) for _ in range(20)] == [0] * 20
    assert bucket.take("a", 1, now_ms=100_000) == 100
    assert bucket.take("a", 1, now_ms=100_099) == 1  # refused: nothing spent
    assert bucket.take("a", 1, now_ms=100_100) == 0  # exactly one token later
    assert bucket.take("a", 1, now_ms=100_100) == 100
    assert bucket.take("b", 1, now_ms=100_100) == 0  # every key has its own bucket
    assert bucket.tokens("a", 1_000_000) == 20  # refills up to the capacity, no further


def test_a_request_costing_more_than_a_full_bucket_waits_for_a_full_one_and_leaves_debt() -> None:
    bucket = RateLimiter(rate_per_s=10, capacity=20, max_keys=8)
    assert bucket.take("a", 1, now_ms=0) == 0
    assert bucket.take("a", 50, now_ms=0) == 100  # 19 of a full 20
    assert bucket.take("a", 50, now_ms=100) == 0
    assert bucket.tokens("a", 100) == -30
    assert bucket.wait_ms("a", 1, now_ms=100) == 3100  # the debt is paid first


def test_tokens_given_back_count_again() -> None:
    bucket = RateLimiter(rate_per_s=1, capacity=5, max_keys=8)
    assert bucket.take("a", 5, now_ms=0) == 0
    bucket.give_back("a", 3, now_ms=0)
    assert bucket.tokens("a", 0) == 3


def test_the_table_of_clients_is_bounded_and_forgets_the_least_recent() -> None:
    bucket = RateLimiter(rate_per_s=1, capacity=1, max_keys=2)
    for key in ("a", "b"):
        assert bucket.take(key, 1, now_ms=0) == 0
    assert bucket.take("a", 1, now_ms=0) > 0  # refused, but seen: a is now the most recent
    assert bucket.take("c", 1, now_ms=0) == 0
    assert len(bucket) == 2
    assert bucket.take("b", 1, now_ms=0) == 0  # b was forgotten: a full bucket again
    assert bucket.take("a", 1, now_ms=0) == 0  # and then a was


def test_bad_limits_are_named() -> None:
    assert RateLimits().problems() == []
    assert RateLimits(reads_per_s=0, submissions_per_s=0).problems() == []
    problems = RateLimits(reads_per_s=-1, burst_s=0, max_clients=True).problems()  # type: ignore[arg-type]
    assert problems == [
        "api.rate_limit.reads_per_s: expected a whole number from 0 to 1000000000, got -1",
        "api.rate_limit.max_clients: expected a whole number from 0 to 1000000000, got True",
        "api.rate_limit.burst_s: at least 1",
    ]


def test_accounts_are_the_senders_and_undecodable_txs_are_left_out() -> None:
    counts = accounts_of([_tx(ALICE), _tx(BOB), _tx(ALICE), b"\x00garbage"])
    assert sorted(counts.values()) == [1, 2]
    assert f"key:{ALICE.public_key.hex()}" in counts


# --- the middleware, over plain ASGI --------------------------------------------------


class _Clock:
    def __init__(self) -> None:
        self.now_ms = 50_000

    def __call__(self) -> int:
        return self.now_ms


class _Downstream:
    """An app that answers 200 and keeps the bodies it received."""

    def __init__(self) -> None:
        self.bodies: list[bytes] = []

    async def __call__(self, _scope: Any, receive: Any, send: Any) -> None:
        body = b""
        while True:
            message = await receive()
            body += message.get("body", b"")
            if not message.get("more_body"):
                break
        self.bodies.append(body)
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b"ok"})


def _call(
    app: RateLimitMiddleware, method: str, path: str, client: str, body: bytes = b""
) -> tuple[int, dict[str, str], bytes]:
    chunks = [body[:10], body[10:]] if len(body) > 10 else [body]  # the body in two parts
    incoming = [
        {"type": "http.request", "body": chunk, "more_body": i < len(chunks) - 1}
        for i, chunk in enumerate(chunks)
    ]
    sent: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        return incoming.pop(0) if incoming else {"type": "http.disconnect"}

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    scope = {
        "type": "http", "method": method, "path": path, "client": (client, 40000),
        "headers": [], "query_string": b"", "http_version": "1.1", "scheme": "http",
        "root_path": "", "raw_path": path.encode(),
    }  # fmt: skip
    asyncio.run(app(scope, receive, send))
    start = sent[0]
    headers = {k.decode(): v.decode() for k, v in start["headers"]}
    return start["status"], headers, b"".join(m.get("body", b"") for m in sent[1:])


def _limited(limits: RateLimits) -> tuple[RateLimitMiddleware, _Downstream, _Clock]:
    downstream, clock = _Downstream(), _Clock()
    return (
        RateLimitMiddleware(downstream, limits, max_body_bytes=1 << 20, clock=clock),
        downstream,
        clock,
    )


def test_reads_over_the_limit_get_429_rate_limited_with_retry_after() -> None:
    app, _, clock = _limited(RateLimits(reads_per_s=2, burst_s=1))
    assert _call(app, "GET", "/v1/status", "10.0.0.1")[0] == 200
    assert _call(app, "GET", "/v1/blocks/1", "10.0.0.1")[0] == 200
    status, headers, body = _call(app, "GET", "/v1/status", "10.0.0.1")
    assert status == 429
    assert headers["retry-after"] == "1"  # half a second, in whole seconds
    assert headers["content-type"] == "application/json"
    error = json.loads(body)["error"]
    assert error["code"] == "rate_limited"
    assert "10.0.0.1" in error["message"]
    assert _call(app, "GET", "/v1/status", "10.0.0.2")[0] == 200  # another client
    clock.now_ms += 500
    assert _call(app, "GET", "/v1/status", "10.0.0.1")[0] == 200


def test_a_long_wait_is_rounded_up_to_whole_seconds() -> None:
    app, _, clock = _limited(RateLimits(submissions_per_s=1, burst_s=1))
    batch = encode([_tx(ALICE), _tx(BOB), _tx(ALICE)])
    assert _call(app, "POST", "/v1/txs/batch", "10.0.0.1", batch)[0] == 200  # 2 tokens of debt
    assert _call(app, "POST", "/v1/txs", "10.0.0.1", _tx(BOB))[1]["retry-after"] == "3"
    clock.now_ms += 2001
    assert _call(app, "POST", "/v1/txs", "10.0.0.1", _tx(BOB))[1]["retry-after"] == "1"


def test_a_batch_costs_one_token_per_tx_and_the_route_gets_the_whole_body() -> None:
    app, downstream, _ = _limited(RateLimits(submissions_per_s=5, burst_s=1))
    batch = encode([_tx(ALICE), _tx(BOB), _tx(ALICE), _tx(BOB), _tx(ALICE)])
    assert _call(app, "POST", "/v1/txs/batch", "10.0.0.1", batch)[0] == 200
    assert downstream.bodies == [batch]
    status, _, body = _call(app, "POST", "/v1/txs", "10.0.0.1", _tx(BOB))
    assert status == 429
    assert b"too many txs from 10.0.0.1" in body
    assert _call(app, "GET", "/v1/status", "10.0.0.1")[0] == 200  # reads have their own bucket


def test_an_account_is_limited_across_client_addresses() -> None:
    app, _, clock = _limited(RateLimits(submissions_per_s=2, burst_s=1))
    assert _call(app, "POST", "/v1/txs", "10.0.0.1", _tx(ALICE))[0] == 200
    assert _call(app, "POST", "/v1/txs", "10.0.0.2", _tx(ALICE))[0] == 200
    status, headers, body = _call(app, "POST", "/v1/txs", "10.0.0.3", _tx(ALICE))
    assert status == 429
    assert headers["retry-after"] == "1"
    assert f"sender {ALICE.public_key.hex()[:16]}" in json.loads(body)["error"]["message"]
    assert _call(app, "POST", "/v1/txs", "10.0.0.3", _tx(BOB))[0] == 200  # 10.0.0.3 kept its token
    clock.now_ms += 500
    assert _call(app, "POST", "/v1/txs", "10.0.0.3", _tx(ALICE))[0] == 200


def test_malformed_submissions_still_cost_their_client_a_token_and_reach_the_route() -> None:
    app, downstream, _ = _limited(RateLimits(submissions_per_s=1, burst_s=1))
    assert _call(app, "POST", "/v1/txs/batch", "10.0.0.1", b"\xff not cbor")[0] == 200
    assert downstream.bodies == [b"\xff not cbor"]
    assert _call(app, "POST", "/v1/txs", "10.0.0.1", b"")[0] == 429


def test_a_rate_of_zero_turns_that_limit_off() -> None:
    app, _, _ = _limited(RateLimits(reads_per_s=0, submissions_per_s=0))
    for _ in range(100):
        assert _call(app, "GET", "/v1/status", "10.0.0.1")[0] == 200
        assert _call(app, "POST", "/v1/txs", "10.0.0.1", _tx(ALICE))[0] == 200


def test_a_limit_that_is_off_leaves_the_request_untouched() -> None:
    """With submissions off (``bench cluster``) a batch body is neither buffered nor decoded
    here, and with reads off a read runs without a work meter (issue 21, N-1)."""
    seen: list[tuple[object, object]] = []

    async def downstream(_scope: Any, receive: Any, send: Any) -> None:
        seen.append((receive, charge_work_meter()))
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b"ok"})

    app = RateLimitMiddleware(
        downstream, RateLimits(reads_per_s=0, submissions_per_s=0), max_body_bytes=1 << 20
    )

    async def receive() -> dict[str, Any]:
        raise AssertionError("the middleware read the body")

    async def send(_message: dict[str, Any]) -> None:
        return None

    for method, path in (("POST", "/v1/txs/batch"), ("POST", "/v1/txs"), ("GET", "/v1/status")):
        scope = {"type": "http", "method": method, "path": path, "client": ("10.0.0.1", 1)}
        asyncio.run(app(scope, receive, send))
    assert seen == [(receive, None)] * 3


def charge_work_meter() -> object:
    """The work meter of the request being served (None: no read bucket charges it)."""
    from govchain.api.ratelimit import _work_ns

    return _work_ns.get()


# --- installed by create_app ------------------------------------------------------------


def test_create_app_installs_the_limits_and_counts_the_429s(
    node: FakeNode, make_client: MakeClient
) -> None:
    app = create_app(node, metrics=node.metrics, rate_limit=RateLimits(reads_per_s=1, burst_s=1))
    client = make_client(app)
    assert client.get("/v1/status").status_code == 200
    refused = client.get("/v1/status")
    assert refused.status_code == 429
    assert refused.headers["retry-after"] == "1"
    assert refused.json()["error"]["code"] == "rate_limited"
    assert (
        'status="429"' in make_client(create_app(node, metrics=node.metrics)).get("/metrics").text
    )


class _Working(_Downstream):
    """An app that reports ``cpu_ms`` of worker time for each request, as the node's pools do."""

    def __init__(self, cpu_ms: int) -> None:
        super().__init__()
        self.cpu_ms = cpu_ms

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        charge_work(self.cpu_ms * 1_000_000 + 999_999)  # a part of a ms is not charged
        await super().__call__(scope, receive, send)


def test_spending_goes_into_debt_and_the_bucket_refills_from_there() -> None:
    limiter = RateLimiter(rate_per_s=10, capacity=20, max_keys=10)
    limiter.spend("a", 25, now_ms=0)
    assert limiter.tokens("a", 0) == -5
    assert limiter.take("a", 1, 0) == 600  # 6 tokens missing at 10 a second
    assert limiter.take("a", 1, 600) == 0


def test_a_read_costs_one_token_plus_one_per_millisecond_of_worker_time() -> None:
    working = _Working(cpu_ms=9)
    clock = _Clock()
    app = RateLimitMiddleware(
        working, RateLimits(reads_per_s=10, burst_s=2), max_body_bytes=1 << 20, clock=clock
    )
    assert _call(app, "GET", "/v1/notary/" + "00" * 32, "10.0.0.1")[0] == 200  # 20 - 10 left
    assert app.reads is not None
    assert app.reads.tokens("10.0.0.1", clock.now_ms) == 10
    assert _call(app, "GET", "/v1/evidence", "10.0.0.1")[0] == 200  # 0 left
    status, headers, _ = _call(app, "GET", "/v1/status", "10.0.0.1")
    assert (status, headers["retry-after"]) == (429, "1")
    assert _call(app, "GET", "/v1/status", "10.0.0.2")[0] == 200  # others pay nothing


def test_work_outside_a_request_is_charged_to_no_one() -> None:
    charge_work(5_000_000)  # no request being served: nothing happens, nothing raises


def test_a_batch_refused_by_its_address_is_never_decoded(monkeypatch: pytest.MonkeyPatch) -> None:
    decoded: list[int] = []

    def counting(raws: list[bytes]) -> Counter[str]:
        decoded.append(len(raws))
        return accounts_of(raws)

    monkeypatch.setattr(ratelimit, "accounts_of", counting)
    app, downstream, _ = _limited(RateLimits(submissions_per_s=2, burst_s=1))
    batch = encode([_tx(ALICE), _tx(BOB)])
    assert _call(app, "POST", "/v1/txs/batch", "10.0.0.1", batch)[0] == 200
    assert decoded == [2]
    assert _call(app, "POST", "/v1/txs/batch", "10.0.0.1", batch)[0] == 429
    assert decoded == [2]  # the address had no tokens: the txs were not read for accounts
    assert len(downstream.bodies) == 1


def test_a_submission_from_an_address_with_no_token_left_is_refused_before_its_body() -> None:
    app, _, _ = _limited(RateLimits(submissions_per_s=1, burst_s=1))
    assert _call(app, "POST", "/v1/txs", "10.0.0.1", _tx(ALICE))[0] == 200
    reads: list[str] = []
    sent: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        reads.append("body")
        return {"type": "http.request", "body": _tx(BOB), "more_body": False}

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    scope = {
        "type": "http", "method": "POST", "path": "/v1/txs", "client": ("10.0.0.1", 1),
        "headers": [], "query_string": b"", "http_version": "1.1", "scheme": "http",
        "root_path": "", "raw_path": b"/v1/txs",
    }  # fmt: skip
    asyncio.run(app(scope, receive, send))
    assert sent[0]["status"] == 429
    assert reads == []
