"""The locker's messages page (issue 19 item 6; F-C6, seed 003): the inbox read over every
storage node the chain lists with reads the browser signed (each checked here as a storage
node checks it), page after page, merged by id; a message opened from a node that holds it
with the wrapped locker key; the read receipt posted to every storage node; and the
refusals: a URL that is not a listed storage node's, another route, a malformed id, another
account's session, a signature that does not verify. Over a mock transport.
"""

from __future__ import annotations

import time
import warnings
from pathlib import Path
from typing import Any

import httpx
import pytest
from starlette.exceptions import StarletteDeprecationWarning

from govchain.client.locker_keys import new_locker
from govchain.client.message_crypto import MessagePlaintext, seal_message
from govchain.console import ChainReader, ConsoleSources, IndexReader, create_app
from govchain.console.chain_actions import ChainActions
from govchain.console.locker_reader import LockerViewer
from govchain.console.routes_access import ConsoleAccess
from govchain.console.sessions import SessionStore
from govchain.console.signin import ChallengeStore
from govchain.console.tx_prep import PendingTxStore
from govchain.crypto import suite_for
from govchain.crypto.httpsig import RequestView, verify_request
from govchain.indexer.database import open_database
from govchain.ledger.records import address_of

with warnings.catch_warnings():  # as in tests/unit/api/conftest.py: Starlette's httpx2 notice
    warnings.filterwarnings(
        "ignore",
        message=r"Using `httpx` with `starlette.testclient`",
        category=StarletteDeprecationWarning,
    )
    from fastapi.testclient import TestClient

NODE = "http://node.test:8000"
STORE_A = "http://store-a.test:9000"
STORE_B = "http://store-b.test:9001"
ORIGIN = {"origin": "http://testserver"}
SUITE = suite_for("gm")
OWNER_KEY = SUITE.generate_key()
OWNER = address_of(SUITE, OWNER_KEY.public_key).hex()
STRANGER = SUITE.generate_key()
SENDER = "5e" * 20
WRAPPED = b"the owner's wrapped locker key"
WRAPPED_HASH = SUITE.hash(WRAPPED).hex()
PAGE = 2
"""The fake storage nodes answer 2 messages a page, so the inbox takes several rounds."""


def _sealed() -> bytes:
    _, public = new_locker(SUITE)
    plain = MessagePlaintext(bytes.fromhex(SENDER), bytes.fromhex(OWNER), "text", "", b"x", 1)
    return seal_message(SUITE, public, plain)


def _message(number: int, seq: int, read: int | None = None) -> dict[str, Any]:
    return {
        "id": f"{number:02x}" * 32,
        "seq": seq,
        "sender": SENDER,
        "recipient": OWNER,
        "received": 1_765_000_000_000 + number * 1000,
        "read": read,
        "sealed": _sealed().hex(),
    }


class FakeNetwork:
    """A chain node and two storage nodes; each signed request is verified as a storage
    node verifies it (and its nonce used once). ``seen`` records every request."""

    def __init__(self) -> None:
        self.seen: list[httpx.Request] = []
        self.nonces: set[bytes] = set()
        shared = _message(2, 7)
        self.inboxes = {
            "store-a.test:9000": [_message(1, 3), shared, _message(3, 12)],
            "store-b.test:9001": [{**shared, "seq": 4, "read": 1_765_000_009_000}, _message(4, 5)],
        }
        self.receipts: list[str] = []

    def _verified(self, request: httpx.Request) -> httpx.Response | None:
        """None when the signature verifies; otherwise the storage node's 401."""
        view = RequestView(
            request.method,
            request.url.netloc.decode(),
            request.url.path,
            request.url.query.decode(),
        )
        keys = {OWNER: OWNER_KEY.public_key, address_of(SUITE, STRANGER.public_key).hex(): b""}
        try:
            done = verify_request(
                SUITE,
                view,
                b"",
                (request.headers.get("signature-input"), request.headers.get("signature")),
                lambda a: keys.get(a.hex()),
                now=int(time.time()),
            )
        except Exception as exc:
            code = getattr(exc, "code", "signature_invalid")
            return httpx.Response(401, json={"error": {"code": code, "message": str(exc)}})
        if done.nonce in self.nonces:
            return httpx.Response(
                401, json={"error": {"code": "signature_replayed", "message": ""}}
            )
        self.nonces.add(done.nonce)
        return None

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.seen.append(request)
        host, path = request.url.netloc.decode(), request.url.path
        if host in self.inboxes:
            return self._storage(request, host, path)
        answers: dict[str, Any] = {
            "/v1/status": {"chain_id": "test-chain", "suite": "gm", "height": 7},
            "/v1/storage-nodes": {
                "nodes": [{"name": "store-b", "url": STORE_B}, {"name": "store-a", "url": STORE_A}]
            },
            f"/v1/lockers/{OWNER}/key": {
                "locker": {
                    "address": OWNER,
                    "public_key": "04" + "22" * 64,
                    "key_blob": {"hash": WRAPPED_HASH, "size": 30, "locators": ["store-b"]},
                },
            },
        }
        for key in (OWNER_KEY, STRANGER):
            address = address_of(SUITE, key.public_key).hex()
            answers[f"/v1/accounts/{address}"] = {
                "account": {"address": address, "public_key": key.public_key.hex(),
                            "kind": "subject", "org": "", "roles": [], "status": "active",
                            "height": 1, "post": ""},
                "fact": {},
            }  # fmt: skip
        if path in answers:
            return httpx.Response(200, json=answers[path])
        return httpx.Response(404, json={"error": {"code": "not_found", "message": path}})

    def _storage(self, request: httpx.Request, host: str, path: str) -> httpx.Response:
        refused = self._verified(request)
        if refused is not None:
            return refused
        inbox = self.inboxes[host]
        if request.method == "GET" and path == "/v1/messages":
            after = int(request.url.params["after"])
            limit = min(int(request.url.params.get("limit", PAGE)), PAGE)
            later = [m for m in inbox if m["seq"] > after]
            page = later[:limit]
            more = len(later) > limit
            return httpx.Response(
                200, json={"messages": page, "next": page[-1]["seq"] if more else None}
            )
        if request.method == "POST" and path.endswith("/read"):
            found = path.split("/")[3]
            for message in inbox:
                if message["id"] == found:
                    message["read"] = message["read"] or 1_765_000_050_000
                    self.receipts.append(host)
                    return httpx.Response(200, json={**message, "sealed": None})
            return httpx.Response(404, json={"error": {"code": "not_found", "message": ""}})
        if path == f"/v1/blobs/{WRAPPED_HASH}":
            return httpx.Response(200, content=WRAPPED)
        return httpx.Response(404, json={"error": {"code": "not_found", "message": path}})


