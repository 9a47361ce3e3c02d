"""Governance of contracts: freeze, unfreeze, abolish, parameters; the review electorate is fixed
at submission (issue 20 item 4; F-E6, F-D1)."""

from __future__ import annotations

import pytest

from govchain.codes.demo import demo_uscc
from govchain.contracts.lifecycle.params import read_params
from govchain.contracts.lifecycle.state import history_keys
from govchain.contracts.state_lists import list_count
from tests.unit.contracts.governed_chain import ok
from tests.unit.contracts.lifecycle.fake_runner import fake_module
from tests.unit.contracts.lifecycle.lifecycle_chain import LifecycleChain, called, events_of


@pytest.fixture
def life() -> LifecycleChain:
    return LifecycleChain.make()


def _freeze(life: LifecycleChain, action: str, contract: bytes) -> str | None:
    return life.govern(action, {"contract": contract, "reason": "audit finding 7"})


def test_f_e6_a_frozen_contract_refuses_calls_until_unfrozen(life: LifecycleChain) -> None:
    contract = life.deployed()
    assert _freeze(life, "contracts.freeze", contract) == "executed"
    record = life.contract(contract)
    assert (record.status, record.reason) == ("frozen", "audit finding 7")
    refused = life.call(contract, "count")
    assert refused.error == "contract_frozen: contract fee-rule is frozen: audit finding 7"
    assert _freeze(life, "contracts.unfreeze", contract) == "executed"
    assert called(life.call(contract, "count")) == 1


def test_f_e6_upgrade_and_deploy_while_frozen_keep_it_frozen(life: LifecycleChain) -> None:
    contract = life.deployed()
    ok(life.call(contract, "count"))
    assert _freeze(life, "contracts.freeze", contract) == "executed"
    v2 = {"contract": contract, "version": 2, "code": fake_module("count", "double")}
    ok(life.send(life.owner, "contracts.upgrade", **v2))
    life.approve(contract, 2)
    ok(life.send(life.owner, "contracts.deploy", contract=contract))
    record = life.contract(contract)
    assert (record.status, record.active_version) == ("frozen", 2)
    assert life.call(contract, "double").error.startswith("contract_frozen: ")
    assert _freeze(life, "contracts.unfreeze", contract) == "executed"
    assert called(life.call(contract, "double")) == 3


def test_f_d1_abolish_is_final_and_the_name_stays_taken(life: LifecycleChain) -> None:
    contract = life.deployed()
    assert _freeze(life, "contracts.abolish", contract) == "executed"
    assert life.contract(contract).status == "abolished"
    assert life.call(contract, "count").error.startswith("contract_abolished: ")
    deploy = life.send(life.owner, "contracts.deploy", contract=contract)
    assert deploy.error.startswith("contract_abolished: ")
    assert life.review(1, contract).error.startswith("contract_abolished: ")
    assert life.submit("fee-rule").error.startswith("name_taken: ")
    args = {"contract": contract, "reason": "again"}
    proposal = life.chain.run_one(
        life.chain.tx(
            life.owner, "gov.propose",
            {"action": "contracts.unfreeze", "args": args, "reason": "x",
             "expiry_height": life.chain.height + 10},
        )
    )  # fmt: skip
    assert "bad_status: contract fee-rule is abolished" in proposal.error


def test_governance_actions_refuse_what_they_cannot_do(life: LifecycleChain) -> None:
    contract = life.submitted()
    chain = life.chain

    def propose(action: str, args: dict[str, object]) -> str:
        tx = chain.tx(
            life.owner, "gov.propose",
            {"action": action, "args": args, "reason": "x", "expiry_height": chain.height + 10},
        )  # fmt: skip
        return chain.run_one(tx).error

    reason = "because"
    assert "bad_status: contract fee-rule is in_review" in propose(
        "contracts.freeze", {"contract": contract, "reason": reason}
    )
    assert "unknown_contract" in propose(
        "contracts.freeze", {"contract": b"\x03" * 16, "reason": reason}
    )
    assert "16-byte contract id" in propose(
        "contracts.freeze", {"contract": b"x", "reason": reason}
    )
    assert "1000..1000000000" in propose("contracts.params", {"tx_fuel": 10})
    assert "needs test_genesis" in propose("contracts.params", {"require_test": True})
    assert "block_fuel: must be at least tx_fuel" in propose(
        "contracts.params", {"tx_fuel": 5_000, "block_fuel": 4_000}
    )
    assert "not a review rule" in propose("contracts.params", {"review_rule": "FORBIDDEN"})
    assert "name at least one" in propose("contracts.params", {})


def test_params_change_only_the_named_ones(life: LifecycleChain) -> None:
    assert life.govern("contracts.params", {"memory_pages": 16, "allow_floats": True}) == "executed"
    params = read_params(life.chain.read)
    assert (params.memory_pages, params.allow_floats, params.tx_fuel) == (16, True, 10_000_000)


def test_f_d1_the_electorate_is_fixed_when_a_version_is_submitted(life: LifecycleChain) -> None:
    contract = life.submitted()
    new_admin = life.chain.maker.suite.generate_key()
    admit = {"code": demo_uscc(77), "name": "Department X (demo)", "admins": [new_admin.public_key]}
    assert life.govern("member.admit", admit) == "executed"
    life.chain.admins.append(new_admin)
    assert life.review(4, contract).error.startswith("not_reviewer: ")


def test_f_d1_every_step_is_in_the_history_with_an_event(life: LifecycleChain) -> None:
    contract = life.deployed()
    assert _freeze(life, "contracts.freeze", contract) == "executed"
    steps = list_count(life.chain.read, history_keys(contract))
    # submitted, 3 reviews, approved, deployed, frozen
    assert steps == 7
    receipt = life.govern("contracts.unfreeze", {"contract": contract, "reason": "fixed"})
    assert receipt == "executed"
    assert list_count(life.chain.read, history_keys(contract)) == 8
    assert events_of(life.call(contract, "count"), "contracts.called")
