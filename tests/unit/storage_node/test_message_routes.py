"""The storage node's message routes (docs/spec/messages.md, "Storage node routes"; F-C6).

Real signatures, real sealing, a fake chain of proven accounts, a real
inbox store. Only the recipient reads its inbox and sends its read receipt;
oversize, malformed, unsigned and too frequent posts are refused with their
codes and store nothing; the stream sends each message once, live and after
a reconnect with ``Last-Event-ID``.
"""

from __future__ import annotations

import asyncio
import json
import time
import warnings
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from prometheus_client import CollectorRegistry
from starlette.exceptions import StarletteDeprecationWarning

from govchain.client.locker_keys import new_locker
from govchain.client.message_crypto import (
    MESSAGE_MAX,
    MessagePlaintext,
    keyed_message_id,
    open_message,
    seal_message,
)
from govchain.client.request_signing import RequestSigner
from govchain.crypto import SigningKey, suite_for
from govchain.crypto.envelopes import LockerKey
from govchain.ledger.records import address_of
from govchain.storage_node.app import BlobService, create_storage_app
from govchain.storage_node.inbox import INBOX_DB, InboxStore
from govchain.storage_node.message_routes import InboxSignals, MessageService, _events
from govchain.storage_node.metrics import StorageMetrics
from tests.unit.storage_node.fakes import ISSUER, FakeChain, MemoryBlobs

with warnings.catch_warnings():  # as tests/unit/api/conftest.py: httpx, not httpx2, is pinned
    warnings.filterwarnings(
        "ignore",
        message=r"Using `httpx` with `starlette.testclient`",
        category=StarletteDeprecationWarning,
    )
    from fastapi.testclient import TestClient

SUITE = suite_for("gm")
BASE = "http://testserver"


class Clock:
    def __init__(self) -> None:
        self.now = time.time()  # the signatures are made with the real clock

    def __call__(self) -> float:
        return self.now


@dataclass
class Node:
    client: TestClient
    service: MessageService
    clock: Clock
    alice: SigningKey
    bob: SigningKey
    platform: SigningKey
    bob_locker: LockerKey
    bob_public: bytes

    def sealed(self, text: str, sender: SigningKey | None = None) -> bytes:
        plaintext = MessagePlaintext(
            address(sender or self.alice), address(self.bob), "text", "", text.encode(), 1
        )
        return seal_message(SUITE, self.bob_public, plaintext)

    def post(
        self, key: SigningKey | None, body: bytes, to: SigningKey | None = None, **headers: str
    ) -> object:
        fields = {"Govchain-Recipient": address(to or self.bob).hex(), **headers}
        if key is not None:
            fields.update(signed(key, "POST", "/v1/messages", body))
        return self.client.post("/v1/messages", content=body, headers=fields)

    def get(self, key: SigningKey | None, path: str, **headers: str) -> object:
        fields = {**headers, **({} if key is None else signed(key, "GET", path))}
        return self.client.get(path, headers=fields)

    def mark_read(self, key: SigningKey, message: str) -> object:
        path = f"/v1/messages/{message}/read"
        return self.client.post(path, headers=signed(key, "POST", path))


def signed(key: SigningKey, method: str, path: str, body: bytes = b"") -> dict[str, str]:
    return RequestSigner(key, suite=SUITE).headers(method, BASE + path, body)


def address(key: SigningKey) -> bytes:
    return address_of(SUITE, key.public_key)


@pytest.fixture
def node(tmp_path: Path) -> Iterator[Node]:
    chain = FakeChain(SUITE)
    chain.add_member(ISSUER)
    alice, bob, platform = (SUITE.generate_key() for _ in range(3))
    chain.add_account(alice, "subject")
    chain.add_account(bob, "subject")
    chain.add_account(platform, "system", ISSUER)
    clock = Clock()
    inbox = InboxStore(tmp_path / INBOX_DB)
    messages = MessageService(SUITE, chain, inbox, InboxSignals(), per_minute=3, clock=clock)
    service = BlobService(
        "storage1",
        SUITE,
        MemoryBlobs(SUITE),
        chain,
        StorageMetrics(CollectorRegistry()),
        4096,
        clock=clock,
        messages=messages,
    )
    private, public = new_locker(SUITE)
    with TestClient(create_storage_app(service), raise_server_exceptions=False) as client:
        yield Node(client, messages, clock, alice, bob, platform, private, public)
    inbox.close()