def _sign_in(client: TestClient, key: Any) -> None:
    challenge = client.post("/signin/challenge", json={}, headers=ORIGIN).json()
    body = {"id": challenge["id"], "suite": "gm", "public_key": key.public_key.hex(),
            "signature": key.sign(challenge["text"].encode()).hex(), "next": "/locker"}  # fmt: skip
    assert client.post("/signin", json=body, headers=ORIGIN).status_code == 200


def _signed(reads: list[dict[str, Any]], key: Any = OWNER_KEY) -> dict[str, Any]:
    """What the page's script posts: each base signed with the account key."""
    return {
        r["url"]: {
            "created": r["created"],
            "nonce": r["nonce"],
            "signature": key.sign(r["base"].encode()).hex(),
        }
        for r in reads
    }


@pytest.fixture
def site(tmp_path: Path) -> tuple[TestClient, FakeNetwork]:
    db = tmp_path / "index.db"
    open_database(f"sqlite:///{db}").close()
    fake = FakeNetwork()
    transport = httpx.MockTransport(fake)
    viewer = LockerViewer([NODE], None, transport=transport)
    access = ConsoleAccess(
        ChainActions([NODE], None, transport=transport),
        ChallengeStore(),
        SessionStore(minutes=5),
        PendingTxStore(),
    )
    chain = ChainReader([NODE], None, None, transport=transport)
    sources = ConsoleSources(chain, IndexReader(f"sqlite:///{db}"), None, viewer)
    client = TestClient(create_app(sources, access), headers=ORIGIN)
    _sign_in(client, OWNER_KEY)
    return client, fake


def _whole_inbox(client: TestClient) -> tuple[dict[str, dict[str, Any]], int]:
    """The inbox as the page's script reads it: rounds until no page is left."""
    reads = client.get(f"/locker/{OWNER}/messages/reads").json()["reads"]
    found: dict[str, dict[str, Any]] = {}
    rounds = 0
    while reads:
        rounds += 1
        answer = client.post(f"/locker/{OWNER}/messages/inbox", json={"reads": _signed(reads)})
        assert answer.status_code == 200, answer.text
        got = answer.json()
        assert got["unanswered"] == []
        for entry in got["messages"]:
            known = found.get(entry["id"])
            found[entry["id"]] = entry if known is None else {
                **known, "at": {**known["at"], **entry["at"]},
                "read": min(t for t in (known["read"], entry["read"], 2**62) if t is not None),
            }  # fmt: skip
        reads = got["reads"]
    return found, rounds


def test_the_messages_page_is_a_shell_with_the_key_and_password_inputs(
    site: tuple[TestClient, FakeNetwork],
) -> None:
    client, fake = site
    page = client.get(f"/locker/{OWNER}/messages")
    assert page.status_code == 200
    assert 'id="inbox-open"' in page.text
    assert 'id="inbox-key-file"' in page.text
    assert 'id="inbox-password"' in page.text
    assert f'data-inbox="/locker/{OWNER}/messages/inbox"' in page.text
    assert 'data-label-received="收到时间"' in page.text
    english = client.get(f"/locker/{OWNER}/messages?lang=en")
    assert 'data-label-unread="unread"' in english.text
    assert f'href="/locker/{OWNER}"' in english.text
    assert f'href="/locker/{OWNER}/messages"' in client.get(f"/locker/{OWNER}").text
    assert client.get("/locker/NOT-AN-ADDRESS/messages").status_code == 400
    assert fake.seen == [r for r in fake.seen if r.url.host == "node.test"]  # nothing read yet


