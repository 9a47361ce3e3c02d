"""contracts.deploy, contracts.call and contracts.upgrade: state under the contract's prefix,
events, fuel, the block fuel budget, upgrades that keep state (issue 20 item 4; F-D1, F-D2)."""

from __future__ import annotations

import pytest

from govchain.codec import decode
from govchain.contracts.lifecycle.state import state_prefix
from tests.unit.contracts.governed_chain import ok
from tests.unit.contracts.lifecycle.fake_runner import CALL_FUEL, fake_module
from tests.unit.contracts.lifecycle.lifecycle_chain import LifecycleChain, called, events_of


@pytest.fixture
def life() -> LifecycleChain:
    return LifecycleChain.make()


def test_f_d1_deploy_makes_the_approved_version_active(life: LifecycleChain) -> None:
    contract = life.submitted()
    assert life.send(life.owner, "contracts.deploy", contract=contract).error.startswith(
        "not_approved: "
    )
    life.approve(contract)
    other = life.send(life.chain.admins[1], "contracts.deploy", contract=contract)
    assert other.error.startswith("not_owner: ")
    receipt = ok(life.send(life.owner, "contracts.deploy", contract=contract))
    [event] = events_of(receipt, "contracts.deployed")
    assert event["version"] == 1
    assert event["code_hash"] == life.version(contract, 1).code_hash
    record = life.contract(contract)
    assert (record.status, record.active_version) == ("active", 1)
    assert life.version(contract, 1).status == "active"
    again = life.send(life.owner, "contracts.deploy", contract=contract)
    assert again.error.startswith("not_approved: ")


def test_f_d1_a_call_writes_under_the_contract_prefix_and_reports_fuel(
    life: LifecycleChain,
) -> None:
    contract = life.deployed()
    receipt = life.call(contract, "count")
    assert called(receipt) == 1
    [event] = events_of(receipt, "contracts.called")
    assert (event["method"], event["version"], event["fuel"]) == ("count", 1, CALL_FUEL)
    [emitted] = events_of(receipt, "contracts.event")
    assert emitted["contract"] == contract
    assert emitted["name"] == "counted"
    assert decode(emitted["data"]) == {"n": 1}  # type: ignore[arg-type]
    assert life.chain.read(state_prefix(contract) + b"n") == (1).to_bytes(8, "big")
    assert called(life.call(contract, "count")) == 2
    ok(life.call(contract, "put", {"key": b"k", "value": b"v"}))
    assert life.chain.read(state_prefix(contract) + b"k") == b"v"
    ok(life.call(contract, "drop", {"key": b"k"}))
    assert life.chain.read(state_prefix(contract) + b"k") is None


def test_f_d2_the_host_answers_the_registry_query_for_the_caller(life: LifecycleChain) -> None:
    contract = life.deployed()
    assert called(life.call(contract, "whoami")) is False
    assert called(life.call(contract, "whoami", signer=life.chain.admins[2])) is True


def test_call_refusals(life: LifecycleChain) -> None:
    assert life.call(b"\x02" * 16, "count").error.startswith("unknown_contract: ")
    contract = life.submitted()
    assert life.call(contract, "count").error.startswith("not_approved: ")
    life.approve(contract)
    ok(life.send(life.owner, "contracts.deploy", contract=contract))
    assert life.call(contract, "nothing").error.startswith("unknown_method: ")
    bad = life.send(life.chain.client, "contracts.call", contract=contract, method="govchain_alloc")
    assert bad.error.startswith("invalid_args: ")


def test_f_d2_a_failed_call_writes_nothing_and_says_why_and_the_fuel(life: LifecycleChain) -> None:
    contract = life.deployed()
    looped = life.call(contract, "loop")
    assert looped.status == 1
    assert not looped.events
    assert looped.error == "out_of_fuel: used 10000000 of 10000000 fuel"
    aborted = life.call(contract, "abort")
    assert aborted.error == "contract_abort: not eligible; used 700 of 10000000 fuel"
    assert life.chain.read(state_prefix(contract) + b"n") is None


def test_f_d2_the_block_fuel_budget_counts_failed_calls_too(life: LifecycleChain) -> None:
    contract = life.deployed()
    changed = life.govern("contracts.params", {"tx_fuel": 1_000, "block_fuel": 2_500})
    assert changed == "executed"
    chain = life.chain
    txs = [
        chain.tx(
            chain.client, "contracts.call", {"contract": contract, "method": m, "args": b"\xa0"}
        )
        for m in ("loop", "count", "count", "count")
    ]
    looped, counted, short, spent = chain.run(*txs)
    assert looped.error == "out_of_fuel: used 1000 of 1000 fuel"
    assert called(counted) == 1
    assert short.error == "out_of_fuel: used 500 of 500 fuel"
    assert spent.error == "out_of_fuel: the block's fuel budget is spent; used 0 of 0 fuel"
    assert called(life.call(contract, "count")) == 2  # a new block has its whole budget
    assert life.runner.calls[-1] == ("count", 1_000)


def test_f_d1_upgrade_keeps_state_and_retires_the_old_version(life: LifecycleChain) -> None:
    contract = life.deployed()
    ok(life.call(contract, "count"))
    ok(life.call(contract, "count"))
    v2 = fake_module("count", "double")
    upgrade = {"contract": contract, "version": 2, "code": v2, "abi": {"double": "adds two"}}
    receipt = ok(life.send(life.owner, "contracts.upgrade", **upgrade))
    assert events_of(receipt, "contracts.upgraded")[0]["version"] == 2
    assert life.contract(contract).status == "active"  # version 1 still serves
    assert life.call(contract, "double").error.startswith("unknown_method: ")
    again = {**upgrade, "version": 3}
    assert life.send(life.owner, "contracts.upgrade", **again).error.startswith("bad_version: ")
    life.approve(contract, 2)
    ok(life.send(life.owner, "contracts.deploy", contract=contract))
    assert called(life.call(contract, "double")) == 4
    assert life.version(contract, 1).status == "retired"
    assert life.version(contract, 2).status == "active"
    assert life.call(contract, "whoami").error.startswith("unknown_method: ")


def test_upgrade_refusals(life: LifecycleChain) -> None:
    contract = life.deployed()
    args = {"contract": contract, "version": 3, "code": fake_module("count")}
    assert life.send(life.owner, "contracts.upgrade", **args).error.startswith("bad_version: ")
    args["version"] = 2
    other = life.send(life.chain.admins[1], "contracts.upgrade", **args)
    assert other.error.startswith("not_owner: ")
    refused = {**args, "code": fake_module("count", refuse="bad_import")}
    assert life.send(life.owner, "contracts.upgrade", **refused).error.startswith("bad_import: ")
    assert life.contract(contract).versions == 1
