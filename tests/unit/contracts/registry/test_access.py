"""Department-system access (seed 003 annex A; F-B4): apply with roles; grant, narrow or refuse."""

from __future__ import annotations

import os

import pytest

from govchain.contracts.registry.access import read_access
from govchain.contracts.registry.state import read_account
from govchain.execution.registry import STATUS_PERMISSION_DENIED
from govchain.ledger.statetree import get_value
from tests.unit.contracts.governed_chain import GovernedChain


@pytest.fixture
def gc() -> GovernedChain:
    chain = GovernedChain.make()
    roles = (
        {"name": "notary-clerk", "resources": ["notary.anchor"]},
        {"name": "case-reader", "resources": ["gov.vote"]},
    )
    receipts = chain.run(*(chain.tx(chain.admins[2], "registry.role_set", r) for r in roles))
    assert [r.status for r in receipts] == [0, 0]
    return chain


def _latest(gc: GovernedChain, key: bytes) -> bytes | None:
    with gc.chain.view() as view:
        return get_value(view.state, view.suite.hash_name, view.height, key)


def test_a_system_is_granted_fewer_roles_than_it_asked_for_and_acts_with_them(
    gc: GovernedChain,
) -> None:
    system = gc.maker.suite.generate_key()
    apply = {
        "member": gc.codes[2],
        "system": "税务业务系统 (demo)",
        "roles": ["case-reader", "notary-clerk"],
    }
    assert gc.run_one(gc.tx(system, "registry.access_apply", apply)).status == 0
    address = gc.address(system)
    decide = {
        "address": address,
        "grant": True,
        "roles": ["notary-clerk"],
        "reason": "least privilege",
    }
    assert gc.run_one(gc.tx(gc.admins[2], "registry.access_decide", decide)).status == 0
    account = read_account(lambda k: _latest(gc, k), address)
    assert account is not None
    assert account.kind == "system"
    assert account.roles == ("notary-clerk",)
    application = read_access(lambda k: _latest(gc, k), address)
    assert application is not None
    assert application.status == "granted"
    assert application.requested == ("case-reader", "notary-clerk")
    assert gc.run_one(gc.tx(system, "notary.anchor", {"digest": os.urandom(32)})).status == 0
    vote = gc.run_one(gc.tx(system, "gov.vote", {"id": 1, "yes": True}))
    assert vote.status == STATUS_PERMISSION_DENIED  # case-reader was not granted


def test_a_grant_cannot_add_roles_and_a_refusal_needs_a_reason(gc: GovernedChain) -> None:
    system = gc.maker.suite.generate_key()
    apply = {"member": gc.codes[2], "system": "社保系统", "roles": ["notary-clerk"]}
    assert gc.run_one(gc.tx(system, "registry.access_apply", apply)).status == 0
    address = gc.address(system)
    more = {"address": address, "grant": True, "roles": ["case-reader"], "reason": ""}
    assert (
        "narrow the roles" in gc.run_one(gc.tx(gc.admins[2], "registry.access_decide", more)).error
    )
    silent = {"address": address, "grant": False, "roles": [], "reason": ""}
    assert (
        "needs a reason" in gc.run_one(gc.tx(gc.admins[2], "registry.access_decide", silent)).error
    )
    other = {"address": address, "grant": False, "roles": [], "reason": "not ours"}
    assert (
        "only an admin of member"
        in gc.run_one(gc.tx(gc.admins[1], "registry.access_decide", other)).error
    )
    refuse = {"address": address, "grant": False, "roles": [], "reason": "no contract signed"}
    assert gc.run_one(gc.tx(gc.admins[2], "registry.access_decide", refuse)).status == 0
    assert read_account(lambda k: _latest(gc, k), address) is None
    application = read_access(lambda k: _latest(gc, k), address)
    assert application is not None
    assert application.status == "refused"
    assert application.reason == "no contract signed"


def test_a_system_may_not_ask_for_admin_or_unknown_roles(gc: GovernedChain) -> None:
    system = gc.maker.suite.generate_key()
    admin = {"member": gc.codes[2], "system": "x", "roles": ["admin"]}
    assert (
        "not a role a department system may hold"
        in gc.run_one(gc.tx(system, "registry.access_apply", admin)).error
    )
    unknown = {"member": gc.codes[2], "system": "x", "roles": ["ghost"]}
    assert (
        "has no role 'ghost'" in gc.run_one(gc.tx(system, "registry.access_apply", unknown)).error
    )
