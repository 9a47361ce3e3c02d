"""The SDK signs its reads (issue 14 item 5): RequestSigner's fields, and a NodeClient with a
signing key whose GETs a node's signed-read check accepts."""

from __future__ import annotations

import dataclasses
import time
import warnings

import httpx
import pytest
from starlette.exceptions import StarletteDeprecationWarning

from govchain.client.request_signing import RequestSigner, SignedReadAuth
from govchain.client.sdk import ApiError, NodeClient
from govchain.crypto import CryptoSuite, suite_for
from govchain.crypto.httpsig import RequestView, received_signatures, verify_request
from govchain.ledger.records import address_of

from ..api.test_request_signatures import Node

with warnings.catch_warnings():  # as in tests/unit/api/conftest.py
    warnings.filterwarnings(
        "ignore",
        message=r"Using `httpx` with `starlette.testclient`",
        category=StarletteDeprecationWarning,
    )
    from fastapi.testclient import TestClient

NOW = 1_767_225_600


@pytest.fixture(params=["gm", "intl"])
def suite(request: pytest.FixtureRequest) -> CryptoSuite:
    return suite_for(request.param)


def test_signer_names_its_account_and_signs_what_is_sent(suite: CryptoSuite) -> None:
    key = suite.generate_key()
    signer = RequestSigner(key, clock=lambda: NOW, random_bytes=lambda n: b"\x07" * n)
    assert signer.address == address_of(suite, key.public_key)
    headers = signer.headers("GET", "http://Node1.Example.gov:80/v1/a%2Fb?q=1&r=%20")
    assert set(headers) == {"Signature-Input", "Signature"}
    (received,) = received_signatures(headers["Signature-Input"], headers["Signature"])
    assert received.param("keyid") == signer.address.hex()
    assert received.param("created") == NOW
    # what a node behind that URL sees: the Host without the default port, the raw path
    seen = RequestView("GET", "node1.example.gov", "/v1/a%2Fb", "q=1&r=%20")
    fields = (headers["Signature-Input"], headers["Signature"])
    known = {signer.address: key.public_key}
    assert verify_request(suite, seen, b"", fields, known.get, now=NOW).address == signer.address
    with_port = dataclasses.replace(seen, authority="node1.example.gov:80")
    with pytest.raises(Exception, match="does not verify"):
        verify_request(suite, with_port, b"", fields, known.get, now=NOW)


def test_each_request_gets_a_fresh_nonce(suite: CryptoSuite) -> None:
    signer = RequestSigner(suite.generate_key())
    first = signer.headers("GET", "http://127.0.0.1:26601/v1/x")
    second = signer.headers("GET", "http://127.0.0.1:26601/v1/x")
    nonces = [
        received_signatures(h["Signature-Input"], h["Signature"])[0].param("nonce")
        for h in (first, second)
    ]
    assert nonces[0] != nonces[1]


def test_the_auth_signs_gets_only(suite: CryptoSuite) -> None:
    seen: list[httpx.Request] = []

    def answer(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, json={})

    auth = SignedReadAuth(RequestSigner(suite.generate_key()))
    with httpx.Client(transport=httpx.MockTransport(answer), auth=auth) as http:
        http.get("http://127.0.0.1:26601/v1/status")
        http.post("http://127.0.0.1:26601/v1/txs", content=b"\xa0")
    assert "signature-input" in seen[0].headers
    assert "signature" in seen[0].headers
    assert "signature-input" not in seen[1].headers


def test_a_node_client_with_a_key_reads_protected_data(suite: CryptoSuite) -> None:
    node = Node(suite)
    key = suite.generate_key()
    address = node.register(key)
    node.clock.now = time.time()  # the SDK signs with the real clock
    with TestClient(node.app, raise_server_exceptions=False) as app:

        def forward(request: httpx.Request) -> httpx.Response:
            return app.request(
                request.method, str(request.url), headers=request.headers, content=request.content
            )

        transport = httpx.MockTransport(forward)
        with NodeClient("http://testserver", transport=transport, signing_key=key) as client:
            answer = client.get_json("/v1/reads/alice", {"height": 7})
            assert answer == {"name": "alice", "reader": address.hex()}
            again = client.get_json("/v1/reads/alice", {"height": 7})  # a new nonce each time
            assert again == answer
        with NodeClient("http://testserver", transport=transport) as anonymous:
            with pytest.raises(ApiError) as refused:
                anonymous.get_json("/v1/reads/alice")
            assert (refused.value.status, refused.value.code) == (401, "signature_required")
