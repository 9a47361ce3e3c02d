"""Sign-in by challenge, sessions and the txs the console prepares for the browser to sign
(issue 19 items 5 and 6; F-E6): the stores in memory, and the routes over a mocked node.
"""

from __future__ import annotations

import warnings
from pathlib import Path
from typing import Any

import httpx
import pytest
from starlette.exceptions import StarletteDeprecationWarning

from govchain.console import ChainReader, ConsoleSources, IndexReader, create_app
from govchain.console.chain_actions import ChainActions
from govchain.console.routes_access import ConsoleAccess
from govchain.console.sessions import SESSION_COOKIE, Identity, SessionsFullError, SessionStore
from govchain.console.signin import ChallengeStore, SignInRefusedError, signer_address
from govchain.console.tx_prep import (
    PendingTxStore,
    PreparationError,
    attach_signature,
    propose_unsigned,
    vote_unsigned,
)
from govchain.contracts.gov.txs import ProposeArgs, propose_tx, vote_tx
from govchain.crypto import SigningKey, suite_for
from govchain.indexer.database import open_database
from govchain.ledger import records

with warnings.catch_warnings():  # as in tests/unit/api/conftest.py: Starlette's httpx2 notice
    warnings.filterwarnings(
        "ignore",
        message=r"Using `httpx` with `starlette.testclient`",
        category=StarletteDeprecationWarning,
    )
    from fastapi.testclient import TestClient

ORIGIN = "http://testserver"
CHAIN = "console-test"


