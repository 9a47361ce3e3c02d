"""Routes of ``contracts``: a contract with its versions, reviews and test record, its history
and the list, each verified offline with the SDK (issue 20 items 4, 7; F-D1)."""

from __future__ import annotations

import pytest

from govchain.client.contracts import verify_contract, verify_history
from govchain.types.errors import ProofError
from tests.unit.contracts.governed_chain import ok
from tests.unit.contracts.lifecycle.fake_runner import fake_module
from tests.unit.contracts.lifecycle.lifecycle_chain import LifecycleChain

from ..conftest import MakeClient, TestClient, app_of
from ..fake_node import Chain, FakeNode


@pytest.fixture(scope="module")
def scene() -> tuple[LifecycleChain, bytes]:
    life = LifecycleChain.make()
    contract = life.deployed()
    ok(life.call(contract, "count"))
    upgrade = {"contract": contract, "version": 2, "code": fake_module("count", "double")}
    ok(life.send(life.owner, "contracts.upgrade", **upgrade))
    ok(life.review(1, contract, 2, approve=False))
    life.submitted("second")
    return life, contract


@pytest.fixture
def api(scene: tuple[LifecycleChain, bytes], make_client: MakeClient) -> TestClient:
    gc = scene[0].chain
    return make_client(app_of(FakeNode(Chain(gc.maker, gc.chain, [], failed_tx_hash=b""))))


def test_f_d1_a_contract_read_verifies_offline(
    api: TestClient, scene: tuple[LifecycleChain, bytes]
) -> None:
    life, contract = scene
    answer = api.get(f"/v1/contracts/{contract.hex()}")
    assert answer.status_code == 200, answer.text
    body = answer.json()
    record = verify_contract(life.chain.genesis, body)
    assert (record.name, record.status, record.active_version) == ("fee-rule", "active", 1)
    assert [v["version"]["number"] for v in body["versions"]] == [2, 1]
    assert [len(v["reviews"]) for v in body["versions"]] == [1, 3]
    assert body["versions"][0]["reviews"][0]["record"]["approve"] is False
    forged = {**body, "contract": {**body["contract"], "status": "frozen"}}
    with pytest.raises(ProofError, match="differs"):
        verify_contract(life.chain.genesis, forged)
    review = body["versions"][1]["reviews"][0]
    review["record"]["comment"] = "forged"
    with pytest.raises(ProofError):
        verify_contract(life.chain.genesis, body)


def test_f_d1_the_history_verifies_step_by_step(
    api: TestClient, scene: tuple[LifecycleChain, bytes]
) -> None:
    life, contract = scene
    first = api.get(f"/v1/contracts/{contract.hex()}/history", params={"limit": 4}).json()
    assert first["next"] == "4"
    rest = api.get(
        f"/v1/contracts/{contract.hex()}/history", params={"cursor": first["next"], "limit": 25}
    ).json()
    steps = verify_history(life.chain.genesis, first) + verify_history(life.chain.genesis, rest)
    assert [s.step for s in steps] == [
        "submitted", "reviewed", "reviewed", "reviewed", "approved", "deployed", "upgraded",
        "reviewed",
    ]  # fmt: skip
    assert rest["next"] is None
    rest["steps"][0]["entry"]["height"] += 1
    with pytest.raises(ProofError):
        verify_history(life.chain.genesis, rest)


def test_the_list_and_the_params(api: TestClient, scene: tuple[LifecycleChain, bytes]) -> None:
    page = api.get("/v1/contracts").json()
    assert [c["record"]["name"] for c in page["contracts"]] == ["fee-rule", "second"]
    assert page["next"] is None
    one = api.get("/v1/contracts", params={"limit": 1}).json()
    assert one["next"] == "1"
    params = api.get("/v1/contracts/params").json()["params"]
    assert params["tx_fuel"] == 10_000_000
    assert params["test_genesis"] == ""


def test_bad_paths_get_clear_errors(api: TestClient) -> None:
    missing = api.get(f"/v1/contracts/{'00' * 16}")
    assert missing.status_code == 404
    assert missing.json()["error"]["code"] == "not_found"
    assert api.get("/v1/contracts/xyz").json()["error"]["code"] == "invalid_hex"
    assert (
        api.get("/v1/contracts", params={"cursor": "x"}).json()["error"]["code"] == "invalid_cursor"
    )
