"""contracts.test_record: a test network's receipt of a passing call, verified offline against
the recorded test genesis, before a production deployment (issue 20 item 5; F-F1)."""

from __future__ import annotations

import json
from dataclasses import dataclass

import pytest

from govchain.contracts.lifecycle.state import read_test_record
from govchain.ledger.genesis_file import genesis_json_text
from govchain.ledger.proofs import tx_receipt_bundle
from govchain.types import Receipt
from tests.unit.contracts.governed_chain import ok
from tests.unit.contracts.lifecycle.fake_runner import fake_module
from tests.unit.contracts.lifecycle.lifecycle_chain import LifecycleChain, events_of

MODULE = fake_module("count", "abort")


@dataclass
class TestNet:
    """A test network that ran the module, and its files."""

    __test__ = False
    life: LifecycleChain
    genesis_file: bytes

    def receipt_file(self, receipt: Receipt) -> bytes:
        with self.life.chain.chain.view() as view:
            bundle = tx_receipt_bundle(view, receipt.tx_hash)
        return json.dumps(bundle.to_json()).encode()


def _test_net(chain_id: str = "dept-test") -> tuple[TestNet, bytes]:
    life = LifecycleChain.make(chain_id=chain_id)
    contract = life.deployed("fee-rule", MODULE)
    genesis_file = genesis_json_text(life.chain.genesis).encode()
    return TestNet(life, genesis_file), contract


@pytest.fixture(scope="module")
def test_net() -> tuple[TestNet, Receipt, Receipt]:
    net, contract = _test_net()
    passed = ok(net.life.call(contract, "count"))
    failed = net.life.call(contract, "abort")
    assert failed.status == 1
    return net, passed, failed


@pytest.fixture
def production(test_net: tuple[TestNet, Receipt, Receipt]) -> LifecycleChain:
    net = test_net[0]
    life = LifecycleChain.make(chain_id="dept-prod")
    digest = life.chain.maker.suite.hash(net.genesis_file)
    assert life.govern("contracts.params", {"test_genesis": digest, "require_test": True}) == (
        "executed"
    )
    return life


def _record(life: LifecycleChain, contract: bytes, genesis: bytes, receipt: bytes) -> Receipt:
    return life.send(
        life.owner, "contracts.test_record", contract=contract, version=1, genesis=genesis,
        receipt=receipt,
    )  # fmt: skip


def test_f_f1_production_deployment_needs_a_verified_test_call(
    production: LifecycleChain, test_net: tuple[TestNet, Receipt, Receipt]
) -> None:
    net, passed, _ = test_net
    contract = production.submitted("fee-rule", MODULE)
    production.approve(contract)
    refused = production.send(production.owner, "contracts.deploy", contract=contract)
    assert refused.error.startswith("test_required: ")
    receipt = ok(_record(production, contract, net.genesis_file, net.receipt_file(passed)))
    [event] = events_of(receipt, "contracts.test_recorded")
    assert event["chain_id"] == "dept-test"
    assert event["test_tx"] == passed.tx_hash
    record = read_test_record(production.chain.read, contract, 1)
    assert record is not None
    assert record.method == "count"
    assert record.chain_id == "dept-test"
    ok(production.send(production.owner, "contracts.deploy", contract=contract))
    assert production.contract(contract).status == "active"


def test_f_f1_test_records_that_do_not_hold_are_refused(
    production: LifecycleChain, test_net: tuple[TestNet, Receipt, Receipt]
) -> None:
    net, passed, failed = test_net
    contract = production.submitted("fee-rule", MODULE)
    good = net.receipt_file(passed)

    def refusal(genesis: bytes, receipt: bytes) -> str:
        error = _record(production, contract, genesis, receipt).error
        assert error.startswith("bad_test_record: "), error
        return error

    assert "does not hash to the recorded" in refusal(net.genesis_file + b" ", good)
    assert "the test call failed" in refusal(net.genesis_file, net.receipt_file(failed))
    tampered = json.loads(good)
    tampered["receipt_proof"]["index"] = 5
    assert "does not verify" in refusal(net.genesis_file, json.dumps(tampered).encode())
    assert "not JSON" in refusal(net.genesis_file, b"{not json")
    other = production.submitted("other-rule", fake_module("count", "put"))
    error = _record(production, other, net.genesis_file, good).error
    assert "not of a call of this version's code" in error
    stranger = production.send(
        production.chain.admins[1], "contracts.test_record", contract=contract, version=1,
        genesis=net.genesis_file, receipt=good,
    )  # fmt: skip
    assert stranger.error.startswith("not_owner: ")


def test_f_f1_only_a_network_whose_chain_id_says_test_counts() -> None:
    net, contract = _test_net(chain_id="dept-staging")
    passed = ok(net.life.call(contract, "count"))
    production = LifecycleChain.make(chain_id="dept-prod")
    digest = production.chain.maker.suite.hash(net.genesis_file)
    assert production.govern("contracts.params", {"test_genesis": digest}) == "executed"
    mine = production.submitted("fee-rule", MODULE)
    error = _record(production, mine, net.genesis_file, net.receipt_file(passed)).error
    assert error.startswith("bad_test_record: chain 'dept-staging' is not a test network")


def test_f_f1_no_recorded_test_network(test_net: tuple[TestNet, Receipt, Receipt]) -> None:
    net, passed, _ = test_net
    production = LifecycleChain.make(chain_id="dept-prod")
    contract = production.submitted("fee-rule", MODULE)
    error = _record(production, contract, net.genesis_file, net.receipt_file(passed)).error
    assert error.startswith("bad_test_record: no test network is recorded")
