"""Issue 13, item 11: no route shadows another, undeclared methods get 405 in the error shape,
and the OpenAPI document declares what each route can answer (F-F1)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pytest

from govchain.api.errors import STORE_CODES

if TYPE_CHECKING:
    from fastapi.testclient import TestClient

METHODS = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "TRACE")


def _spec(client: TestClient) -> dict[str, Any]:
    spec: dict[str, Any] = client.get("/openapi.json").json()
    return spec


def test_get_of_the_batch_route_is_405_not_a_malformed_hash(client: TestClient) -> None:
    answer = client.get("/v1/txs/batch")
    assert answer.status_code == 405
    assert answer.headers["allow"] == "POST"
    assert answer.json() == {
        "error": {"code": "method_not_allowed", "message": "Method Not Allowed"}
    }


def test_every_undeclared_method_of_every_path_is_405_naming_the_declared_ones(
    client: TestClient,
) -> None:
    paths = _spec(client)["paths"]
    for template, operations in paths.items():
        path = template.replace("{hash}", "ab" * 32).replace("{digest}", "ab" * 32)
        path = path.replace("{height}", "1")
        declared = {method.upper() for method in operations}
        for method in METHODS:
            if method in declared or (method == "HEAD" and "GET" in declared):
                continue
            answer = client.request(method, path)
            assert answer.status_code == 405, (method, path, answer.status_code)
            assert set(answer.headers["allow"].split(", ")) >= declared, (method, path)
            if method != "HEAD":
                assert answer.json()["error"]["code"] == "method_not_allowed", (method, path)


@pytest.mark.parametrize("path", ["/v1/txs", "/v1/txs/batch"])
def test_a_cbor_body_is_declared_binary_and_its_malformed_refusal_is_declared(
    client: TestClient, path: str
) -> None:
    operation = _spec(client)["paths"][path]["post"]
    body = operation["requestBody"]
    assert body["required"] is True
    assert "canonical CBOR" in body["description"]
    assert "refused with 400 malformed_" in body["description"]
    for media in ("application/cbor", "application/octet-stream"):
        assert body["content"][media]["schema"] == {"type": "string", "format": "binary"}
    responses = operation["responses"]
    assert "malformed_" in responses["400"]["description"]
    assert {"413", "415", "503", "500"} <= set(responses)
    assert "Retry-After" in responses["503"]["headers"]


def test_every_route_that_reads_the_store_declares_its_failures(client: TestClient) -> None:
    for path, operations in _spec(client)["paths"].items():
        for method, operation in operations.items():
            if path in ("/metrics", "/v1/events", "/v1/storage-nodes"):  # never read the store
                continue
            described = " ".join(r.get("description", "") for r in operation["responses"].values())
            for code in STORE_CODES:
                assert code in described, (method, path, code)


def test_paged_routes_document_their_limit_and_cursor(client: TestClient) -> None:
    paths = _spec(client)["paths"]
    for path in ("/v1/notary/{digest}", "/v1/evidence"):
        params = {p["name"]: p for p in paths[path]["get"]["parameters"]}
        assert {"limit", "cursor"} <= set(params)
        assert params["limit"]["schema"]["minimum"] == 1
        assert "maximum" in params["limit"]["schema"]
        assert params["cursor"]["schema"]["pattern"].startswith("^")
        assert "invalid_cursor" in paths[path]["get"]["responses"]["400"]["description"]
