"""Validator-set changes by vote (F-A2, F-B2; docs/spec/registry.md "The validator set",
docs/spec/ledger.md "Validator sets by height"), on a real chain of four members.

A change executed by block H votes from H + 2; header H + 1 announces it in
``next_validators_hash``; the chain store keeps every set by the height it
starts at; at most a third of the power changes per height.
"""

from __future__ import annotations

import dataclasses
import json

import pytest

from govchain.contracts.gov.records import Proposal
from govchain.contracts.gov.state import proposal_key
from govchain.contracts.registry.state import read_account, read_node
from govchain.execution import apply_block, propose_block
from govchain.ledger import records
from govchain.ledger.chainstore import height_key
from govchain.ledger.validator_sets import (
    VALIDATOR_SET_KEY,
    encode_set,
    proof_row_key,
    set_row_key,
)
from govchain.ledger.verify import verify_chain
from govchain.node.services import genesis_state
from govchain.types import ValidatorSet
from govchain.types.errors import InvalidBlock, LedgerError
from tests.unit.contracts.governed_chain import GovernedChain, decided, ok


@pytest.fixture
def gc() -> GovernedChain:
    return GovernedChain.make()


def _pass(gc: GovernedChain, action: str, args: dict[str, object]) -> int:
    """Propose as member 0 and vote with members 0-2; return the height that executed it."""
    pid = gc.propose(0, action, args)
    ok(gc.vote(0, pid))
    ok(gc.vote(1, pid))
    assert decided(ok(gc.vote(2, pid))) == "executed"
    return gc.height


def _add_validator(gc: GovernedChain, name: str = "node9", power: int = 10) -> tuple[int, bytes]:
    key = gc.maker.suite.generate_key()
    address = gc.address(key)
    gc.maker.spare_keys[address] = key
    args = {
        "name": name,
        "org": gc.codes[1],
        "role": "validator",
        "transport_key": b"\x09" * 32,
        "validator_key": key.public_key,
        "power": power,
    }
    return _pass(gc, "node.add", args), address


def _headers_hash(gc: GovernedChain, height: int) -> tuple[bytes, bytes]:
    with gc.chain.view() as view:
        header = view.header(height)
    return header.validators_hash, header.next_validators_hash


def test_f_a2_an_added_validator_votes_from_two_heights_after_the_vote(gc: GovernedChain) -> None:
    before = gc.chain.validators(1)
    executed, address = _add_validator(gc)
    # the set of H + 1 is still the old one; H + 2 is the new one, announced by header H + 1
    assert gc.chain.validators(executed + 1) == before
    after = gc.chain.validators(executed + 2)
    assert len(after.validators) == 5
    added = after.get(address)
    assert added is not None
    assert (added.power, added.name) == (10, "node9")
    gc.run()  # block H + 1
    suite = gc.maker.suite
    current, announced = _headers_hash(gc, executed + 1)
    assert current == records.validators_hash(suite, before)
    assert announced == records.validators_hash(suite, after)
    # its key is a system account of the member; the node record names it
    account = read_account(gc.read, address)
    assert account is not None
    assert account.kind == "system"
    node = read_node(gc.read, "node9")
    assert node is not None
    assert (node.role, node.validator, node.power) == ("validator", address, 10)
    # block H + 2 is voted by five: its commit, signed by all five, is accepted in H + 3
    gc.run()
    gc.run()
    with gc.chain.view() as view:
        signers = [sig.validator for sig in view.commit(executed + 2).signatures]
    assert address in signers
    assert [start for start, _ in _changes(gc)] == [executed + 2]
    assert verify_chain(gc.chain, initial_state=genesis_state(gc.genesis)).ok


def _changes(gc: GovernedChain) -> list[tuple[int, ValidatorSet]]:
    with gc.chain.view() as view:
        return view.set_changes()


def test_f_a2_a_removed_validator_no_longer_signs_from_its_boundary(gc: GovernedChain) -> None:
    removed = gc.chain.validators(1).validators[3]
    name = next(
        node.name
        for node in (read_node(gc.read, f"node{i}") for i in range(4))
        if node is not None and node.validator == removed.address
    )
    executed = _pass(gc, "node.remove", {"name": name, "reason": "department leaves"})
    assert gc.chain.validators(executed + 2).get(removed.address) is None
    node = read_node(gc.read, name)
    assert node is not None
    assert node.status == "removed"
    gc.run()
    gc.run()  # block H + 2, voted by the remaining three
    # a commit of H + 2 that holds the removed validator's signature is refused
    with gc.chain.view() as view:
        stale = gc.maker.commit(
            executed + 2,
            view.block_hash(executed + 2),
            view.header(executed + 2).time + 1,
            validators=gc.chain.validators(1),
        )
        block = propose_block(
            view,
            [],
            proposer=view.validators(executed + 3).validators[0].address,
            last_commit=view.commit(executed + 2),
            registry=gc.registry,
        )
        header = dataclasses.replace(
            block.header, last_commit_hash=records.commit_hash(view.suite, stale)
        )
        block = dataclasses.replace(block, header=header, last_commit=stale)
        with pytest.raises(InvalidBlock, match="not a validator"):
            apply_block(view, block, gc.registry)


