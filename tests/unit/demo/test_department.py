"""A demo department's decisions: seeded, idempotent, within limits (issue 18 item 6, F-G1)."""

from __future__ import annotations

import pytest

from govchain.codes import check_uscc
from govchain.demo import DepartmentConfig, DepartmentSystem
from govchain.demo.department import rate_to_basis_points
from govchain.types.errors import ValidationError

from .demo_requests import answer, body, system

CASES = [f"case-{i:03d}" for i in range(200)]


def _run(department: DepartmentSystem, kind: str) -> list[dict[str, object]]:
    return [answer(department, body(kind, case)) for case in CASES]


def test_the_same_seed_gives_the_same_answers() -> None:
    settings = {"seed": 7, "reject_bp": 3000, "return_bp": 2000}
    first = _run(system("licence", **settings), "licence")
    second = _run(system("licence", **settings), "licence")
    assert first == second
    outcomes = {str(reply["outcome"]) for reply in first}
    assert outcomes == {"approved", "rejected", "returned"}


def test_another_seed_rejects_other_cases_and_numbers_otherwise() -> None:
    def rejected(seed: int) -> set[str]:
        replies = _run(system("seal", seed=seed, reject_bp=5000), "seal")
        return {str(r["case"]) for r in replies if r["outcome"] == "rejected"}

    assert rejected(1) != rejected(2)
    first = answer(system("licence", seed=1), body("licence"))
    second = answer(system("licence", seed=2), body("licence"))
    assert first["output"] != second["output"]


def test_the_rejected_steps_follow_case_and_step_not_the_order_of_requests() -> None:
    forward = _run(system("tax", seed=3, reject_bp=5000), "tax")
    department = system("tax", seed=3, reject_bp=5000)
    backward = [answer(department, body("tax", case)) for case in reversed(CASES)]
    outcome = {r["case"]: r["outcome"] for r in forward}
    assert outcome == {r["case"]: r["outcome"] for r in backward}


def test_reject_rate_zero_approves_and_one_rejects_every_step() -> None:
    approved = _run(system("bank", reject_bp=0), "bank")
    assert {r["outcome"] for r in approved} == {"approved"}
    rejected = _run(system("bank", reject_bp=10_000), "bank")
    assert {r["outcome"] for r in rejected} == {"rejected"}
    for reply in rejected:
        assert reply["reason"]
        assert "output" not in reply


def test_every_licence_of_a_run_gets_its_own_credit_code() -> None:
    replies = _run(system("licence", seed=11), "licence")
    codes = []
    for reply in replies:
        output = reply["output"]
        assert isinstance(output, dict)
        check_uscc(output["统一社会信用代码"])
        codes.append(output["统一社会信用代码"])
    assert len(set(codes)) == len(CASES)


def test_the_same_request_twice_gets_the_same_answer() -> None:
    department = system("licence", seed=5, reject_bp=5000)
    first = [answer(department, body("licence", case)) for case in CASES[:20]]
    again = [answer(department, body("licence", case)) for case in CASES[:20]]
    assert first == again
    health = department.health()
    assert health["answers"] == 20
    approved = sum(1 for r in first if r["outcome"] == "approved")
    assert health["approved"] == approved  # a repeat issues no second licence
    callback = body("licence", CASES[0], callback="http://127.0.0.1:1/cb")
    assert answer(department, callback) == first[0]  # the callback is not part of the step


def test_a_returned_first_attempt_is_approved_on_the_next() -> None:
    department = system("social", seed=9, return_bp=10_000)
    returned = answer(department, body("social", "c1"))
    assert returned["outcome"] == "returned"
    assert "resubmit" in str(returned["reason"])
    again = answer(department, body("social", "c1", attempt=2))
    assert again["outcome"] == "approved"
    assert again["attempt"] == 2
    assert answer(department, body("social", "c1")) == returned


def test_a_corrected_form_on_a_later_attempt_is_approved() -> None:
    department = system("seal")
    incomplete = {**body("seal", "c1"), "form": {"名称": "济南演示链信信息技术有限公司"}}
    assert answer(department, incomplete)["outcome"] == "returned"
    assert answer(department, body("seal", "c1", attempt=2))["outcome"] == "approved"


@pytest.mark.parametrize(
    ("settings", "message"),
    [
        ({"kind": "court"}, "--kind"),
        ({"kind": "seal", "seed": -1}, "--seed"),
        ({"kind": "seal", "reject_bp": 10_001}, "--reject-rate"),
        ({"kind": "seal", "return_bp": -1}, "--return-rate"),
        ({"kind": "seal", "delay_ms": 600_001}, "--delay-ms"),
    ],
)
def test_settings_out_of_range_are_refused(settings: dict[str, object], message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        DepartmentSystem(DepartmentConfig(**settings))  # type: ignore[arg-type]


def test_rates_become_basis_points() -> None:
    assert rate_to_basis_points(0) == 0
    assert rate_to_basis_points(0.25) == 2500
    assert rate_to_basis_points(1) == 10_000
    with pytest.raises(ValidationError):
        rate_to_basis_points(1.5)
