"""Routes of ``supervision``: a regulator's scope with a fact that verifies, and the list (F-E1)."""

from __future__ import annotations

import pytest

from govchain.client.registry import verify_record
from govchain.contracts.supervision.records import RegulatorScope
from govchain.contracts.supervision.state import scope_key
from tests.unit.contracts.assets.asset_chain import TYPE_CODE
from tests.unit.contracts.governed_chain import decided
from tests.unit.contracts.supervision.test_scopes import Scene

from ..conftest import MakeClient, TestClient, app_of
from ..fake_node import Chain, FakeNode


@pytest.fixture(scope="module")
def scene() -> Scene:
    made = Scene()
    args = {"address": made.regulator, "types": [TYPE_CODE], "departments": [], "matters": [],
            "reason": "年度抽查"}  # fmt: skip
    assert decided(made.decide("regulator.set", args)) == "executed"
    return made


@pytest.fixture
def api(scene: Scene, make_client: MakeClient) -> TestClient:
    gc = scene.ac.gc
    return make_client(app_of(FakeNode(Chain(gc.maker, gc.chain, [], failed_tx_hash=b""))))


def test_a_scope_carries_a_verifying_fact_f_e1(api: TestClient, scene: Scene) -> None:
    answer = api.get(f"/v1/regulators/{scene.regulator.hex()}")
    assert answer.status_code == 200, answer.text
    body = answer.json()
    proven = verify_record(
        scene.ac.gc.genesis, scope_key(scene.regulator), body["fact"], body["scope"],
        RegulatorScope.from_stored, RegulatorScope.to_json,
    )  # fmt: skip
    assert proven.record.types == (TYPE_CODE,)
    assert api.get(f"/v1/regulators/{scene.holder.hex()}").status_code == 404
    assert api.get("/v1/regulators/xyz").status_code in (400, 422)


def test_the_regulators_are_listed_f_e1(api: TestClient, scene: Scene) -> None:
    listed = api.get("/v1/regulators").json()
    assert [s["regulator"] for s in listed["records"]] == [scene.regulator.hex()]
    assert listed["next"] is None
