"""Routes of ``registry`` and ``gov`` over a governed chain: proven records, and the signed read
of a subject (issue 14 items 5 and 7; docs/spec/registry.md "Reads")."""

from __future__ import annotations

import httpx
import pytest

from govchain.client.gov import verify_proposal
from govchain.client.registry import verify_account, verify_member
from govchain.client.request_signing import RequestSigner
from govchain.client.subjects import PersonRecord, person_application
from govchain.codes.demo import demo_citizen_id
from govchain.crypto import SigningKey, suite_for
from tests.unit.contracts.governed_chain import GovernedChain

from ..conftest import MakeClient, TestClient, app_of
from ..fake_node import Chain, FakeNode

PERSON = PersonRecord(demo_citizen_id(11), "王某某", "济南市演示路2号")
IDENTITY = bytes(range(32))
BASE = "http://testserver"


APPLICANT = suite_for("gm").generate_key()
"""A person who applied for a locker in the ``governed`` chain (not yet an account)."""


@pytest.fixture(scope="module")
def governed() -> GovernedChain:
    gc = GovernedChain.make("gm")
    address = gc.address(APPLICANT)
    index, sealed = person_application(gc.maker.suite, IDENTITY, address, PERSON)
    args: dict[str, object] = {
        "kind": "person",
        "member": gc.codes[1],
        "blind_index": index,
        "sealed": sealed,
    }
    receipt = gc.run_one(gc.tx(APPLICANT, "registry.subject_apply", args))
    assert receipt.status == 0, receipt.error
    gc.run()
    return gc


@pytest.fixture
def api(governed: GovernedChain, make_client: MakeClient) -> TestClient:
    node = FakeNode(Chain(governed.maker, governed.chain, [], failed_tx_hash=b""))
    return make_client(app_of(node))


def _signed_get(api: TestClient, key: SigningKey, path: str) -> httpx.Response:
    headers = RequestSigner(key).headers("GET", BASE + path)
    return api.get(path, headers=headers)


def test_a_member_and_an_account_verify_against_the_genesis(
    api: TestClient, governed: GovernedChain
) -> None:
    answer = api.get(f"/v1/registry/members/{governed.codes[2]}")
    assert answer.status_code == 200
    assert verify_member(governed.genesis, answer.json()).record.code == governed.codes[2]
    account = api.get(f"/v1/accounts/{governed.address(governed.client).hex()}")
    assert account.status_code == 200
    assert verify_account(governed.genesis, account.json()).record.kind == "client"
    missing = api.get("/v1/accounts/" + "00" * 20)
    assert missing.status_code == 404
    assert missing.json()["error"]["code"] == "unknown_account"


def test_member_codes_are_checked(api: TestClient, governed: GovernedChain) -> None:
    assert api.get("/v1/registry/members/short").json()["error"]["code"] == "invalid_code"
    code = governed.codes[0]
    broken = code[:-1] + ("1" if code[-1] != "1" else "2")
    answer = api.get(f"/v1/registry/members/{broken}")
    assert answer.status_code == 404
    assert "check" in answer.json()["error"]["message"]


def test_pages_of_members_nodes_and_policies(api: TestClient, governed: GovernedChain) -> None:
    first = api.get("/v1/registry/members", params={"limit": 3}).json()
    assert [m["code"] for m in first["members"]] == governed.codes[:3]
    rest = api.get("/v1/registry/members", params={"cursor": first["next"]}).json()
    assert [m["code"] for m in rest["members"]] == governed.codes[3:]
    assert rest["next"] is None
    nodes = api.get("/v1/registry/nodes").json()["nodes"]
    assert [n["name"] for n in nodes] == ["node0", "node1", "node2", "node3"]
    policies: dict[str, dict[str, object]] = {}
    cursor: str | None = None
    while True:  # every page: the table is longer than one
        page = api.get("/v1/policies", params={} if cursor is None else {"cursor": cursor}).json()
        policies.update({p["resource"]: p for p in page["policies"]})
        cursor = page["next"]
        if cursor is None:
            break
    assert policies["notary.anchor"]["roles"] == ["admin", "client", "transact"]
    assert policies["registry.subject_apply"]["rule"] == "SELF"


def test_item_5_a_subject_is_a_signed_read(api: TestClient, governed: GovernedChain) -> None:
    applicant = APPLICANT
    path = f"/v1/registry/subjects/{governed.address(applicant).hex()}"
    unsigned = api.get(path)
    assert unsigned.status_code == 401
    assert unsigned.json()["error"]["code"] == "signature_required"
    # an applicant is not yet an account, and a reader must be one
    own = _signed_get(api, applicant, path)
    assert own.status_code == 401
    assert own.json()["error"]["code"] == "unknown_signer"
    reviewer = _signed_get(api, governed.admins[1], path)
    assert reviewer.status_code == 200
    subject = reviewer.json()["subject"]
    assert subject["kind"] == "person"
    assert subject["status"] == "applied"
    other = _signed_get(api, governed.admins[2], path)
    assert other.status_code == 403
    assert other.json()["error"]["code"] == "permission_denied"
    for answer in (unsigned, own, reviewer, other):
        body = answer.content
        for secret in (PERSON.id_number, PERSON.name, PERSON.address):
            assert secret.encode() not in body


def test_proposals_are_listed_by_state_and_one_verifies(make_client: MakeClient) -> None:
    gc = GovernedChain.make()
    executed = gc.propose(0, "param.set", {"name": "proposal_period_max", "value": 500})
    for voter in (0, 1, 2):
        gc.vote(voter, executed)
    gc.propose(1, "param.set", {"name": "win_rate", "value": "2/3"})
    api = make_client(app_of(FakeNode(Chain(gc.maker, gc.chain, [], failed_tx_hash=b""))))
    every = api.get("/v1/gov/proposals").json()
    assert [p["id"] for p in every["proposals"]] == [2, 1]
    open_only = api.get("/v1/gov/proposals", params={"state": "open"}).json()
    assert [p["id"] for p in open_only["proposals"]] == [2]
    one = api.get(f"/v1/gov/proposals/{executed}").json()
    assert one["proposal"]["state"] == "executed"
    assert verify_proposal(gc.genesis, one).record.id == executed
    assert api.get("/v1/gov/proposals/99").json()["error"]["code"] == "unknown_proposal"
