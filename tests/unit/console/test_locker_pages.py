"""The console's locker pages (issue 19 item 6; F-C2, F-C3): reads signed by the browser verify
as the node checks them, the pages render a locker and an asset over nodes answered by a mock
transport, and the script exchanges refuse what they must (another account's key, a URL that
is not a storage node's, a malformed body) with JSON errors, never a traceback.
"""

from __future__ import annotations

import json
import os
import sqlite3
import warnings
from pathlib import Path
from typing import Any

import httpx
import pytest
from starlette.exceptions import StarletteDeprecationWarning

from govchain.console import ChainReader, ConsoleSources, IndexReader, create_app
from govchain.console.browser_signatures import (
    BrowserSignature,
    BrowserSignedReads,
    MissingSignatureError,
    read_to_sign,
)
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
STORE = "http://store.test:9000"
CID = "ab" * 16
HOSTILE = "<script>alert(1)</script>"


@pytest.mark.parametrize("suite_name", ["gm", "intl"])
def test_a_read_signed_over_the_given_base_verifies_as_the_node_checks_it(
    suite_name: str,
) -> None:
    suite = suite_for(suite_name)
    key = suite.generate_key()
    address = address_of(suite, key.public_key)
    url = f"{NODE}/v1/lockers/{address.hex()}?limit=5"
    read = read_to_sign(suite, address, url, 1_700_000_000, os.urandom(32))
    signed = BrowserSignature(read.created, read.nonce, key.sign(read.base).hex())
    headers = BrowserSignedReads(suite, address, {url: signed}).headers("GET", url)
    view = RequestView("GET", "node.test:8000", f"/v1/lockers/{address.hex()}", "limit=5")
    verified = verify_request(
        suite,
        view,
        b"",
        (headers["Signature-Input"], headers["Signature"]),
        lambda a: key.public_key if a == address else None,
        now=1_700_000_010,
    )
    assert verified.address == address
    # the same signature for another URL (another path, another node) does not verify
    other = RequestView("GET", "node.test:8000", f"/v1/grants/to/{address.hex()}", "limit=5")
    with pytest.raises(Exception, match="signature"):
        verify_request(
            suite,
            other,
            b"",
            (headers["Signature-Input"], headers["Signature"]),
            lambda _: key.public_key,
            now=1_700_000_010,
        )


def test_a_read_the_browser_did_not_sign_or_signed_malformed_is_refused() -> None:
    suite = suite_for("gm")
    address = os.urandom(20)
    signer = BrowserSignedReads(suite, address, {})
    with pytest.raises(MissingSignatureError, match="did not sign"):
        signer.headers("GET", f"{NODE}/v1/lockers/{address.hex()}")
    with pytest.raises(MissingSignatureError, match="nonce"):
        BrowserSignedReads(suite, address, {"u": BrowserSignature(1, "bad nonce!", "00")})
    with pytest.raises(MissingSignatureError, match="created"):
        BrowserSignedReads(suite, address, {"u": BrowserSignature(True, "A" * 43, "00")})


# --- pages over a mock node ---------------------------------------------------------------


def _asset(holder: str) -> dict[str, Any]:
    return {
        "content_id": CID,
        "type": "11100000MB0143028R001",
        "identifier": "1.2.156.3005.2.11100000MB0143028R001.X.00000001.001.Q",
        "holder": holder,
        "issuer": "11100000MB0143028R",
        "version": 1,
        "metadata": {"企业名称": HOSTILE},
        "last_tx": "cd" * 32,
        "content": {
            "hash": "ef" * 32,
            "size": 100,
            "locators": ["storage-0"],
            "method": "SM4-GCM",
            "envelopes": [{"reader": holder, "kind": "holder", "sealed": "00" * 8}],
        },
    }


