"""The registry and policies as the state at height 0 (docs/spec/registry.md, "Genesis state")."""

from __future__ import annotations

import dataclasses

import pytest

from govchain.codes.demo import demo_uscc
from govchain.contracts.registry.state import member_key, read_account, read_member
from govchain.node.services import genesis_state
from govchain.types.errors import ValidationError
from govchain.types.network_registry import NetworkRegistry
from tests.unit.contracts.governed_chain import GovernedChain


def test_the_genesis_state_is_a_pure_function_of_the_genesis() -> None:
    gc = GovernedChain.make()
    first, second = genesis_state(gc.genesis), genesis_state(gc.genesis)
    assert first == second
    assert first
    member = read_member(first.get, gc.codes[2])
    assert member is not None
    assert member.admins == (gc.address(gc.admins[2]),)
    client = read_account(first.get, gc.address(gc.client))
    assert client is not None
    assert client.kind == "client"
    assert client.org == gc.codes[0]
    validator = gc.maker.validators.validators[0]
    account = read_account(first.get, validator.address)
    assert account is not None
    assert account.kind == "system"


def test_a_genesis_without_members_has_no_registry_state() -> None:
    gc = GovernedChain.make()
    bare = dataclasses.replace(
        gc.genesis, network=NetworkRegistry(), governance=type(gc.genesis.governance)()
    )
    assert genesis_state(bare) == {}


def test_a_member_code_that_fails_its_check_is_refused_naming_it() -> None:
    gc = GovernedChain.make()
    bad = demo_uscc(3)[:-1] + ("0" if demo_uscc(3)[-1] != "0" else "1")
    members = (
        dataclasses.replace(gc.genesis.network.members[0], org=bad),
        *gc.genesis.network.members[1:],
    )
    nodes = tuple(
        dataclasses.replace(n, org=bad) if n.org == gc.codes[0] else n
        for n in gc.genesis.network.nodes
    )
    accounts = tuple(dataclasses.replace(a, org=bad) for a in gc.genesis.governance.accounts)
    genesis = dataclasses.replace(
        gc.genesis,
        network=NetworkRegistry(members, nodes),
        governance=dataclasses.replace(gc.genesis.governance, accounts=accounts),
    )
    with pytest.raises(ValidationError, match="member code"):
        genesis_state(genesis)
    assert member_key(bad) not in genesis_state(gc.genesis)
