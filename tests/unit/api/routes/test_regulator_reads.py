"""``GET /v1/supervision/reads/{use_tx}``: a regulator's read of a case or a tx is served against
its usage record only, to the record's reader, in scope and in time; ``GET
/v1/accounts/{address}/usage`` lists it in the holder's history (F-E1, F-C2)."""

from __future__ import annotations

import os

import httpx
import pytest

from govchain.client.registry import verify_record
from govchain.client.request_signing import RequestSigner
from govchain.contracts.grants.txs import RecordReadArgs
from govchain.contracts.workflow import ApplyArgs, StepResultArgs
from govchain.contracts.workflow.records import Case
from govchain.contracts.workflow.state import case_key
from govchain.crypto import SigningKey
from tests.unit.contracts.assets.asset_chain import TYPE_CODE, ok
from tests.unit.contracts.supervision.test_record_reads import PURPOSE, Scene

from ..conftest import MakeClient, TestClient, app_of
from ..fake_node import Chain, FakeNode

BASE = "http://testserver"
FORM_NAME = "济南演示有限公司"


class Reads(Scene):
    """A case, a licence step result naming it, a second application, and a scope by the seal
    step's matter."""

    def __init__(self) -> None:
        super().__init__()
        gc = self.ac.gc
        licence = self.output(0, TYPE_CODE)
        result = StepResultArgs(self.case, "licence", "approved", outputs=(licence,))
        self.result_tx = ok(self.send(gc.admins[0], result)).tx_hash
        apply = ApplyArgs("setup", self.applicant, {"名称": FORM_NAME})
        self.apply_tx = ok(self.send(gc.client, apply)).tx_hash
        self.scope_id = self.set_scope([], ["S-001"])

    def record(self, **target: bytes) -> bytes:
        args = RecordReadArgs("view", PURPOSE, {"scope": self.scope_id}, **target)
        return ok(self.read(args)).tx_hash


@pytest.fixture(scope="module")
def reads() -> Reads:
    return Reads()


@pytest.fixture
def api(reads: Reads, make_client: MakeClient) -> TestClient:
    gc = reads.ac.gc
    return make_client(app_of(FakeNode(Chain(gc.maker, gc.chain, [], failed_tx_hash=b""))))


def _get(api: TestClient, key: SigningKey | None, path: str) -> httpx.Response:
    headers = {} if key is None else RequestSigner(key).headers("GET", BASE + path)
    return api.get(path, headers=headers)


def _code(answer: httpx.Response) -> tuple[int, str]:
    return answer.status_code, answer.json()["error"]["code"]


def test_a_case_is_served_to_the_regulator_against_its_record_f_e1(
    api: TestClient, reads: Reads
) -> None:
    use = reads.record(case=reads.case)
    path = f"/v1/supervision/reads/{use.hex()}"
    answer = _get(api, reads.regulator_key, path)
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert (body["usage"]["target"], body["usage"]["target_id"]) == ("case", reads.case.hex())
    proven = verify_record(
        reads.ac.gc.genesis, case_key(reads.case), body["case_fact"], body["case"],
        Case.from_stored, Case.to_json,
    )  # fmt: skip
    assert proven.record.form == {"名称": FORM_NAME}
    assert body["tx"] is None

    assert _code(_get(api, reads.applicant_key, path)) == (403, "permission_denied")
    assert _get(api, None, path).status_code == 401
    missing = f"/v1/supervision/reads/{os.urandom(32).hex()}"
    assert _code(_get(api, reads.regulator_key, missing)) == (404, "not_found")

    history = api.get(f"/v1/accounts/{reads.applicant.hex()}/usage").json()
    assert use.hex() in [u["tx_hash"] for u in history["usage"]]
    assert all(u["receipt"]["format"] for u in history["usage"])


def test_a_tx_is_served_when_in_scope_and_sent_by_the_named_holder_f_e1(
    api: TestClient, reads: Reads
) -> None:
    gc = reads.ac.gc
    department = gc.address(gc.admins[0])
    use = reads.record(tx=reads.result_tx, holder=department)
    answer = _get(api, reads.regulator_key, f"/v1/supervision/reads/{use.hex()}")
    assert answer.status_code == 200, answer.text
    tx = answer.json()["tx"]
    assert (tx["hash"], tx["type"], tx["sender"]) == (
        reads.result_tx.hex(), "workflow.step_result", department.hex()
    )  # fmt: skip
    assert tx["args"]["case"] == reads.case.hex()
    history = api.get(f"/v1/accounts/{department.hex()}/usage").json()
    assert [u["tx_hash"] for u in history["usage"]] == [use.hex()]

    wrong_holder = reads.record(tx=reads.result_tx, holder=reads.applicant)
    out_of_scope = reads.record(tx=reads.apply_tx, holder=gc.address(gc.client))
    for refused in (wrong_holder, out_of_scope):
        path = f"/v1/supervision/reads/{refused.hex()}"
        assert _code(_get(api, reads.regulator_key, path)) == (403, "not_in_scope")


def test_an_old_record_or_a_replaced_scope_serves_nothing_f_e1(
    api: TestClient, reads: Reads
) -> None:
    use = reads.record(case=reads.case)
    path = f"/v1/supervision/reads/{use.hex()}"
    assert _get(api, reads.regulator_key, path).status_code == 200
    for _ in range(101):
        reads.ac.gc.run()
    assert _code(_get(api, reads.regulator_key, path)) == (403, "use_stale")

    fresh = reads.record(case=reads.case)
    reads.set_scope([], ["B-001"])  # a new scope: a new id
    path = f"/v1/supervision/reads/{fresh.hex()}"
    assert _code(_get(api, reads.regulator_key, path)) == (403, "not_in_scope")