class FakeNode:
    """A node and a storage node answering the locker pages' requests; it records each."""

    def __init__(self, holder: str, keys: list[Any]) -> None:
        self.holder = holder
        self.seen: list[httpx.Request] = []
        self.accounts = {
            address_of(suite_for("gm"), k.public_key).hex(): {
                "address": address_of(suite_for("gm"), k.public_key).hex(),
                "public_key": k.public_key.hex(), "kind": "subject", "org": "",
                "roles": [], "status": "active", "height": 1, "post": "",
            }
            for k in keys
        }  # fmt: skip

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.seen.append(request)
        path = request.url.path
        h = self.holder
        answers: dict[str, Any] = {
            "/v1/status": {"chain_id": "test-chain", "suite": "gm", "height": 7},
            f"/v1/lockers/{h}": {
                "holder": h,
                "height": 7,
                "types": [
                    {
                        "type": "11100000MB0143028R001",
                        "assets": [
                            {
                                "content_id": CID,
                                "identifier": HOSTILE,
                                "status": "valid",
                                "issuer": "11100000MB0143028R",
                                "valid_until": 0,
                                "version": 1,
                            }
                        ],
                    }
                ],
                "next": None,
            },
            f"/v1/grants/to/{h}": {"records": [], "next": None},
            f"/v1/grants/requests/{h}": {"records": [], "next": None},
            f"/v1/assets/{CID}": {
                "asset": _asset(h),
                "status": "valid",
                "history": [
                    {
                        "action": "issue",
                        "status": "valid",
                        "by": "11" * 20,
                        "height": 5,
                        "time": 1_700_000_000_000,
                        "tx_hash": "cd" * 32,
                        "reason": "",
                    }
                ],
            },
            f"/v1/assets/{CID}/usage": {"usage": [], "next": None},
            f"/v1/lockers/{h}/key": {
                "locker": {
                    "address": h,
                    "public_key": "04" + "22" * 64,
                    "key_blob": {"hash": "aa" * 32, "size": 9, "locators": ["storage-0"]},
                },
            },
            "/v1/storage-nodes": {"nodes": [{"name": "storage-0", "url": STORE}]},
        }
        for key, account in self.accounts.items():
            answers[f"/v1/accounts/{key}"] = {"account": account, "fact": {}}
        if path in answers:
            return httpx.Response(200, json=answers[path])
        return httpx.Response(404, json={"error": {"code": "not_found", "message": path}})


ORIGIN = {"origin": "http://testserver"}
STRANGER = suite_for("gm").generate_key()


def _sign_in(client: TestClient, key: Any) -> None:
    challenge = client.post("/signin/challenge", json={}, headers=ORIGIN).json()
    body = {"id": challenge["id"], "suite": "gm", "public_key": key.public_key.hex(),
            "signature": key.sign(challenge["text"].encode()).hex(), "next": "/locker"}  # fmt: skip
    assert client.post("/signin", json=body, headers=ORIGIN).status_code == 200


@pytest.fixture
def site(tmp_path: Path) -> tuple[TestClient, FakeNode, Any]:
    suite = suite_for("gm")
    key = suite.generate_key()
    holder = address_of(suite, key.public_key).hex()
    db = tmp_path / "index.db"
    open_database(f"sqlite:///{db}").close()
    connection = sqlite3.connect(db)
    connection.execute(
        "INSERT INTO grants (id, kind, asset, holder, grantee, purpose, status, expires, uses, "
        "used, height) VALUES (?, 'grant', ?, ?, ?, ?, 'active', 0, 3, 1, 6)",
        ("99" * 16, CID, holder, "33" * 20, HOSTILE),
    )
    connection.commit()
    connection.close()
    fake = FakeNode(holder, [key, STRANGER])
    transport = httpx.MockTransport(fake)
    viewer = LockerViewer([NODE], None, transport=transport)
    chain = ChainReader([NODE], None, None, transport=transport)
    access = ConsoleAccess(
        ChainActions([NODE], None, transport=transport),
        ChallengeStore(),
        SessionStore(minutes=5),
        PendingTxStore(),
    )
    sources = ConsoleSources(chain, IndexReader(f"sqlite:///{db}"), None, viewer)
    client = TestClient(create_app(sources, access), headers=ORIGIN)
    _sign_in(client, key)
    return client, fake, key