def test_the_inbox_is_read_page_by_page_from_every_storage_node_and_merged(
    site: tuple[TestClient, FakeNetwork],
) -> None:
    client, fake = site
    reads = client.get(f"/locker/{OWNER}/messages/reads").json()["reads"]
    assert [r["url"] for r in reads] == [
        f"{STORE_A}/v1/messages?after=0",
        f"{STORE_B}/v1/messages?after=0",
    ]
    found, rounds = _whole_inbox(client)
    assert rounds == 2  # store A's third message is on its second page
    assert sorted(found) == [f"{n:02x}" * 32 for n in (1, 2, 3, 4)]
    shared = found["02" * 32]
    assert shared["at"] == {STORE_A: 7, STORE_B: 4}
    assert shared["read"] == 1_765_000_009_000
    assert found["01" * 32]["read"] is None
    assert all("sealed" not in entry for entry in found.values())  # only what is in clear
    assert all(e["sender"] == SENDER for e in found.values())
    storage = [r for r in fake.seen if r.url.host.startswith("store")]
    assert all("signature-input" in r.headers for r in storage)


def test_a_message_opens_with_the_sealed_bytes_and_the_wrapped_key_then_is_marked_read(
    site: tuple[TestClient, FakeNetwork],
) -> None:
    client, fake = site
    message = "01" * 32
    plan = client.post(f"/locker/{OWNER}/messages/{message}/plan", json={"at": {STORE_A: 3}}).json()
    assert plan["suite"] == "gm"
    assert plan["locker_public"] == "04" + "22" * 64
    assert [r["url"] for r in plan["reads"]] == [
        f"{STORE_A}/v1/messages?after=2&limit=1",
        f"{STORE_B}/v1/blobs/{WRAPPED_HASH}?locker={OWNER}",
    ]
    assert [r["url"] for r in plan["receipts"]] == [
        f"{STORE_A}/v1/messages/{message}/read",
        f"{STORE_B}/v1/messages/{message}/read",
    ]
    assert plan["receipts"][0]["base"].startswith('"@method": POST')
    opened = client.post(
        f"/locker/{OWNER}/messages/{message}/open", json={"reads": _signed(plan["reads"])}
    )
    assert opened.status_code == 200, opened.text
    got = opened.json()
    assert got["sender"] == SENDER
    assert bytes.fromhex(got["wrapped"]) == WRAPPED
    assert got["sealed"] == fake.inboxes["store-a.test:9000"][0]["sealed"]
    read = client.post(
        f"/locker/{OWNER}/messages/{message}/read", json={"reads": _signed(plan["receipts"])}
    )
    assert read.status_code == 200, read.text
    assert read.json() == {"id": message, "read": 1_765_000_050_000}
    assert fake.receipts == ["store-a.test:9000"]  # store B does not hold it: its 404 is fine
    found, _ = _whole_inbox(client)
    assert found[message]["read"] == 1_765_000_050_000


def test_the_message_exchanges_refuse_what_they_must(
    site: tuple[TestClient, FakeNetwork],
) -> None:
    client, fake = site
    base = f"/locker/{OWNER}/messages"
    sig = {"created": int(time.time()), "nonce": "A" * 43, "signature": "00"}
    # a URL the chain does not name as a storage node is never asked
    asked = len(fake.seen)
    for url in ("http://169.254.169.254/v1/messages?after=0", f"{STORE_A}/v1/blobs/{'ab' * 32}"):
        answer = client.post(f"{base}/inbox", json={"reads": {url: sig}})
        assert answer.status_code == 400, url
        assert "Traceback" not in answer.text
    assert all(r.url.host != "169.254.169.254" for r in fake.seen[asked:])
    elsewhere = client.post(f"{base}/{'01' * 32}/plan", json={"at": {"http://evil.test": 3}})
    assert elsewhere.status_code == 400
    assert "storage nodes only" in elsewhere.json()["error"]["message"]
    assert client.post(f"{base}/{'01' * 32}/plan", json={"at": {STORE_A: 0}}).status_code == 400
    assert client.post(f"{base}/XYZ/plan", json={"at": {STORE_A: 3}}).status_code == 400
    for body in (b"not json", b"[1]", b"{}"):
        assert client.post(f"{base}/inbox", content=body).status_code == 400
    # a signature that does not verify: the storage node's refusal, with its code
    reads = client.get(f"{base}/reads").json()["reads"]
    forged = client.post(f"{base}/inbox", json={"reads": _signed(reads, STRANGER)})
    assert forged.status_code == 403
    assert forged.json()["error"]["code"] == "signature_invalid"
    # another account's session, then none
    _sign_in(client, STRANGER)
    other = client.post(f"{base}/inbox", json={"reads": _signed(reads)})
    assert other.status_code == 403
    assert other.json()["error"]["code"] == "not_owner"
    client.post("/signout", json={})
    client.cookies.clear()
    assert client.get(f"{base}/reads").status_code == 403
    assert client.post(f"{base}/{'01' * 32}/read", json={"reads": {}}).status_code == 403
