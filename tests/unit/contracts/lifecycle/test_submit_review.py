"""contracts.submit and contracts.review: module rules, names, the review rule (issue 20 item 4;
F-D1, F-D2)."""

from __future__ import annotations

import pytest

from govchain.contracts.lifecycle.state import code_key, name_key, read_vote
from govchain.execution.registry import STATUS_PERMISSION_DENIED
from tests.unit.contracts.governed_chain import ok
from tests.unit.contracts.lifecycle.fake_runner import fake_module
from tests.unit.contracts.lifecycle.lifecycle_chain import LifecycleChain, events_of


@pytest.fixture
def life() -> LifecycleChain:
    return LifecycleChain.make()


def test_f_d1_submit_stores_version_one_in_review_with_its_code(life: LifecycleChain) -> None:
    module = fake_module("count", "put")
    receipt = ok(life.submit("fee-rule", module, abi={"count": "adds one"}, description="fees"))
    [event] = events_of(receipt, "contracts.submitted")
    contract = event["contract"]
    assert isinstance(contract, bytes)
    assert len(contract) == 16
    record = life.contract(contract)
    assert (record.name, record.status, record.versions, record.active_version) == (
        "fee-rule", "in_review", 1, 0,
    )  # fmt: skip
    assert record.member == life.chain.codes[0]
    version = life.version(contract, 1)
    assert version.status == "in_review"
    assert version.rule == "MAJORITY"
    assert version.abi == {"count": "adds one", "put": ""}
    assert version.electorate == tuple(sorted(life.chain.codes))
    assert life.chain.read(code_key(version.code_hash)) == module
    assert life.chain.read(name_key("fee-rule")) == contract


@pytest.mark.parametrize(
    "rule", ["not_wasm", "bad_import", "floats_forbidden", "no_entry", "bad_export"]
)
def test_f_d2_a_module_breaking_a_rule_is_refused_with_its_reason(
    life: LifecycleChain, rule: str
) -> None:
    receipt = life.submit("bad", fake_module("count", refuse=rule))
    assert receipt.status == 1
    assert receipt.error.startswith(f"{rule}: ")
    assert life.chain.read(name_key("bad")) is None


def test_f_d2_not_wasm_and_too_large(life: LifecycleChain) -> None:
    assert life.submit("x", b"plain text").error.startswith("not_wasm: ")
    assert life.govern("contracts.params", {"max_module_bytes": 1024}) == "executed"
    receipt = life.submit("big", fake_module("count", padding=2000))
    assert receipt.error.startswith("too_large: the module is ")


def test_submit_refusals(life: LifecycleChain) -> None:
    life.submitted("fee-rule")
    assert life.submit("fee-rule").error.startswith("name_taken: ")
    assert life.submit("other", colour="red").error.startswith("invalid_args: ")
    assert life.submit("v2", version=2).error.startswith("bad_version: ")
    bad_abi = life.submit("abi", fake_module("count"), abi={"missing": "x"})
    assert bad_abi.error.startswith("bad_abi: ")
    bad_name = life.send(life.owner, "contracts.submit", name="no spaces", version=1, code=b"x")
    assert bad_name.error.startswith("invalid_args: ")


def test_submit_needs_publish_permission_and_a_member_that_manages_contracts(
    life: LifecycleChain,
) -> None:
    denied = life.send(life.chain.client, "contracts.submit", name="c", version=1, code=b"x")
    assert denied.status == STATUS_PERMISSION_DENIED
    code = life.chain.codes[0]
    assert (
        life.govern("member.set_permissions", {"code": code, "permissions": ["node"]}) == "executed"
    )
    assert life.submit("c").error.startswith("no_member: member ")


def test_f_d1_majority_approves_and_the_votes_are_kept(life: LifecycleChain) -> None:
    contract = life.submitted()
    ok(life.review(0, contract))
    second = ok(life.review(1, contract))
    assert not events_of(second, "contracts.approved")
    assert life.contract(contract).status == "in_review"
    third = ok(life.review(2, contract))
    assert events_of(third, "contracts.approved") == [{"contract": contract, "version": 1}]
    assert life.contract(contract).status == "approved"
    version = life.version(contract, 1)
    assert (version.status, version.yes, version.no) == ("approved", 3, 0)
    vote = read_vote(life.chain.read, contract, 1, life.chain.codes[1])
    assert vote is not None
    assert vote.approve
    assert vote.comment == "reviewed"


def test_f_d1_rejected_once_the_rule_can_no_longer_pass(life: LifecycleChain) -> None:
    contract = life.submitted()
    ok(life.review(0, contract, approve=False))
    receipt = ok(life.review(1, contract, approve=False))
    assert events_of(receipt, "contracts.rejected") == [{"contract": contract, "version": 1}]
    assert life.contract(contract).status == "rejected"
    assert life.review(2, contract).error.startswith("not_in_review: ")


def test_review_rule_is_a_chain_parameter(life: LifecycleChain) -> None:
    assert life.govern("contracts.params", {"review_rule": "ALL"}) == "executed"
    contract = life.submitted()
    life.approve(contract)
    assert life.contract(contract).status == "in_review"
    ok(life.review(3, contract))
    assert life.contract(contract).status == "approved"


def test_review_refusals(life: LifecycleChain) -> None:
    contract = life.submitted()
    ok(life.review(0, contract))
    assert life.review(0, contract).error.startswith("already_reviewed: ")
    assert life.review(1, contract, version=2).error.startswith("bad_version: ")
    assert life.review(1, b"\x01" * 16).error.startswith("unknown_contract: ")
    other = life.send(
        life.chain.client, "contracts.review", contract=contract, version=1, approve=True,
        comment="x",
    )  # fmt: skip
    assert other.status == STATUS_PERMISSION_DENIED
    blank = life.send(
        life.chain.admins[1], "contracts.review", contract=contract, version=1, approve=True,
        comment="  ",
    )  # fmt: skip
    assert blank.error.startswith("invalid_args: ")
