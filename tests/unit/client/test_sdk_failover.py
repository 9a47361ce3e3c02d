"""A client of several nodes: requests spread over them, fail over, never double-submit unsafely.

Issue 13 item 9 (N-1, F-F1). No network: ``httpx.MockTransport`` plays the
nodes, each by its host name; a node is "down" when the handler raises the
error httpx raises for a refused, reset or timed-out connection.
"""

from __future__ import annotations

import ssl
from collections.abc import Callable

import httpx
import pytest

from govchain.client.notary import NotaryClient
from govchain.client.sdk import ApiError, NodeClient, NodeUnreachableError, UntrustedNodeError
from govchain.ledger import records
from govchain.types import Tx

from ...chain_support import ChainMaker

URLS = ("http://n0.test", "http://n1.test", "http://n2.test")
Handler = Callable[[httpx.Request], httpx.Response]


def _client(handler: Handler, start: int = 0, urls: tuple[str, ...] = URLS) -> NodeClient:
    return NodeClient(list(urls), transport=httpx.MockTransport(handler), start=start)


def _node(request: httpx.Request) -> str:
    return request.url.host.split(".")[0]


def _status(node: str) -> httpx.Response:
    return httpx.Response(200, json={"chain_id": "c", "suite": "intl", "height": 3, "node": node})


def _refused(request: httpx.Request) -> httpx.Response:
    raise httpx.ConnectError("[Errno 111] Connection refused", request=request)


def _raise(error: httpx.HTTPError) -> httpx.Response:
    raise error


def _error(status: int, code: str) -> httpx.Response:
    return httpx.Response(status, json={"error": {"code": code, "message": code}})


def test_requests_are_spread_round_robin_over_the_nodes() -> None:
    seen: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(_node(request))
        return _status(_node(request))

    with _client(handler, start=2) as client:
        answered = [client.status()["node"] for _ in range(6)]
    assert answered == ["n2", "n0", "n1", "n2", "n0", "n1"]
    assert seen == answered  # one attempt each: nobody was down


@pytest.mark.parametrize(
    "down",
    [
        _refused,
        lambda r: _raise(httpx.ReadTimeout("timed out", request=r)),
        lambda r: _raise(httpx.RemoteProtocolError("Server disconnected", request=r)),
        lambda _r: _error(503, "not_ready"),
        lambda _r: _error(503, "storage_closed"),
        lambda _r: _error(503, "busy"),
        lambda _r: _error(500, "ledger_corrupt"),
        lambda _r: httpx.Response(502, text="Bad Gateway"),
    ],
    ids=["refused", "timeout", "reset", "not_ready", "storage", "busy", "corrupt", "proxy"],
)
def test_a_node_that_is_down_is_skipped_for_the_next(down: Handler) -> None:
    seen: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(_node(request))
        return down(request) if _node(request) == "n0" else _status(_node(request))

    with _client(handler, start=0) as client:
        assert client.status()["node"] == "n1"
        assert [client.status()["node"] for _ in range(3)] == ["n1", "n2", "n1"]
    assert seen == ["n0", "n1", "n1", "n2", "n1"]  # n0 rests after failing: not asked again


@pytest.mark.parametrize(
    ("status", "code"),
    [(404, "not_found"), (400, "invalid_hex"), (503, "mempool_full")],
)
def test_an_answer_that_is_not_about_the_node_being_down_is_the_answer(
    status: int, code: str
) -> None:
    seen: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(_node(request))
        return _error(status, code)

    with _client(handler) as client, pytest.raises(ApiError) as caught:
        client.block(7)
    assert (caught.value.status, caught.value.code) == (status, code)
    assert seen == ["n0"]


def test_when_every_node_is_down_each_failure_is_named() -> None:
    with _client(_refused) as client, pytest.raises(NodeUnreachableError) as caught:
        client.status()
    message = str(caught.value)
    assert message.startswith("no node answered: ")
    assert all(f"{url}/v1/status: [Errno 111] Connection refused" in message for url in URLS)
    assert "\n" not in message