def test_f_a2_power_changes_and_at_most_a_third_per_height(gc: GovernedChain) -> None:
    executed = _pass(gc, "node.set_power", {"name": "node0", "power": 20})
    node0 = read_node(gc.read, "node0")
    assert node0 is not None
    assert node0.power == 20
    assert gc.chain.validators(executed + 2).get(node0.validator).power == 20  # type: ignore[union-attr]
    assert gc.chain.validators(executed + 2).total_power == 50
    # two changes executed by one block count together: 10 + 10 of 40 is over a third
    first = gc.propose(0, "node.set_power", {"name": "node1", "power": 20})
    second = gc.propose(0, "node.set_power", {"name": "node2", "power": 20})
    for voter in (0, 1):
        ok(gc.vote(voter, first))
        ok(gc.vote(voter, second))
    receipts = gc.run(
        gc.tx(gc.admins[2], "gov.vote", {"id": first, "yes": True}),
        gc.tx(gc.admins[2], "gov.vote", {"id": second, "yes": True}),
    )
    assert [decided(r) for r in receipts] == ["executed", "rejected"]
    raw = gc.read(proposal_key(second))
    assert raw is not None
    assert "at most a third" in Proposal.from_stored(raw).result


def test_a_member_with_a_validator_cannot_exit_until_it_is_removed(gc: GovernedChain) -> None:
    body = {
        "action": "member.exit",
        "args": {"code": gc.codes[3], "reason": "merged"},
        "reason": "t",
        "expiry_height": gc.height + 50,
    }
    receipt = gc.run_one(gc.tx(gc.admins[0], "gov.propose", body))
    assert receipt.status != 0
    assert "still runs validator node 'node3'; remove it first" in receipt.error


def test_validator_args_are_checked(gc: GovernedChain) -> None:
    def propose(args: dict[str, object]) -> str:
        base = {
            "name": "node8",
            "org": gc.codes[0],
            "role": "validator",
            "transport_key": b"\x08" * 32,
            "validator_key": gc.maker.suite.generate_key().public_key,
            "power": 10,
        }
        body = {**base, **args}
        tx = gc.tx(
            gc.admins[0],
            "gov.propose",
            {
                "action": "node.add",
                "args": {k: v for k, v in body.items() if v is not None},
                "reason": "t",
                "expiry_height": gc.height + 50,
            },
        )
        return gc.run_one(tx).error

    assert "validator_key" in propose({"validator_key": b"short"})
    assert "argument 'power'" in propose({"power": 0})
    assert "argument 'power'" in propose({"power": None})
    assert "at most a third" in propose({"power": 14})
    assert "takes no validator_key" in propose({"role": "full"})
    same = gc.maker.keys[0].public_key
    assert "already runs validator" in propose({"validator_key": same})


def test_the_set_is_known_two_heights_ahead_and_not_beyond(gc: GovernedChain) -> None:
    gc.run()
    with gc.chain.view() as view:
        assert view.validators(view.height + 2) == gc.genesis.validators
        with pytest.raises(LedgerError, match="not decided yet"):
            view.validators(view.height + 3)


def test_a_tampered_set_row_is_found_by_ledger_verify(gc: GovernedChain) -> None:
    executed, _address = _add_validator(gc)
    gc.run()
    gc.run()
    genesis_only = gc.chain.validators(1)
    with gc.chain.store.write() as txn:
        txn.put("meta", set_row_key(executed + 2), encode_set(genesis_only))
    report = verify_chain(gc.chain, initial_state=genesis_state(gc.genesis))
    assert not report.ok
    # header H + 1 announced the real set: the tampered row no longer matches it
    assert report.error_height == executed + 1
    assert "next_validators_hash differs" in (report.error or "")


def test_the_state_holds_the_set_from_genesis(gc: GovernedChain) -> None:
    assert gc.read(VALIDATOR_SET_KEY) == encode_set(gc.genesis.validators)
    with gc.chain.view() as view:
        assert view.txn.get("meta", set_row_key(1)) is None  # the genesis set needs no row
        assert view.txn.get("meta", b"height") == height_key(0) or view.height == 0


def test_a_tampered_set_proof_row_is_found_by_ledger_verify(gc: GovernedChain) -> None:
    executed, _address = _add_validator(gc)
    gc.run()
    assert verify_chain(gc.chain, initial_state=genesis_state(gc.genesis)).ok
    start = executed + 2
    with gc.chain.view() as view:
        proof = view.set_proof(start)
    other = dataclasses.replace(proof, value=encode_set(gc.chain.validators(1)))
    with gc.chain.store.write() as txn:
        txn.put("meta", proof_row_key(start), json.dumps(other.to_json()).encode())
    report = verify_chain(gc.chain, initial_state=genesis_state(gc.genesis))
    assert not report.ok
    assert report.error_height == start
    assert f"the set of height {start}" in (report.error or "")