def test_a_locker_page_shows_assets_by_type_after_the_browser_signed_its_reads(
    site: tuple[TestClient, FakeNode, Any],
) -> None:
    client, fake, key = site
    suite = suite_for("gm")
    holder = address_of(suite, key.public_key).hex()
    shell = client.get(f"/locker/{holder}")
    assert shell.status_code == 200
    assert 'id="locker-open"' in shell.text
    assert 'class="key-file"' in shell.text
    reads = client.get(f"/locker/{holder}/reads").json()["reads"]
    assert [r["url"] for r in reads] == [
        f"{NODE}/v1/lockers/{holder}",
        f"{NODE}/v1/grants/to/{holder}",
        f"{NODE}/v1/grants/requests/{holder}",
    ]
    signed = {
        r["url"]: {
            "created": r["created"],
            "nonce": r["nonce"],
            "signature": key.sign(r["base"].encode()).hex(),
        }
        for r in reads
    }
    shown = client.post(f"/locker/{holder}/view", json={"reads": signed})
    assert shown.status_code == 200, shown.text
    assert "11100000MB0143028R001" in shown.text
    assert HOSTILE not in shown.text
    assert "&lt;script&gt;" in shown.text
    assert f"/locker/{holder}/assets/{CID}" in shown.text
    assert 'id="given-grant"' in shown.text
    assert "33333333" in shown.text
    locker_reads = [r for r in fake.seen if r.url.path == f"/v1/lockers/{holder}"]
    assert locker_reads
    assert "signature-input" in locker_reads[-1].headers


def test_an_asset_page_shows_history_public_fields_and_the_fetch_form(
    site: tuple[TestClient, FakeNode, Any],
) -> None:
    client, _, key = site
    holder = address_of(suite_for("gm"), key.public_key).hex()
    page = client.get(f"/locker/{holder}/assets/{CID}?lang=en")
    assert page.status_code == 200
    assert "Fetch the content with a purpose" in page.text
    assert 'data-holder="1"' in page.text
    assert 'class="key-file"' in page.text
    assert "&lt;script&gt;" in page.text
    assert HOSTILE not in page.text
    assert 'href="/blocks/5"' in page.text  # history with heights
    assert 'data-label="Height"' in page.text  # cards on a phone


def test_the_fetch_plan_and_the_fetch_refuse_what_they_must(
    site: tuple[TestClient, FakeNode, Any],
) -> None:
    client, fake, key = site
    holder = address_of(suite_for("gm"), key.public_key).hex()
    plan_url = f"/locker/{holder}/assets/{CID}/plan"
    other = suite_for("gm").generate_key().public_key.hex()
    refused = client.post(plan_url, json={"public_key": other, "purpose": "x"})
    assert refused.status_code == 400
    assert "signed-in account" in refused.json()["error"]["message"]
    plan = client.post(plan_url, json={"public_key": key.public_key.hex(), "purpose": ""}).json()
    assert plan["role"] == "holder"
    assert plan["tx"] is None
    assert [r["url"] for r in plan["reads"]] == [
        f"{STORE}/v1/blobs/{'aa' * 32}?locker={holder}",
        f"{STORE}/v1/blobs/{'ef' * 32}?asset={CID}",
    ]
    # a URL the chain does not name as a storage node is never asked
    elsewhere = "http://169.254.169.254/v1/blobs/" + "ef" * 32 + f"?asset={CID}"
    sig = {"created": 1_700_000_000, "nonce": "A" * 43, "signature": "00"}
    asked_before = len(fake.seen)
    answer = client.post(
        f"/locker/{holder}/assets/{CID}/fetch",
        json={"public_key": key.public_key.hex(), "reads": {elsewhere: sig}, "tx": None},
    )
    assert answer.status_code == 400
    assert "storage nodes only" in answer.json()["error"]["message"]
    assert all(r.url.host != "169.254.169.254" for r in fake.seen[asked_before:])
    for body in (b"not json", json.dumps([1]).encode(), b"{}"):
        bad = client.post(f"/locker/{holder}/assets/{CID}/fetch", content=body)
        assert bad.status_code == 400, body
        assert "Traceback" not in bad.text
    assert client.get("/locker/NOT-AN-ADDRESS").status_code == 400


def test_the_locker_exchanges_need_the_owners_session(
    site: tuple[TestClient, FakeNode, Any],
) -> None:
    client, _, key = site
    holder = address_of(suite_for("gm"), key.public_key).hex()
    assert client.get("/locker", follow_redirects=False).headers["location"] == f"/locker/{holder}"
    signed = {f"{NODE}/v1/lockers/{holder}": {"created": 1, "nonce": "A" * 43, "signature": "00"}}
    _sign_in(client, STRANGER)  # another account signed in: refused
    other = client.post(f"/locker/{holder}/view", json={"reads": signed})
    assert other.status_code == 403
    assert "own account" in other.json()["error"]["message"]
    client.post("/signout", json={})
    client.cookies.clear()
    nobody = client.post(f"/locker/{holder}/view", json={"reads": signed})
    assert nobody.status_code == 403
    assert client.get(f"/locker/{holder}/reads").status_code == 403