class Clock:
    """A clock the test moves."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def _identity(org: str = "91370100MA3C00001X") -> Identity:
    return Identity("ab" * 20, b"\x04" * 65, "gm", "admin", org, "active", False)


# --- challenges ---------------------------------------------------------------------------


def test_a_challenge_is_spent_once_and_bound_to_its_origin_and_time() -> None:
    clock = Clock()
    store = ChallengeStore(seconds=60, clock=clock)
    issued = store.issue(ORIGIN, CHAIN)
    assert f"origin: {ORIGIN}\nchain: {CHAIN}\nchallenge: {issued.id}\n" in issued.text()
    assert store.take(issued.id, ORIGIN) == issued
    with pytest.raises(SignInRefusedError) as replayed:
        store.take(issued.id, ORIGIN)
    assert replayed.value.reason == "unknown"
    late = store.issue(ORIGIN, CHAIN)
    clock.now += 61
    with pytest.raises(SignInRefusedError) as expired:
        store.take(late.id, ORIGIN)
    assert expired.value.reason in ("expired", "unknown")
    elsewhere = store.issue(ORIGIN, CHAIN)
    with pytest.raises(SignInRefusedError) as other:
        store.take(elsewhere.id, "http://evil.example")
    assert other.value.reason == "origin"
    with pytest.raises(SignInRefusedError) as spent:  # refused once, gone for good
        store.take(elsewhere.id, ORIGIN)
    assert spent.value.reason == "unknown"
    for bad in (None, 7, "zz" * 16, "ab"):
        with pytest.raises(SignInRefusedError) as malformed:
            store.take(bad, ORIGIN)
        assert malformed.value.reason == "malformed"


def test_the_open_challenges_are_bounded_the_oldest_go_first() -> None:
    store = ChallengeStore(max_open=3, clock=Clock())
    first = store.issue(ORIGIN, CHAIN)
    for _ in range(3):
        store.issue(ORIGIN, CHAIN)
    assert len(store) == 3
    with pytest.raises(SignInRefusedError):
        store.take(first.id, ORIGIN)


@pytest.mark.parametrize("suite", ["gm", "intl"])
def test_the_signed_answer_names_the_signer_and_nothing_else_passes(suite: str) -> None:
    crypto = suite_for(suite)
    key, stranger = crypto.generate_key(), crypto.generate_key()
    challenge = ChallengeStore(clock=Clock()).issue(ORIGIN, CHAIN)
    signature = key.sign(challenge.text().encode()).hex()
    public, address = signer_address(suite, challenge, suite, key.public_key.hex(), signature)
    assert public == key.public_key
    assert address == records.address_of(crypto, key.public_key)
    wrong = stranger.sign(challenge.text().encode()).hex()
    other_suite = "intl" if suite == "gm" else "gm"
    cases = [
        ((suite, key.public_key.hex(), wrong), "signature"),
        ((suite, stranger.public_key.hex(), signature), "signature"),
        ((other_suite, key.public_key.hex(), signature), "suite"),
        ((suite, key.public_key.hex().upper(), signature), "malformed"),
        ((suite, key.public_key.hex(), "xyz"), "malformed"),
        ((suite, None, signature), "malformed"),
    ]
    for (given_suite, given_key, given_signature), reason in cases:
        with pytest.raises(SignInRefusedError) as refused:
            signer_address(suite, challenge, given_suite, given_key, given_signature)
        assert refused.value.reason == reason
        assert given_signature not in str(refused.value)


# --- sessions -----------------------------------------------------------------------------


def test_a_session_lives_its_minutes_then_sends_the_user_back() -> None:
    clock = Clock()
    store = SessionStore(minutes=2, clock=clock)
    session = store.open(_identity())
    assert len(session.id) >= 40
    assert store.find(session.id).session == session
    clock.now += 119
    assert store.find(session.id).session == session
    clock.now += 2
    gone = store.find(session.id)
    assert gone.session is None
    assert gone.expired
    assert store.find(session.id) == store.find("nothing")  # closed, no longer known
    other = store.open(_identity())
    store.close(other.id)
    assert store.find(other.id).session is None
    assert not store.find(None).expired


def test_the_session_table_is_bounded_and_expired_sessions_make_room() -> None:
    clock = Clock()
    store = SessionStore(minutes=1, max_sessions=2, clock=clock)
    store.open(_identity())
    store.open(_identity())
    with pytest.raises(SessionsFullError):
        store.open(_identity())
    clock.now += 61
    store.open(_identity())
    assert len(store) == 1
    with pytest.raises(ValueError, match="minutes"):
        SessionStore(minutes=0)


# --- txs prepared for the browser ---------------------------------------------------------


@pytest.mark.parametrize("suite", ["gm", "intl"])
def test_a_prepared_vote_is_the_tx_gov_vote_builds(suite: str) -> None:
    key = suite_for(suite).generate_key()
    tx = vote_unsigned(key.public_key, CHAIN, 41, 7, True)
    assert tx.expiry == 141
    assert tx.signature == b""
    signature = key.sign(records.tx_signing_bytes(tx)).hex()
    signed = attach_signature(suite, tx, signature)
    built = vote_tx(key, CHAIN, 7, True, tx.nonce, tx.expiry)
    assert records.tx_signing_bytes(signed) == records.tx_signing_bytes(built)
    records.verify_tx_signature(suite_for(suite), signed)
    stranger = suite_for(suite).generate_key()
    with pytest.raises(PreparationError, match="not the signed-in key"):
        attach_signature(suite, tx, stranger.sign(records.tx_signing_bytes(tx)).hex())
    with pytest.raises(PreparationError, match="hex"):
        attach_signature(suite, tx, "not hex")


def test_a_prepared_isolation_proposal_is_the_tx_gov_propose_builds() -> None:
    key: SigningKey = suite_for("gm").generate_key()
    args: dict[str, object] = {"address": b"\x01" * 20, "reason": "equivocation at 12"}
    tx = propose_unsigned(key.public_key, CHAIN, 10, "account.freeze", args, "equivocation")
    proposal = ProposeArgs.from_args(tx.args)
    assert proposal.action == "account.freeze"
    assert proposal.expiry_height == 1011
    built = propose_tx(key, CHAIN, proposal, tx.nonce, tx.expiry)
    assert records.tx_signing_bytes(built) == records.tx_signing_bytes(tx)


def test_a_pending_tx_is_taken_once_by_its_own_session_before_it_expires() -> None:
    clock = Clock()
    store = PendingTxStore(seconds=60, max_pending=2, clock=clock)
    tx = vote_unsigned(b"\x04" * 65, CHAIN, 1, 1, False)
    pending = store.put("session-a", tx, "/governance/1")
    with pytest.raises(PreparationError):
        store.take(pending.id, "session-b")
    assert store.take(pending.id, "session-a") == pending
    with pytest.raises(PreparationError):
        store.take(pending.id, "session-a")
    late = store.put("session-a", tx, "/governance/1")
    clock.now += 61
    with pytest.raises(PreparationError, match="expired"):
        store.take(late.id, "session-a")
    first = store.put("s", tx, "/")
    store.put("s", tx, "/")
    store.put("s", tx, "/")
    with pytest.raises(PreparationError):  # pushed out: at most 2 wait
        store.take(first.id, "s")


# --- the routes over a mocked node --------------------------------------------------------


def _node(accounts: dict[str, dict[str, Any]]) -> httpx.MockTransport:
    def answer(request: httpx.Request) -> httpx.Response:
        path = request.url.path
        if path == "/v1/status":
            return httpx.Response(200, json={"chain_id": CHAIN, "suite": "gm", "height": 9,
                                             "role": "validator", "peers": []})  # fmt: skip
        if path.startswith("/v1/accounts/"):
            found = accounts.get(path.rsplit("/", 1)[1])
            if found is not None:
                return httpx.Response(200, json={"account": found, "fact": {}})
            error = {"error": {"code": "unknown_account", "message": "not registered"}}
            return httpx.Response(404, json=error)
        error = {"error": {"code": "not_found", "message": "no such thing"}}
        return httpx.Response(404, json=error)

    return httpx.MockTransport(answer)


def _console(tmp_path: Path, key: SigningKey, clock: Clock) -> TestClient:
    address = records.address_of(suite_for("gm"), key.public_key).hex()
    account = {"address": address, "public_key": key.public_key.hex(), "kind": "admin",
               "org": "91370100MA3C00001X", "roles": ["admin"], "status": "active",
               "height": 1, "post": ""}  # fmt: skip
    transport = _node({address: account})
    db = tmp_path / "index.db"
    with open_database(f"sqlite:///{db}") as index:
        index.start(CHAIN)
    sources = ConsoleSources(
        ChainReader(["http://n1:1"], None, None, transport=transport),
        IndexReader(f"sqlite:///{db}"),
        None,
    )
    access = ConsoleAccess(
        ChainActions(["http://n1:1"], None, transport=transport),
        ChallengeStore(clock=clock),
        SessionStore(minutes=1, clock=clock),
        PendingTxStore(clock=clock),
    )
    return TestClient(create_app(sources, access), raise_server_exceptions=False)


def _sign_in(client: TestClient, key: SigningKey) -> httpx.Response:
    posted = {"origin": ORIGIN}
    challenge = client.post("/signin/challenge", json={}, headers=posted).json()
    signature = key.sign(challenge["text"].encode()).hex()
    body = {"id": challenge["id"], "suite": "gm", "public_key": key.public_key.hex(),
            "signature": signature, "next": "/evidence"}  # fmt: skip
    return client.post("/signin", json=body, headers=posted)


def test_sign_in_opens_a_session_and_acting_pages_need_one(tmp_path: Path) -> None:
    clock = Clock()
    admin = suite_for("gm").generate_key()
    client = _console(tmp_path, admin, clock)
    refused = client.get("/evidence")
    assert refused.status_code == 403
    assert 'href="/signin?next=%2Fevidence"' in refused.text
    assert "Traceback" not in refused.text
    signed = _sign_in(client, admin)
    assert signed.status_code == 200, signed.text
    assert signed.json() == {"next": "/evidence"}
    cookie = signed.headers["set-cookie"]
    assert f"{SESSION_COOKIE}=" in cookie
    assert "HttpOnly" in cookie
    assert "SameSite=strict" in cookie.replace("Strict", "strict")
    assert "Max-Age=60" in cookie
    page = client.get("/signin")
    assert "成员管理员" in page.text
    assert "91370100MA3C00001X" in page.text
    clock.now += 61  # the session runs out: acting pages send the user back to sign in
    back = client.get("/evidence", follow_redirects=False)
    assert back.status_code == 303
    assert back.headers["location"] == "/signin?expired=1&next=%2Fevidence"
    assert "会话已过期" in client.get(back.headers["location"]).text


def test_a_stranger_a_replay_and_another_origin_are_refused(tmp_path: Path) -> None:
    admin, stranger = suite_for("gm").generate_key(), suite_for("gm").generate_key()
    client = _console(tmp_path, admin, Clock())
    unknown = _sign_in(client, stranger)
    assert unknown.status_code == 403
    assert unknown.json()["error"] == "该私钥在链上没有注册账户"
    challenge = client.post("/signin/challenge", json={}, headers={"origin": ORIGIN}).json()
    body = {"id": challenge["id"], "suite": "gm", "public_key": admin.public_key.hex(),
            "signature": admin.sign(challenge["text"].encode()).hex()}  # fmt: skip
    wrong_key = {**body, "public_key": stranger.public_key.hex()}
    assert client.post("/signin", json=wrong_key, headers={"origin": ORIGIN}).status_code == 403
    replay = client.post("/signin", json=body, headers={"origin": ORIGIN})  # spent by the refusal
    assert replay.json()["error"] == "挑战无效或已使用，请重试"
    foreign = client.post("/signin/challenge", json={}, headers={"origin": "http://evil.example"})
    assert foreign.status_code == 403
    assert SESSION_COOKIE not in client.cookies
