"""A regulator's reads with a purpose from the console (issue 19 items 1, 6; F-E1): the tx the
console prepares is the one RegulatorClient sends, the form is offered only within the scope,
the browser's signatures of the tx and of the read carry through to the node, a refusal by
the chain is shown in words, and an account page lists its usage history as the holder.
Over a mock node; the real chain is in tests/browser/test_console_signin.py.
"""

from __future__ import annotations

import json
import time
import warnings
from pathlib import Path
from typing import Any

import httpx
import pytest
from starlette.exceptions import StarletteDeprecationWarning

from govchain.console import ChainReader, ConsoleSources, IndexReader, create_app
from govchain.console.chain_actions import ChainActions
from govchain.console.routes_access import ConsoleAccess
from govchain.console.scoped_reads import (
    RegulatorScopeView,
    ScopedReader,
    case_covered,
    record_read_unsigned,
)
from govchain.console.sessions import SessionStore
from govchain.console.signin import ChallengeStore
from govchain.console.tx_prep import PendingTxStore
from govchain.contracts.grants.txs import RecordReadArgs
from govchain.crypto import suite_for
from govchain.crypto.httpsig import RequestView, verify_request
from govchain.indexer.database import open_database
from govchain.ledger import records
from govchain.types import Event, Receipt

with warnings.catch_warnings():  # as in tests/unit/api/conftest.py: Starlette's httpx2 notice
    warnings.filterwarnings(
        "ignore",
        message=r"Using `httpx` with `starlette.testclient`",
        category=StarletteDeprecationWarning,
    )
    from fastapi.testclient import TestClient

NODE = "http://node.test:8000"
ORIGIN = {"origin": "http://testserver"}
CHAIN = "test-chain"
DEPT = "11370100MB0000001X"
CASE_IN = "c1" * 16
CASE_OUT = "c2" * 16
SCOPE_ID = "5c" * 16
APPLICANT = "ab" * 20
FORM_VALUE = "济南演示受监管有限公司"
SUITE = suite_for("gm")


def _scope(**lists: list[str]) -> RegulatorScopeView:
    return RegulatorScopeView.from_json({"id": SCOPE_ID, "status": "active", **lists})


def test_a_case_is_covered_by_a_matter_of_its_process_or_a_department_of_its_steps() -> None:
    process = {"steps": [{"id": "licence", "matter": "REG-L"}]}
    steps = [{"step": "licence", "department": DEPT}]
    assert case_covered(_scope(matters=["REG-L"]), process, steps)
    assert case_covered(_scope(departments=[DEPT]), process, steps)
    assert not case_covered(_scope(matters=["REG-M"], departments=["X" * 18]), process, steps)
    removed = RegulatorScopeView.from_json(
        {"id": SCOPE_ID, "status": "removed", "matters": ["REG-L"]}
    )
    assert not case_covered(removed, process, steps)


def test_the_prepared_tx_is_the_grants_use_regulator_client_sends() -> None:
    key = SUITE.generate_key()
    scope = bytes.fromhex(SCOPE_ID)
    case = record_read_unsigned(key.public_key, CHAIN, 40, scope, ("case", bytes.fromhex(CASE_IN)),
                                b"", "年度抽查")  # fmt: skip
    expected = RecordReadArgs("view", "年度抽查", {"scope": scope}, case=bytes.fromhex(CASE_IN))
    assert case.type == "grants.use"
    assert case.args == expected.to_args()
    assert case.sender == key.public_key
    assert case.expiry > 40
    holder = bytes(range(20))
    tx = record_read_unsigned(key.public_key, CHAIN, 40, scope, ("tx", b"\x07" * 32), holder, "p")
    assert tx.args == RecordReadArgs("view", "p", {"scope": scope}, tx=b"\x07" * 32,
                                     holder=holder).to_args()  # fmt: skip
    with pytest.raises(Exception, match="purpose"):
        record_read_unsigned(key.public_key, CHAIN, 40, scope, ("case", b"\x01" * 16), b"", "")