def test_when_every_node_refuses_the_last_refusal_is_raised() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return _refused(request) if _node(request) == "n0" else _error(503, "not_ready")

    with _client(handler) as client, pytest.raises(ApiError) as caught:
        client.status()
    assert (caught.value.status, caught.value.code) == (503, "not_ready")


def test_a_single_node_client_is_unchanged() -> None:
    seen: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(str(request.url))
        return _refused(request)

    with _client(handler, urls=("http://n0.test:8600/",)) as client:
        assert client.base_url == "http://n0.test:8600"
        with pytest.raises(NodeUnreachableError) as caught:
            client.status()
    assert str(caught.value) == "http://n0.test:8600/v1/status: [Errno 111] Connection refused"
    assert seen == ["http://n0.test:8600/v1/status"]


def test_an_untrusted_certificate_stops_the_client_at_once() -> None:
    seen: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(_node(request))
        refused = ssl.SSLCertVerificationError(1, "certificate verify failed")
        refused.verify_message = "unable to get local issuer certificate"
        raise httpx.ConnectError("[SSL: CERTIFICATE_VERIFY_FAILED]", request=request) from refused

    https = tuple(url.replace("http:", "https:") for url in URLS)
    with _client(handler, urls=https) as client, pytest.raises(UntrustedNodeError) as caught:
        client.status()
    assert str(caught.value) == (
        "the certificate of https://n0.test is not trusted by the system's CAs: "
        "unable to get local issuer certificate"
    )
    assert caught.value.ca_bundle is None
    assert seen == ["n0"]  # not a node being down: the next one is not tried


def _anchor_tx() -> tuple[ChainMaker, Tx, bytes]:
    maker = ChainMaker.make("intl")
    tx = maker.tx(maker.keys[0], key=b"k", value=b"v")
    return maker, tx, records.tx_hash(maker.suite, tx)


def _submissions(first: Handler, second: Handler) -> tuple[Handler, list[str]]:
    """n0 answers submissions with ``first``, n1 with ``second``; status from anyone."""
    seen: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/v1/status":
            return _status(_node(request))
        seen.append(_node(request))
        return first(request) if _node(request) == "n0" else second(request)

    return handler, seen


def _timed_out(request: httpx.Request) -> httpx.Response:
    raise httpx.ReadTimeout("timed out", request=request)  # sent: n0 may have it


def _replayed(request: httpx.Request) -> httpx.Response:
    return _error(409, "tx_replayed")


def test_a_submission_resent_after_a_lost_answer_takes_tx_replayed_as_success() -> None:
    _maker, tx, tx_hash = _anchor_tx()
    handler, seen = _submissions(_timed_out, _replayed)
    with _client(handler) as client:
        assert client.submit(tx) == tx_hash
    assert seen == ["n0", "n1"]


def test_a_submission_resent_after_a_lost_answer_may_be_admitted_again() -> None:
    _maker, tx, tx_hash = _anchor_tx()

    def admitted(request: httpx.Request) -> httpx.Response:
        assert request.content == records.encode_tx(tx)  # the very same signed tx
        return httpx.Response(202, json={"hash": tx_hash.hex()})

    handler, seen = _submissions(_timed_out, admitted)
    with _client(handler) as client:
        assert client.submit(tx) == tx_hash
    assert seen == ["n0", "n1"]


def test_tx_replayed_without_an_earlier_attempt_is_still_an_error() -> None:
    _maker, tx, _tx_hash = _anchor_tx()
    handler, seen = _submissions(_refused, _replayed)  # refused: n0 never got it
    with _client(handler) as client, pytest.raises(ApiError, match="tx_replayed"):
        client.submit(tx)
    handler, seen = _submissions(_replayed, _replayed)
    with _client(handler) as client, pytest.raises(ApiError, match="tx_replayed"):
        client.submit(tx)
    assert seen == ["n0"]