def _error(answer: object, status: int, code: str) -> None:
    assert answer.status_code == status, answer.text  # type: ignore[attr-defined]
    assert answer.json()["error"]["code"] == code  # type: ignore[attr-defined]
    assert "Traceback" not in answer.text  # type: ignore[attr-defined]


def _inbox(node: Node, key: SigningKey, after: int = 0) -> list[dict[str, object]]:
    answer = node.get(key, f"/v1/messages?after={after}")
    assert answer.status_code == 200, answer.text  # type: ignore[attr-defined]
    return list(answer.json()["messages"])  # type: ignore[attr-defined]


def test_a_message_is_stored_once_and_read_only_by_its_recipient(node: Node) -> None:
    body = node.sealed("你好 bob")
    answer = node.post(node.alice, body)
    assert answer.json() == {"id": SUITE.hash(body).hex(), "stored": True}  # type: ignore[attr-defined]
    assert node.post(node.alice, body).json()["stored"] is False  # type: ignore[attr-defined]
    [message] = _inbox(node, node.bob)
    assert message["sender"] == address(node.alice).hex()
    opened = open_message(
        SUITE, node.bob_locker, address(node.bob), bytes.fromhex(str(message["sealed"]))
    )
    assert opened.body.decode() == "你好 bob"
    assert _inbox(node, node.alice) == []  # the sender does not see the recipient's inbox
    assert _inbox(node, node.platform) == []


def test_a_keyed_message_is_one_message_however_often_posted(node: Node) -> None:
    key = "grants.remind/abcd/1"
    first = node.post(
        node.platform, node.sealed("one", node.platform), **{"Govchain-Message-Key": key}
    )
    again = node.post(
        node.platform, node.sealed("two", node.platform), **{"Govchain-Message-Key": key}
    )
    expected = keyed_message_id(SUITE, address(node.platform), address(node.bob), key).hex()
    assert first.json() == {"id": expected, "stored": True}  # type: ignore[attr-defined]
    assert again.json() == {"id": expected, "stored": False}  # type: ignore[attr-defined]
    assert len(_inbox(node, node.bob)) == 1
    _error(
        node.post(node.platform, b"x", **{"Govchain-Message-Key": "no spaces"}),
        422,
        "invalid_request",
    )


def test_bad_posts_are_refused_and_store_nothing(node: Node) -> None:
    _error(node.post(None, node.sealed("unsigned")), 401, "signature_required")
    _error(node.post(node.alice, b"\x00" * (MESSAGE_MAX + 1)), 413, "message_too_large")
    _error(node.post(node.alice, b"not cbor at all"), 400, "invalid_message")
    _error(node.post(node.alice, b""), 400, "invalid_message")
    stranger = SUITE.generate_key()
    _error(node.post(node.alice, node.sealed("to nobody"), to=stranger), 404, "unknown_recipient")
    _error(node.post(stranger, node.sealed("from nobody")), 401, "unknown_signer")
    missing = node.client.post("/v1/messages", content=node.sealed("x"))
    _error(missing, 422, "invalid_request")
    _error(node.get(None, "/v1/messages"), 401, "signature_required")
    assert _inbox(node, node.bob) == []


