"""The client SDK over a mock transport: requests it makes, answers and errors it reads (F-F1)."""

from __future__ import annotations

import json

import httpx
import pytest

from govchain.client.sdk import ApiError, CommitTimeoutError, NodeClient, NodeUnreachableError
from govchain.codec import decode
from govchain.ledger import records

from ...chain_support import ChainMaker


def _client(handler: object) -> NodeClient:
    return NodeClient("http://node.test", transport=httpx.MockTransport(handler))  # type: ignore[arg-type]


def test_submit_posts_the_canonical_tx_and_returns_its_hash() -> None:
    maker = ChainMaker.make("intl")
    tx = maker.tx(maker.keys[0], key=b"k", value=b"v")
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(202, json={"hash": records.tx_hash(maker.suite, tx).hex()})

    with _client(handler) as client:
        assert client.submit(tx) == records.tx_hash(maker.suite, tx)
    assert seen[0].url.path == "/v1/txs"
    assert seen[0].content == records.encode_tx(tx)
    assert seen[0].headers["content-type"] == "application/cbor"


def test_api_errors_keep_their_code() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(409, json={"error": {"code": "tx_replayed", "message": "seen"}})

    with _client(handler) as client, pytest.raises(ApiError) as caught:
        client.tx(b"\x01" * 32)
    assert (caught.value.status, caught.value.code) == (409, "tx_replayed")


def test_a_non_json_error_and_a_dead_node_are_typed() -> None:
    def text(request: httpx.Request) -> httpx.Response:
        return httpx.Response(502, text="bad gateway")

    def dead(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("refused", request=request)

    with _client(text) as client, pytest.raises(ApiError, match="http_error"):
        client.status()
    with _client(dead) as client, pytest.raises(NodeUnreachableError):
        client.status()


def test_wait_polls_until_committed_and_times_out_otherwise() -> None:
    answers = iter(["pending", "pending", "committed"])

    def handler(request: httpx.Request) -> httpx.Response:
        status = next(answers)
        receipt = {"format": "x"} if status == "committed" else None
        return httpx.Response(200, content=json.dumps({"status": status, "receipt": receipt}))

    with _client(handler) as client:
        result = client.wait(b"\x02" * 32, timeout_s=10)
    assert (result.status, result.receipt) == ("committed", {"format": "x"})

    def never(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, json={"status": "pending", "receipt": None})

    with _client(never) as client, pytest.raises(CommitTimeoutError):
        client.wait(b"\x03" * 32, timeout_s=0)


def test_submit_many_posts_one_cbor_array_and_reads_each_outcome() -> None:
    maker = ChainMaker.make("intl")
    txs = [maker.tx(maker.keys[0], key=f"k{i}".encode(), value=b"v") for i in range(3)]
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        results = [
            {"hash": records.tx_hash(maker.suite, txs[0]).hex()},
            {"error": {"code": "bad_signature", "message": "no"}},
            {"hash": records.tx_hash(maker.suite, txs[2]).hex()},
        ]
        return httpx.Response(200, json={"accepted": 2, "results": results})

    with _client(handler) as client:
        first, second, third = client.submit_many(txs)
    assert first == records.tx_hash(maker.suite, txs[0])
    assert isinstance(second, ApiError)
    assert second.code == "bad_signature"
    assert third == records.tx_hash(maker.suite, txs[2])
    assert seen[0].url.path == "/v1/txs/batch"
    assert decode(seen[0].content) == [records.encode_tx(tx) for tx in txs]


def test_submit_many_refuses_an_answer_that_does_not_match() -> None:
    maker = ChainMaker.make("intl")
    txs = [maker.tx(maker.keys[0], key=b"k", value=b"v")]

    def short(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, json={"accepted": 0, "results": []})

    with _client(short) as client, pytest.raises(ApiError, match="does not match"):
        client.submit_many(txs)