def test_a_batch_resent_after_a_lost_answer_counts_replayed_txs_as_submitted() -> None:
    maker = ChainMaker.make("intl")
    txs = [maker.tx(maker.keys[0], key=f"k{i}".encode(), value=b"v") for i in range(3)]
    hashes = [records.tx_hash(maker.suite, tx) for tx in txs]

    def partly(request: httpx.Request) -> httpx.Response:
        results = [
            {"error": {"code": "tx_replayed", "message": "pending"}},
            {"hash": hashes[1].hex()},
            {"error": {"code": "bad_signature", "message": "no"}},
        ]
        return httpx.Response(200, json={"accepted": 1, "results": results})

    handler, seen = _submissions(_timed_out, partly)
    with _client(handler) as client:
        first, second, third = client.submit_many(txs)
    assert (first, second) == (hashes[0], hashes[1])
    assert isinstance(third, ApiError)
    assert third.code == "bad_signature"
    assert seen == ["n0", "n1"]


def test_notarize_flow_over_three_nodes_with_one_down() -> None:
    maker, _tx, _hash = _anchor_tx()
    submitted: list[bytes] = []

    def handler(request: httpx.Request) -> httpx.Response:
        if _node(request) == "n1":
            return _refused(request)
        if request.url.path == "/v1/status":
            return _status(_node(request))
        if request.url.path == "/v1/txs":
            submitted.append(request.content)
            tx = records.decode_tx(request.content)
            return httpx.Response(202, json={"hash": records.tx_hash(maker.suite, tx).hex()})
        return httpx.Response(200, json={"status": "committed", "receipt": {"format": "x"}})

    with _client(handler, start=1) as client:
        notary = NotaryClient(client)
        for _ in range(4):
            _tx_sent, tx_hash = notary.anchor(maker.keys[0], b"\x07" * 32)
            assert client.wait(tx_hash, timeout_s=5).status == "committed"
    assert len(submitted) == 4  # each anchoring sent once


def test_a_proxy_error_page_behind_every_node_is_one_line() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(502, text="<html>\n<body>\n  Bad Gateway\n</body>\n</html>\n")

    with _client(handler) as client, pytest.raises(ApiError) as caught:
        client.status()
    assert (caught.value.status, caught.value.code) == (502, "http_error")
    assert str(caught.value) == "<html> <body> Bad Gateway </body> </html> (HTTP 502, http_error)"


def _limited(retry_after: int) -> httpx.Response:
    return httpx.Response(
        429,
        json={"error": {"code": "rate_limited", "message": "too many requests"}},
        headers={"Retry-After": str(retry_after)},
    )


def test_a_rate_limited_node_is_left_for_the_next_one_without_waiting() -> None:
    slept: list[float] = []

    def handler(request: httpx.Request) -> httpx.Response:
        node = _node(request)
        return _limited(3) if node == "n0" else _status(node)

    client = NodeClient(
        list(URLS), transport=httpx.MockTransport(handler), start=0, sleep=slept.append
    )
    with client:
        assert client.status()["node"] == "n1"
    assert slept == []


def test_when_every_node_is_rate_limited_the_client_waits_as_asked_then_goes_on() -> None:
    slept: list[float] = []
    answers = iter([_limited(2), _limited(1), _status("n0")])

    def handler(_request: httpx.Request) -> httpx.Response:
        return next(answers)

    client = NodeClient(
        ["http://n0.test"], transport=httpx.MockTransport(handler), sleep=slept.append
    )
    with client:
        assert client.status()["node"] == "n0"
    assert slept == [2, 1]


def test_a_client_waits_for_rate_limits_no_longer_than_it_was_allowed() -> None:
    slept: list[float] = []

    def handler(_request: httpx.Request) -> httpx.Response:
        return _limited(4)

    client = NodeClient(
        ["http://n0.test"],
        transport=httpx.MockTransport(handler),
        sleep=slept.append,
        rate_limit_wait_s=10,
    )
    with client, pytest.raises(ApiError) as caught:
        client.status()
    assert (caught.value.status, caught.value.code, caught.value.retry_after_s) == (
        429,
        "rate_limited",
        4,
    )
    assert slept == [4, 4]  # a third wait would pass 10 s
