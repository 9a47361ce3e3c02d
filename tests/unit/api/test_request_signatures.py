"""Signed reads on the API (issue 14 item 5, F-F1): a route that needs a signed reader answers
each refusal with 401 and its own code, refuses replays, and is 503 ``busy`` when full.

No ``from __future__ import annotations`` here: FastAPI reads the route's annotations at run
time, and ``Depends(self.signed)`` names a closure local (as in ``api/routes/events.py``).
"""

import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Annotated

import pytest
from fastapi import Depends, FastAPI
from starlette.exceptions import StarletteDeprecationWarning

from govchain.api.access_log import AccessLogMiddleware
from govchain.api.errors import install_error_handlers
from govchain.api.request_signatures import (
    SIGNED_READ_CODES,
    SIGNED_READ_RESPONSES,
    NonceCache,
    SignatureRefusedError,
    SignedReadLimits,
    SignedReads,
)
from govchain.client.request_signing import RequestSigner
from govchain.crypto import CryptoSuite, SigningKey, suite_for
from govchain.ledger.records import address_of
from govchain.storage.access_log import AccessLog, read_access_log
from govchain.types.errors import ValidationError

with warnings.catch_warnings():  # as in conftest.py: Starlette's notice about httpx2
    warnings.filterwarnings(
        "ignore",
        message=r"Using `httpx` with `starlette.testclient`",
        category=StarletteDeprecationWarning,
    )
    from fastapi.testclient import TestClient

NOW = 1_767_225_600
BASE = "http://testserver"


class Clock:
    """The node's wall clock, moved by the test."""

    def __init__(self) -> None:
        self.now = float(NOW)

    def __call__(self) -> float:
        return self.now


class Node:
    """A tiny app with one route that needs a signed reader, over a registry of accounts."""

    def __init__(self, suite: CryptoSuite, limits: SignedReadLimits | None = None) -> None:
        self.suite = suite
        self.accounts: dict[bytes, bytes] = {}
        self.clock = Clock()
        self.signed = SignedReads(suite, self.accounts.get, limits=limits, clock=self.clock)
        app = FastAPI()
        install_error_handlers(app)

        @app.get("/v1/reads/{name}", responses={**SIGNED_READ_RESPONSES})
        async def read(name: str, reader: Annotated[bytes, Depends(self.signed)]) -> dict[str, str]:
            return {"name": name, "reader": reader.hex()}

        @app.post("/v1/reads/{name}", responses={**SIGNED_READ_RESPONSES})
        async def read_with_body(
            name: str, reader: Annotated[bytes, Depends(self.signed)]
        ) -> dict[str, str]:
            return {"name": name, "reader": reader.hex()}

        self.app = app

    def register(self, key: SigningKey) -> bytes:
        address = address_of(self.suite, key.public_key)
        self.accounts[address] = key.public_key
        return address


@pytest.fixture(params=["gm", "intl"])
def suite(request: pytest.FixtureRequest) -> CryptoSuite:
    return suite_for(request.param)


@pytest.fixture
def node(suite: CryptoSuite) -> Node:
    return Node(suite)


@pytest.fixture
def http(node: Node) -> Iterator[TestClient]:
    with TestClient(node.app, raise_server_exceptions=False) as client:
        yield client


def signer(node: Node, key: SigningKey | None = None, **options: object) -> RequestSigner:
    key = key or node.suite.generate_key()
    return RequestSigner(key, suite=node.suite, clock=lambda: NOW, **options)  # type: ignore[arg-type]


def code_of(response: object) -> str:
    body = response.json()  # type: ignore[attr-defined]
    assert set(body) == {"error"}, body
    assert set(body["error"]) == {"code", "message"}, body
    return str(body["error"]["code"])


def test_a_signed_read_names_its_reader(node: Node, http: TestClient) -> None:
    reader = signer(node)
    address = node.register(reader.key)
    url = f"{BASE}/v1/reads/%41lice?height=7&x=%20"  # signed as sent: percent-encoded
    response = http.get(url, headers=reader.headers("GET", url))
    assert response.status_code == 200, response.text
    assert response.json() == {"name": "Alice", "reader": address.hex()}


def test_a_signed_body_is_checked_against_its_digest(node: Node, http: TestClient) -> None:
    reader = signer(node)
    node.register(reader.key)
    url = f"{BASE}/v1/reads/alice"
    headers = reader.headers("POST", url, b'{"why": "audit"}')
    assert "Content-Digest" in headers
    assert http.post(url, content=b'{"why": "audit"}', headers=headers).status_code == 200
    headers = reader.headers("POST", url, b'{"why": "audit"}')
    tampered = http.post(url, content=b'{"why": "fraud"}', headers=headers)
    assert (tampered.status_code, code_of(tampered)) == (401, "signature_invalid")


