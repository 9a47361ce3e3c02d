"""Server-sent events, Prometheus metrics, and the OpenAPI documents."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

import pytest
from prometheus_client import CollectorRegistry
from prometheus_client.parser import text_string_to_metric_families

from govchain.api import create_app
from govchain.api.metrics import COMMIT_LATENCY_BUCKETS_S
from govchain.api.routes import events as events_route
from govchain.node.services import service_routes

from .fake_node import FakeNode

if TYPE_CHECKING:
    from fastapi.testclient import TestClient

    from .conftest import MakeClient

BLOCK_EVENT = {"type": "block", "height": 4, "hash": "ab" * 32, "txs": 2}
TX_EVENT = {"type": "tx.result", "hash": "cd" * 32, "status": "committed"}


def _read_events(client: TestClient, count: int) -> list[tuple[str, str]]:
    """Open the stream, read ``count`` events, then go away."""
    events: list[tuple[str, str]] = []
    with client.stream("GET", "/v1/events") as answer:
        assert answer.status_code == 200
        assert answer.headers["content-type"].startswith("text/event-stream")
        kind = ""
        for line in answer.iter_lines():
            if line.startswith("event: "):
                kind = line.removeprefix("event: ")
            elif line.startswith("data: "):
                events.append((kind, line.removeprefix("data: ")))
                if len(events) == count:
                    break
    return events


def test_events_stream_as_sse_until_the_client_goes_away(
    client: TestClient, node: FakeNode, caplog: pytest.LogCaptureFixture
) -> None:
    node.events = [BLOCK_EVENT, TX_EVENT]
    with caplog.at_level(logging.INFO):
        events = _read_events(client, 2)
    assert events == [
        ("block", '{"type":"block","height":4,"hash":"' + "ab" * 32 + '","txs":2}'),
        ("tx.result", '{"type":"tx.result","hash":"' + "cd" * 32 + '","status":"committed"}'),
    ]
    # the stream stayed open after two events; leaving closed the node's subscription
    assert (node.subscriptions_open, node.subscriptions_closed) == (1, 1)
    assert not [r for r in caplog.records if r.levelno >= logging.WARNING]


def test_the_events_that_wait_go_out_in_one_chunk(client: TestClient, node: FakeNode) -> None:
    node.events = [BLOCK_EVENT, TX_EVENT, TX_EVENT]
    with client.stream("GET", "/v1/events") as answer:
        chunk = next(answer.iter_bytes())
    assert chunk.count(b"\n\n") == 3
    assert chunk.startswith(b"event: block\ndata: {")
    assert chunk.count(b"event: tx.result\n") == 2


def test_a_quiet_stream_sends_a_keep_alive_comment(
    client: TestClient, node: FakeNode, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(events_route, "KEEPALIVE_S", 0.05)
    node.events = []
    with client.stream("GET", "/v1/events") as answer:
        assert next(answer.iter_lines()) == ": ping"
    assert (node.subscriptions_open, node.subscriptions_closed) == (1, 1)


def test_events_that_cannot_be_sent_are_dropped_and_the_stream_goes_on(
    client: TestClient, node: FakeNode
) -> None:
    node.events = [
        {"type": "block\nevent: forged"},
        {"height": 5},
        {"type": "block", "raw": b"\x00"},
        {"type": "block", "height": 6},
    ]
    assert _read_events(client, 1) == [("block", '{"type":"block","height":6}')]


def test_open_event_streams_are_bounded_by_the_node(client: TestClient, node: FakeNode) -> None:
    node.events = [BLOCK_EVENT]
    node.max_streams = 1
    with client.stream("GET", "/v1/events") as first:
        next(first.iter_lines())
        second = client.get("/v1/events")
        assert second.status_code == 503
        assert second.json()["error"]["code"] == "too_many_streams"
    assert len(_read_events(client, 1)) == 1  # the slot is free again


def _samples(client: TestClient) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    answer = client.get("/metrics")
    assert answer.status_code == 200
    assert answer.headers["content-type"].startswith("text/plain")
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(answer.text)
        for sample in family.samples
    }


def test_metrics_expose_what_the_node_records(client: TestClient, node: FakeNode) -> None:
    node.metrics.block_committed(height=4, tx_count=3, latency_s=0.8)
    node.metrics.mempool_txs.set(12)
    node.metrics.peers.set(3)
    node.metrics.consensus_round.set(1)
    samples = _samples(client)
    assert samples[("govchain_height", ())] == 4
    assert samples[("govchain_txs_committed_total", ())] == 3
    assert samples[("govchain_mempool_txs", ())] == 12
    assert samples[("govchain_peers", ())] == 3
    assert samples[("govchain_consensus_round", ())] == 1
    compact = {"sent": 5, "rebuilt": 4, "requested": 1, "answered": 0}
    node.metrics.watch_compact(compact.__getitem__)
    samples = _samples(client)
    for outcome, count in compact.items():
        assert samples[("govchain_compact_proposals", (("outcome", outcome),))] == count
    node.metrics.watch_decisions(lambda: 7, lambda: 2)
    samples = _samples(client)
    assert samples[("govchain_decisions_received", (("outcome", "received"),))] == 7
    assert samples[("govchain_decisions_received", (("outcome", "stale"),))] == 2
    assert samples[("govchain_commit_latency_seconds_count", ())] == 1
    buckets = {
        float(labels[0][1]): value
        for (name, labels), value in samples.items()
        if name == "govchain_commit_latency_seconds_bucket"
    }
    assert set(buckets) == {*COMMIT_LATENCY_BUCKETS_S, float("inf")}
    assert (buckets[0.5], buckets[1.0]) == (0, 1)


def test_api_requests_are_counted_by_route_template_and_status(
    client: TestClient, node: FakeNode
) -> None:
    tx_hash = node.chain.tx_hashes[0].hex()
    client.get(f"/v1/txs/{tx_hash}")
    client.get(f"/v1/txs/{tx_hash}")
    client.get("/v1/txs/not-hex")
    client.get("/v1/nothing")
    samples = _samples(client)

    def count(route: str, status: str) -> float:
        return samples.get(
            ("govchain_api_requests_total", (("route", route), ("status", status))), 0
        )

    assert count("/v1/txs/{hash}", "200") == 2
    assert count("/v1/txs/{hash}", "400") == 1
    assert count("unmatched", "404") == 1
    assert not any(tx_hash in dict(labels).get("route", "") for _, labels in samples)


def test_metrics_are_built_on_the_service_registry_when_not_given(
    make_client: MakeClient, node: FakeNode
) -> None:
    node.metrics_registry = CollectorRegistry()
    client = make_client(create_app(node, service_routes=service_routes()))
    client.get("/v1/status")
    assert (
        _samples(client)[
            ("govchain_api_requests_total", (("route", "/v1/status"), ("status", "200")))
        ]
        == 1
    )


def _openapi(client: TestClient) -> dict[str, Any]:
    answer = client.get("/openapi.json")
    assert answer.status_code == 200
    spec: dict[str, Any] = answer.json()
    return spec


def test_docs_and_the_openapi_schema_are_served(client: TestClient) -> None:
    docs = client.get("/docs")
    assert docs.status_code == 200
    assert "swagger-ui" in docs.text
    assert "/openapi.json" in docs.text
    # every asset the page loads comes from this node: no CDN on an air-gapped network
    assert "cdn." not in docs.text
    for asset in ("swagger-ui-bundle.js", "swagger-ui.css"):
        assert f"/docs/assets/{asset}" in docs.text
        assert client.get(f"/docs/assets/{asset}").status_code == 200
    paths = _openapi(client)["paths"]
    assert {path: sorted(ops) for path, ops in paths.items()} == {
        "/v1/txs": ["post"],
        "/v1/txs/batch": ["post"],
        "/v1/txs/{hash}": ["get"],
        "/v1/blocks/latest": ["get"],
        "/v1/blocks/{height}": ["get"],
        "/v1/registry/members": ["get"],
        "/v1/registry/members/{code}": ["get"],
        "/v1/registry/nodes": ["get"],
        "/v1/registry/subjects/{address}": ["get"],
        "/v1/accounts/{address}": ["get"],
        "/v1/certificates/expiring": ["get"],
        "/v1/gov/proposals": ["get"],
        "/v1/gov/proposals/{proposal_id}": ["get"],
        "/v1/policies": ["get"],
        "/v1/notary/{digest}": ["get"],
        "/v1/evidence": ["get"],
        "/v1/asset-types/{code}": ["get"],
        "/v1/assets/{ref}": ["get"],
        "/v1/lockers/{address}": ["get"],
        "/v1/lockers/{address}/key": ["get"],
        "/v1/grants/{record_id}": ["get"],
        "/v1/cases/{case_id}": ["get"],
        "/v1/cases/{case_id}/steps/{step}": ["get"],
        "/v1/matters": ["get"],
        "/v1/matters/{code}": ["get"],
        "/v1/cases/{case_id}/timeline": ["get"],
        "/v1/processes": ["get"],
        "/v1/processes/{code}": ["get"],
        "/v1/processes/{code}/stats": ["get"],
        "/v1/regulators": ["get"],
        "/v1/regulators/{address}": ["get"],
        "/v1/supervision/reads/{use_tx}": ["get"],
        "/v1/accounts/{address}/usage": ["get"],
        "/v1/usage/{tx_hash}": ["get"],
        "/v1/assets/{ref}/usage": ["get"],
        "/v1/grants/to/{address}": ["get"],
        "/v1/grants/requests/{address}": ["get"],
        "/v1/messages/notices/{message_hash}": ["get"],
        "/v1/contracts": ["get"],
        "/v1/contracts/params": ["get"],
        "/v1/contracts/{contract}": ["get"],
        "/v1/contracts/{contract}/history": ["get"],
        "/v1/status": ["get"],
        "/v1/storage-nodes": ["get"],
        "/v1/events": ["get"],
        "/metrics": ["get"],
    }


def test_the_openapi_schema_names_each_answer_model(client: TestClient) -> None:
    spec = _openapi(client)
    models = {
        ("/v1/txs", "post", "202"): "TxAccepted",
        ("/v1/txs/batch", "post", "200"): "TxBatchAccepted",
        ("/v1/txs/{hash}", "get", "200"): "TxStatusResponse",
        ("/v1/blocks/latest", "get", "200"): "BlockResponse",
        ("/v1/blocks/{height}", "get", "200"): "BlockResponse",
        ("/v1/notary/{digest}", "get", "200"): "NotaryLookupResponse",
        ("/v1/evidence", "get", "200"): "EvidenceListResponse",
        ("/v1/assets/{ref}", "get", "200"): "AssetResponse",
        ("/v1/lockers/{address}", "get", "200"): "LockerResponse",
        ("/v1/status", "get", "200"): "NodeStatus",
        ("/v1/supervision/reads/{use_tx}", "get", "200"): "ScopedReadResponse",
        ("/v1/contracts/{contract}", "get", "200"): "ContractResponse",
        ("/v1/contracts/{contract}/history", "get", "200"): "HistoryResponse",
    }
    for (path, method, status), model in models.items():
        responses = spec["paths"][path][method]["responses"]
        ref = responses[status]["content"]["application/json"]["schema"]["$ref"]
        assert ref == f"#/components/schemas/{model}", path
        for code, answer in responses.items():
            if code.startswith(("4", "5")):
                schema = answer["content"]["application/json"]["schema"]
                assert schema["$ref"] == "#/components/schemas/ErrorResponse", (path, code)
    # FastAPI's own 422 shape is never promised: errors all have one shape
    assert "HTTPValidationError" not in spec["components"]["schemas"]
    body = spec["paths"]["/v1/txs"]["post"]["requestBody"]
    assert sorted(body["content"]) == ["application/cbor", "application/octet-stream"]
    events = spec["paths"]["/v1/events"]["get"]["responses"]["200"]["content"]
    assert list(events) == ["text/event-stream"]
    hash_param = spec["paths"]["/v1/txs/{hash}"]["get"]["parameters"][0]
    assert hash_param["schema"]["pattern"] == "^[0-9a-fA-F]{64}$"