class FakeNode:
    """A node answering a regulator's reads; the chain refuses the out-of-scope case."""

    def __init__(self, regulator: Any) -> None:
        self.regulator = regulator
        self.address = records.address_of(SUITE, regulator.public_key).hex()
        self.submitted: dict[str, Any] = {}
        self.reads: list[httpx.Request] = []

    def _receipt(self, tx_hash: str) -> dict[str, Any]:
        tx = self.submitted[tx_hash]
        refused = tx.args.get("case") == bytes.fromhex(CASE_OUT)
        events = () if refused else (Event("grants.used", {"case": tx.args["case"]}),)
        error = f"not_in_scope: case {CASE_OUT} is not in this scope" if refused else ""
        receipt = Receipt(bytes.fromhex(tx_hash), 1 if refused else 0, events, error)
        return {"status": "committed",
                "receipt": {"receipt": records.encode_receipt(receipt).hex()}}  # fmt: skip

    def _read(self, request: httpx.Request, use_tx: str) -> httpx.Response:
        self.reads.append(request)
        headers = (request.headers["signature-input"], request.headers["signature"])
        view = RequestView("GET", request.url.netloc.decode(), request.url.path, "")
        verify_request(SUITE, view, b"", headers,
                       lambda a: self.regulator.public_key if a.hex() == self.address else None,
                       now=int(time.time()))  # fmt: skip
        usage = {"tx_hash": use_tx, "target": "case", "target_id": CASE_IN, "holder": APPLICANT,
                 "reader": self.address, "purpose": self.submitted[use_tx].args["purpose"],
                 "height": 41, "via": "scope"}  # fmt: skip
        case = {"id": CASE_IN, "form": {"名称": FORM_VALUE, "<b>x</b>": "<script>1</script>"},
                "materials": ["ee" * 16]}  # fmt: skip
        return httpx.Response(200, json={"usage": usage, "fact": {}, "case": case,
                                         "case_fact": {}})  # fmt: skip

    def _case(self, case_id: str) -> dict[str, Any]:
        matter = "REG-L" if case_id == CASE_IN else "REG-M"
        return {"case": {"id": case_id, "process": "reg", "version": 1, "applicant": APPLICANT,
                         "state": "open", "opened": 1_700_000_000_000, "closed": 0},
                "fact": {}, "steps": [{"step": "licence", "department": "Z" * 18,
                                       "state": "ready", "deadline": 0, "overdue": False}],
                "process": {"steps": [{"id": "licence", "matter": matter}]}}  # fmt: skip

    def __call__(self, request: httpx.Request) -> httpx.Response:
        path = request.url.path
        if request.method == "POST" and path == "/v1/txs":
            tx = records.decode_tx(request.content)
            tx_hash = records.tx_hash(SUITE, tx).hex()
            records.verify_tx_signature(SUITE, tx)
            self.submitted[tx_hash] = tx
            return httpx.Response(200, json={"hash": tx_hash})
        account = {"address": self.address, "public_key": self.regulator.public_key.hex(),
                   "kind": "subject", "org": "", "roles": [], "status": "active", "height": 1,
                   "post": ""}  # fmt: skip
        answers: dict[str, Any] = {
            "/v1/status": {"chain_id": CHAIN, "suite": "gm", "height": 40},
            f"/v1/accounts/{self.address}": {"account": account, "fact": {}},
            f"/v1/regulators/{self.address}": {"scope": {"id": SCOPE_ID, "status": "active",
                "types": [], "departments": [], "matters": ["REG-L"]}, "fact": {}},
            f"/v1/accounts/{APPLICANT}": {"account": {**account, "address": APPLICANT}},
            f"/v1/accounts/{APPLICANT}/usage": {"usage": [{
                "tx_hash": "9f" * 32, "target": "case", "target_id": CASE_IN, "asset": "",
                "version": 0, "reader": self.address, "reader_org": "", "holder": APPLICANT,
                "action": "view", "purpose": "年度双随机抽查", "via": "scope", "height": 41,
                "time": 1_700_000_000_000}], "next": None},
        }  # fmt: skip
        for case_id in (CASE_IN, CASE_OUT):
            answers[f"/v1/cases/{case_id}"] = self._case(case_id)
            answers[f"/v1/cases/{case_id}/timeline"] = {"entries": [], "next": None}
        if path.startswith("/v1/txs/") and path.rsplit("/", 1)[1] in self.submitted:
            return httpx.Response(200, json=self._receipt(path.rsplit("/", 1)[1]))
        if path.startswith("/v1/supervision/reads/"):
            return self._read(request, path.rsplit("/", 1)[1])
        if path in answers:
            return httpx.Response(200, json=answers[path])
        return httpx.Response(404, json={"error": {"code": "not_found", "message": path}})


@pytest.fixture
def site(tmp_path: Path) -> tuple[TestClient, FakeNode, Any]:
    regulator = SUITE.generate_key()
    fake = FakeNode(regulator)
    transport = httpx.MockTransport(fake)
    db = tmp_path / "index.db"
    open_database(f"sqlite:///{db}").close()
    access = ConsoleAccess(ChainActions([NODE], None, transport=transport), ChallengeStore(),
                           SessionStore(minutes=5), PendingTxStore())  # fmt: skip
    sources = ConsoleSources(
        ChainReader([NODE], None, None, transport=transport),
        IndexReader(f"sqlite:///{db}"),
        None,
        scoped=ScopedReader([NODE], None, None, transport=transport),
    )
    client = TestClient(create_app(sources, access), headers=ORIGIN)
    return client, fake, regulator