def test_each_refusal_has_its_code(node: Node, http: TestClient) -> None:
    reader = signer(node)
    node.register(reader.key)
    url = f"{BASE}/v1/reads/alice?height=7"

    def refused(headers: dict[str, str], target: str = url, method: str = "GET") -> str:
        response = http.request(method, target, headers=headers)
        assert response.status_code == 401, response.text
        return code_of(response)

    assert refused({}) == "signature_required"
    assert refused({"Signature-Input": "govchain=(", "Signature": "govchain=:AA==:"}) == (
        "signature_malformed"
    )
    stranger = signer(node)
    assert refused(stranger.headers("GET", url)) == "unknown_signer"
    assert refused(signer(node, reader.key, tag="govchain-write").headers("GET", url)) == (
        "signature_tag_mismatch"
    )
    other_suite = "intl" if node.suite.name == "gm" else "gm"
    foreign = RequestSigner(suite_for(other_suite).generate_key(), clock=lambda: NOW)
    assert refused(foreign.headers("GET", url)) == "signature_algorithm_mismatch"
    assert refused(reader.headers("GET", url), f"{BASE}/v1/reads/bob?height=7") == (
        "signature_invalid"
    )
    assert refused(reader.headers("GET", url), f"{BASE}/v1/reads/alice?height=8") == (
        "signature_invalid"
    )
    assert refused(reader.headers("GET", url), method="POST") == "signature_invalid"
    assert refused(reader.headers("GET", url.replace("testserver", "node2"))) == (
        "signature_invalid"
    )
    headers = reader.headers("GET", url)
    node.clock.now = NOW + 301
    assert refused(headers) == "signature_expired"
    node.clock.now = NOW - 301
    assert refused(headers) == "signature_expired"
    node.clock.now = NOW
    assert http.get(url, headers=headers).status_code == 200
    assert refused(headers) == "signature_replayed"


def test_every_code_is_a_401_in_openapi(node: Node, http: TestClient) -> None:
    answers = http.get("/openapi.json").json()["paths"]["/v1/reads/{name}"]["get"]["responses"]
    assert "401" in answers
    for code in SIGNED_READ_CODES:
        assert code in answers["401"]["description"]
        assert SignatureRefusedError(code, "x").status_code == 401


def test_a_full_nonce_cache_is_busy_not_forgetful(suite: CryptoSuite) -> None:
    node = Node(suite, SignedReadLimits(window_s=60, nonce_capacity=2))
    reader = signer(node)
    node.register(reader.key)
    url = f"{BASE}/v1/reads/alice"
    with TestClient(node.app, raise_server_exceptions=False) as http:
        first = reader.headers("GET", url)
        assert http.get(url, headers=first).status_code == 200
        assert http.get(url, headers=reader.headers("GET", url)).status_code == 200
        full = http.get(url, headers=reader.headers("GET", url))
        assert (full.status_code, code_of(full)) == (503, "busy")
        assert full.headers["retry-after"] == "1"
        again = http.get(url, headers=first)  # still remembered, so still a replay
        assert (again.status_code, code_of(again)) == (401, "signature_replayed")
        node.clock.now = NOW + 61  # the first two nonces' time is up: they make room
        late = RequestSigner(reader.key, suite=suite, clock=lambda: NOW + 61)
        assert http.get(url, headers=late.headers("GET", url)).status_code == 200
        assert len(node.signed.nonces) == 1


def test_a_chunked_body_without_length_is_refused(node: Node, http: TestClient) -> None:
    reader = signer(node)
    node.register(reader.key)
    url = f"{BASE}/v1/reads/alice"
    headers = reader.headers("POST", url, b"data")

    def chunks() -> Iterator[bytes]:
        yield b"data"

    response = http.post(url, content=chunks(), headers=headers)
    assert (response.status_code, code_of(response)) == (413, "body_too_large")


def test_a_body_over_the_limit_is_refused_unread(suite: CryptoSuite) -> None:
    node = Node(suite, SignedReadLimits(max_body_bytes=8))
    reader = signer(node)
    node.register(reader.key)
    url = f"{BASE}/v1/reads/alice"
    with TestClient(node.app, raise_server_exceptions=False) as http:
        response = http.post(url, content=b"123456789", headers=reader.headers("POST", url, b"x"))
        assert (response.status_code, code_of(response)) == (413, "body_too_large")


def test_nonce_cache_forgets_the_soonest_expired_first() -> None:
    cache = NonceCache(capacity=3)
    cache.admit(b"a", remember_until=10, now=0)
    cache.admit(b"b", remember_until=30, now=0)
    cache.admit(b"c", remember_until=20, now=0)
    with pytest.raises(Exception, match="try again") as busy:
        cache.admit(b"d", remember_until=40, now=10)  # "a" lives through second 10
    assert getattr(busy.value, "code", None) == "busy"
    cache.admit(b"d", remember_until=40, now=11)  # "a" is forgotten, "b" and "c" stay
    assert len(cache) == 3
    for live in (b"b", b"c", b"d"):
        with pytest.raises(SignatureRefusedError, match="used already"):
            cache.admit(live, remember_until=50, now=11)
    cache.admit(b"a", remember_until=50, now=21)  # "c" goes, room for "a" again


def test_limits_are_checked() -> None:
    for limits in (
        SignedReadLimits(window_s=0),
        SignedReadLimits(nonce_capacity=0),
        SignedReadLimits(max_body_bytes=-1),
    ):
        with pytest.raises(ValidationError):
            SignedReads(suite_for("intl"), {}.get, limits=limits)


def test_the_access_log_names_the_signer_of_a_signed_read_f_e2(node: Node, tmp_path: Path) -> None:
    path = tmp_path / "access.log"
    node.app.add_middleware(AccessLogMiddleware, log=AccessLog(path, node.suite.hash))
    reader = signer(node)
    address = node.register(reader.key)
    url = f"{BASE}/v1/reads/a"
    with TestClient(node.app, raise_server_exceptions=False) as http:
        assert http.get(url, headers=reader.headers("GET", url)).status_code == 200
        assert http.get(url).status_code == 401
    entries = list(read_access_log(path))
    assert [(e["signer"], e["status"], e["kind"]) for e in entries] == [
        (address.hex(), 200, "access"),
        ("", 401, "security"),
    ]