def test_a_sender_over_its_rate_waits_and_the_platform_is_not_limited(node: Node) -> None:
    for n in range(3):
        assert node.post(node.alice, node.sealed(f"m{n}")).status_code == 200  # type: ignore[attr-defined]
        node.clock.now += 1
    refused = node.post(node.alice, node.sealed("one too many"))
    _error(refused, 429, "rate_limited")
    assert refused.headers["Retry-After"] == "57"  # type: ignore[attr-defined]
    for n in range(5):
        assert node.post(node.platform, node.sealed(f"p{n}", node.platform)).status_code == 200  # type: ignore[attr-defined]
    node.clock.now += 58
    assert node.post(node.alice, node.sealed("later")).status_code == 200  # type: ignore[attr-defined]
    assert len(_inbox(node, node.bob)) == 9


def test_the_read_receipt_is_the_recipients_and_the_sender_sees_it(node: Node) -> None:
    message = node.post(node.alice, node.sealed("read me")).json()["id"]  # type: ignore[attr-defined]
    status = f"/v1/messages/{message}/status"
    assert node.get(node.alice, status).json()["read"] is None  # type: ignore[attr-defined]
    _error(node.mark_read(node.alice, message), 404, "not_found")
    node.clock.now += 5
    read = node.mark_read(node.bob, message)
    assert read.json()["read"] == int(node.clock.now * 1000)  # type: ignore[attr-defined]
    assert node.get(node.alice, status).json()["read"] == int(node.clock.now * 1000)  # type: ignore[attr-defined]
    _error(node.get(node.platform, status), 404, "not_found")
    _error(node.get(node.bob, "/v1/messages/zz/status"), 400, "invalid_hex")


def test_a_reconnected_stream_gets_what_came_while_away_once(node: Node) -> None:
    ids = [node.post(node.alice, node.sealed(f"m{n}")).json()["id"] for n in range(3)]  # type: ignore[attr-defined]
    node.service.signals.close()  # a closing node sends what is waiting, then ends the stream
    first = node.get(node.bob, "/v1/messages/stream")
    assert first.headers["content-type"].startswith("text/event-stream")  # type: ignore[attr-defined]
    events = _events_of(first.text)  # type: ignore[attr-defined]
    assert [e["data"]["id"] for e in events] == ids
    again = node.get(node.bob, "/v1/messages/stream", **{"Last-Event-ID": events[0]["id"]})
    assert [e["data"]["id"] for e in _events_of(again.text)] == ids[1:]  # type: ignore[attr-defined]
    after = node.get(node.bob, f"/v1/messages/stream?after={events[1]['id']}")
    assert [e["data"]["id"] for e in _events_of(after.text)] == ids[2:]  # type: ignore[attr-defined]
    assert _events_of(node.get(node.alice, "/v1/messages/stream").text) == []  # type: ignore[attr-defined]
    _error(node.get(None, "/v1/messages/stream"), 401, "signature_required")
    _error(
        node.get(node.bob, "/v1/messages/stream", **{"Last-Event-ID": "x1"}), 422, "invalid_request"
    )


def test_the_stream_delivers_each_new_message_live_once(node: Node) -> None:
    service, bob = node.service, address(node.bob)
    inbox = service.inbox

    async def scenario() -> list[bytes]:
        stream = _events(service, bob, 0)
        assert await anext(stream) == b": inbox\n\n"
        got = []
        for n in range(2):
            waiting = asyncio.ensure_future(anext(stream))
            inbox.add(bytes([n]) * 32, address(node.alice), bob, b"sealed", n)
            inbox.add(bytes([n]) * 32, address(node.alice), bob, b"sealed", n)  # once
            service.signals.arrived(bob)
            got.append(await asyncio.wait_for(waiting, 30))
        service.signals.close()
        assert [rest async for rest in stream] == []
        return got

    got = asyncio.run(scenario())
    assert [_events_of(e.decode())[0]["data"]["id"] for e in got] == [
        (bytes([0]) * 32).hex(),
        (bytes([1]) * 32).hex(),
    ]


def _events_of(text: str) -> list[dict[str, object]]:
    events = []
    for block in text.split("\n\n"):
        fields = dict(
            line.split(": ", 1) for line in block.splitlines() if not line.startswith(":")
        )
        if "data" in fields:
            events.append({"id": fields["id"], "data": json.loads(fields["data"])})
    return events
