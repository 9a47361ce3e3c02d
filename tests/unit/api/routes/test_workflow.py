"""Routes of ``workflow`` over a chain with cases: a process's per-step statistics and one step
with its department's adapter, every record with a fact that verifies (F-D6, F-F1)."""

from __future__ import annotations

import pytest

from govchain.client.registry import verify_record
from govchain.client.verify import verify_state_fact
from govchain.contracts.workflow import AdapterSetArgs, FlagOverdueArgs, StepResultArgs
from govchain.contracts.workflow.records import StepState, TimelineEntry
from govchain.contracts.workflow.state import adapter_key, step_key, timeline
from govchain.contracts.workflow.stats import StepStats, stats_key
from govchain.ledger.proofs import StateFact
from tests.unit.contracts.assets.asset_chain import TYPE_CODE, ok
from tests.unit.contracts.workflow.test_cases import Setup

from ..conftest import MakeClient, TestClient, app_of
from ..fake_node import Chain, FakeNode


class Cases:
    """Two cases: one whose licence step was approved by the adapter, one flagged overdue."""

    def __init__(self) -> None:
        self.setup = setup = Setup()
        gc = setup.ac.gc
        ok(setup.send(gc.admins[0], AdapterSetArgs(gc.codes[0], gc.address(gc.admins[0]))))
        self.done = setup.apply()
        self.late = setup.apply()
        licence = setup.output(0, TYPE_CODE)
        ok(
            setup.send(
                gc.admins[0],
                StepResultArgs(self.done, "licence", "approved", outputs=(licence,)),
                advance_ms=2 * 60_000,
            )
        )
        ok(setup.send(gc.admins[3], FlagOverdueArgs(self.late, "licence")))
        gc.run()


@pytest.fixture(scope="module")
def cases() -> Cases:
    return Cases()


@pytest.fixture
def api(cases: Cases, make_client: MakeClient) -> TestClient:
    gc = cases.setup.ac.gc
    return make_client(app_of(FakeNode(Chain(gc.maker, gc.chain, [], failed_tx_hash=b""))))


def test_process_stats_carry_a_verifying_fact_per_step_f_d6(api: TestClient, cases: Cases) -> None:
    answer = api.get("/v1/processes/setup/stats")
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert (body["process"], body["version"]) == ("setup", 1)
    assert [e["stats"]["step"] for e in body["steps"]] == ["licence", "bank", "seal"]
    genesis = cases.setup.ac.gc.genesis
    licence = body["steps"][0]
    verify_record(
        genesis, stats_key("setup", "licence"), licence["fact"], licence["stats"],
        StepStats.from_stored, StepStats.to_json,
    )  # fmt: skip
    stats = licence["stats"]
    assert (stats["ready"], stats["done"], stats["overdue"]) == (2, 1, 1)
    assert licence["overdue_permille"] == 500
    assert licence["average_ms"] == stats["total_ms"] > 0
    bank = body["steps"][1]
    assert (bank["stats"]["ready"], bank["average_ms"], bank["overdue_permille"]) == (1, 0, 0)


def test_a_step_and_its_adapter_verify_f_d6(api: TestClient, cases: Cases) -> None:
    answer = api.get(f"/v1/cases/{cases.late.hex()}/steps/licence")
    assert answer.status_code == 200, answer.text
    body = answer.json()
    gc = cases.setup.ac.gc
    proven = verify_record(
        gc.genesis, step_key(cases.late, "licence"), body["fact"], body["step"],
        StepState.from_stored, StepState.to_json,
    )  # fmt: skip
    assert proven.record.overdue
    assert body["adapter"] == gc.address(gc.admins[0]).hex()
    adapter = verify_state_fact(
        gc.genesis, StateFact.from_json(body["adapter_fact"]), adapter_key(gc.codes[0])
    )
    assert adapter == gc.address(gc.admins[0])
    unset = api.get(f"/v1/cases/{cases.late.hex()}/steps/seal").json()
    assert unset["adapter"] is None
    absent = verify_state_fact(
        gc.genesis, StateFact.from_json(unset["adapter_fact"]), adapter_key(gc.codes[1])
    )
    assert absent is None


@pytest.mark.parametrize(
    ("path", "status", "code"),
    [
        ("/v1/processes/nope/stats", 404, "not_found"),
        ("/v1/processes/bad%20code/stats", 422, "invalid_request"),
        (f"/v1/cases/{'ab' * 16}/steps/licence", 404, "not_found"),
        (f"/v1/cases/{'ab' * 16}/steps/Licence", 422, "invalid_request"),
        ("/v1/cases/zz/steps/licence", 400, "invalid_hex"),
    ],
)
def test_bad_or_unknown_names_are_refused_in_the_error_shape(
    api: TestClient, path: str, status: int, code: str
) -> None:
    answer = api.get(path)
    assert answer.status_code == status, answer.text
    assert answer.json()["error"]["code"] == code


def test_the_matter_list_and_the_processes_are_listed_in_order_f_d3(api: TestClient) -> None:
    matters = api.get("/v1/matters").json()
    assert [m["code"] for m in matters["records"]] == ["L-001", "S-001", "B-001"]
    assert matters["next"] is None
    assert [m["version"] for m in matters["records"]] == [1, 1, 1]
    processes = api.get("/v1/processes").json()
    assert [(p["code"], p["order"]) for p in processes["records"]] == [
        ("setup", ["licence", "bank", "seal"])
    ]
    assert api.get("/v1/matters", params={"cursor": "3"}).json() == {"records": [], "next": None}
    assert api.get("/v1/matters", params={"cursor": "x"}).status_code == 400


def test_the_timeline_is_paged_each_entry_with_a_verifying_fact_f_d6(
    api: TestClient, cases: Cases
) -> None:
    gc = cases.setup.ac.gc
    answer = api.get(f"/v1/cases/{cases.late.hex()}/timeline")
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert body["next"] is None
    actions = [e["entry"]["action"] for e in body["entries"]]
    assert actions == ["opened", "ready", "overdue"]
    for shown in body["entries"]:
        key = timeline(cases.late).item_key(shown["index"])
        verify_record(
            gc.genesis, key, shown["fact"], shown["entry"], TimelineEntry.from_stored,
            TimelineEntry.to_json,
        )  # fmt: skip
    later = api.get(f"/v1/cases/{cases.late.hex()}/timeline", params={"cursor": "2"}).json()
    assert [e["index"] for e in later["entries"]] == [2]
    assert api.get(f"/v1/cases/{'00' * 16}/timeline").status_code == 404