def _sign_in(client: TestClient, key: Any) -> None:
    challenge = client.post("/signin/challenge", json={}, headers=ORIGIN).json()
    body = {"id": challenge["id"], "suite": "gm", "public_key": key.public_key.hex(),
            "signature": key.sign(challenge["text"].encode()).hex(), "next": "/"}  # fmt: skip
    assert client.post("/signin", json=body, headers=ORIGIN).status_code == 200


def _read(client: TestClient, key: Any, case_id: str, purpose: str) -> Any:
    """What the page's script does: prepare, sign the tx and the read, submit."""
    prepared = client.post("/supervision/reads/prepare",
                           json={"target": "case", "id": case_id, "purpose": purpose})  # fmt: skip
    assert prepared.status_code == 200, prepared.text
    made = prepared.json()
    read = made["read"]
    body = {"pending": made["pending"],
            "signature": key.sign(bytes.fromhex(made["signing_bytes"])).hex(),
            "read": {"created": read["created"], "nonce": read["nonce"],
                     "signature": key.sign(read["base"].encode()).hex()}}  # fmt: skip
    return client.post("/supervision/reads/submit", json=body)


def test_a_regulator_reads_a_case_in_scope_and_sees_its_form_escaped(
    site: tuple[TestClient, FakeNode, Any],
) -> None:
    client, fake, regulator = site
    assert "scoped-read" not in client.get(f"/cases/{CASE_IN}").text  # nobody signed in
    _sign_in(client, regulator)
    page = client.get(f"/cases/{CASE_IN}").text
    assert 'id="scoped-read"' in page
    assert "console-signing.js" in page
    assert FORM_VALUE not in page  # the form only after the recorded read
    answer = _read(client, regulator, CASE_IN, "年度双随机抽查")
    assert answer.status_code == 200, answer.text
    assert FORM_VALUE in answer.text
    assert "&lt;script&gt;1&lt;/script&gt;" in answer.text
    assert "<script>" not in answer.text
    assert "ee" * 16 in answer.text  # the materials
    assert 'id="scoped-check"' in answer.text
    [(use_tx, tx)] = fake.submitted.items()
    assert tx.args["case"] == bytes.fromhex(CASE_IN)
    assert tx.args["via"] == {"scope": bytes.fromhex(SCOPE_ID)}
    assert tx.args["purpose"] == "年度双随机抽查"
    [read] = fake.reads
    assert read.url.path == f"/v1/supervision/reads/{use_tx}"  # signed by the regulator: verified


def test_outside_the_scope_no_form_and_a_forced_post_gets_the_chain_refusal_in_words(
    site: tuple[TestClient, FakeNode, Any],
) -> None:
    client, fake, regulator = site
    _sign_in(client, regulator)
    assert 'id="scoped-read"' not in client.get(f"/cases/{CASE_OUT}").text
    forced = _read(client, regulator, CASE_OUT, "越权尝试")
    assert forced.status_code == 409
    assert forced.json()["error"] == "链拒绝了这次查阅：不在您的监管范围内（not_in_scope）"
    assert fake.reads == []  # nothing is read after a refused record


def test_a_read_needs_a_regulator_a_purpose_and_the_prepared_tx_once(
    site: tuple[TestClient, FakeNode, Any],
) -> None:
    client, _, regulator = site
    body = {"target": "case", "id": CASE_IN, "purpose": "p"}
    assert client.post("/supervision/reads/prepare", json=body).status_code == 403  # no session
    _sign_in(client, regulator)
    blank = client.post("/supervision/reads/prepare", json={**body, "purpose": " "})
    assert blank.status_code == 400
    assert "purpose" in blank.json()["error"]
    wrong = client.post("/supervision/reads/prepare", json={**body, "id": "zz"})
    assert wrong.status_code == 400
    made = client.post("/supervision/reads/prepare", json=body).json()
    forged = {"pending": made["pending"], "signature": "30" * 70,
              "read": {"created": 1, "nonce": "A" * 43, "signature": "00"}}  # fmt: skip
    refused = client.post("/supervision/reads/submit", json=forged)
    assert refused.status_code == 400
    assert "signature" in refused.json()["error"]
    again = client.post("/supervision/reads/submit", json=forged)  # taken once
    assert "no such prepared tx" in again.json()["error"]


def test_an_account_page_lists_its_usage_history_as_the_holder(
    site: tuple[TestClient, FakeNode, Any],
) -> None:
    client, fake, regulator = site
    _sign_in(client, regulator)
    page = client.get(f"/accounts/{APPLICANT}")
    assert page.status_code == 200, page.text
    assert 'id="usage-history"' in page.text
    assert "年度双随机抽查" in page.text
    assert f'href="/cases/{CASE_IN}"' in page.text
    assert fake.address[:12] in page.text
    assert json.dumps("监管范围", ensure_ascii=False).strip('"') in page.text  # via scope
