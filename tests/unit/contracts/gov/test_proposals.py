"""Proposals and votes (F-B1, F-B2, F-E6; docs/spec/gov.md), on a real chain of four members."""

from __future__ import annotations

import os
from collections.abc import Callable

import pytest

from govchain.codes.demo import demo_uscc
from govchain.contracts.gov.records import Proposal
from govchain.contracts.gov.state import proposal_key
from govchain.contracts.registry.state import read_account, read_member, read_node
from govchain.execution.registry import STATUS_PERMISSION_DENIED
from govchain.ledger.statetree import get_value
from govchain.types import Receipt
from tests.unit.contracts.governed_chain import GovernedChain, decided, ok


@pytest.fixture
def gc() -> GovernedChain:
    return GovernedChain.make()


def _proposal(gc: GovernedChain, proposal_id: int) -> Proposal:
    with gc.chain.view() as view:
        raw = get_value(view.state, view.suite.hash_name, view.height, proposal_key(proposal_id))
    assert raw is not None
    return Proposal.from_stored(raw)


def _read(gc: GovernedChain) -> Callable[[bytes], bytes | None]:
    """A reader of the latest state (each read in its own snapshot)."""

    def read(key: bytes) -> bytes | None:
        with gc.chain.view() as view:
            return get_value(view.state, view.suite.hash_name, view.height, key)

    return read


def test_f_b1_a_member_is_admitted_by_majority_and_its_admin_then_votes(gc: GovernedChain) -> None:
    new_admin = gc.maker.suite.generate_key()
    code = demo_uscc(77)
    args = {
        "code": code,
        "name": "Department X (demo)",
        "admins": [new_admin.public_key],
        "ca_certs": [],
    }
    pid = gc.propose(0, "member.admit", args)
    assert decided(ok(gc.vote(0, pid))) is None
    assert decided(ok(gc.vote(1, pid))) is None  # 2 of 4: MAJORITY needs more than half
    assert decided(ok(gc.vote(2, pid))) == "executed"
    member = read_member(_read(gc), code)
    assert member is not None
    assert member.status == "active"
    assert read_account(_read(gc), gc.address(new_admin)) is not None
    # the new member's admin votes on the next proposal, in an electorate of five
    gc.admins.append(new_admin)
    pid2 = gc.propose(4, "account.freeze", {"address": gc.address(gc.client), "reason": "audit"})
    assert _proposal(gc, pid2).total_weight == 5
    ok(gc.vote(4, pid2))
    assert _proposal(gc, pid2).voters == 1


def test_f_e6_a_frozen_account_is_refused_from_the_next_height_then_unfrozen(
    gc: GovernedChain,
) -> None:
    client = gc.address(gc.client)
    pid = gc.propose(0, "account.freeze", {"address": client, "reason": "suspected abuse"})
    gc.vote(0, pid)
    gc.vote(1, pid)
    anchor = gc.tx(gc.client, "notary.anchor", {"digest": os.urandom(32)})
    deciding, same_block = gc.run(gc.tx(gc.admins[2], "gov.vote", {"id": pid, "yes": True}), anchor)
    assert decided(ok(deciding)) == "executed"
    assert same_block.status == 0  # the freeze counts from the next height
    refused = gc.run_one(gc.tx(gc.client, "notary.anchor", {"digest": os.urandom(32)}))
    assert refused.status == STATUS_PERMISSION_DENIED
    assert "is frozen" in refused.error
    pid = gc.propose(1, "account.unfreeze", {"address": client, "reason": "cleared"})
    for voter in (1, 2, 3):
        gc.vote(voter, pid)
    assert gc.run_one(gc.tx(gc.client, "notary.anchor", {"digest": os.urandom(32)})).status == 0


def test_refused_votes_give_their_reasons(gc: GovernedChain) -> None:
    pid = gc.propose(0, "param.set", {"name": "proposal_period_max", "value": 500})
    ok(gc.vote(0, pid))
    again = gc.vote(0, pid)
    assert again.status == 1
    assert f"already voted on proposal {pid}" in again.error
    by_client = gc.run_one(gc.tx(gc.client, "gov.vote", {"id": pid, "yes": True}))
    assert by_client.status == STATUS_PERMISSION_DENIED
    assert "holds no role that may send 'gov.vote'" in by_client.error
    gc.vote(1, pid)
    assert decided(ok(gc.vote(2, pid))) == "executed"
    closed = gc.vote(3, pid)
    assert closed.status == 1
    assert f"proposal {pid} is executed" in closed.error
    missing = gc.vote(3, 999)
    assert missing.status == 1
    assert "proposal 999 does not exist" in missing.error


def test_a_proposal_expires_and_a_late_vote_is_refused(gc: GovernedChain) -> None:
    pid = gc.propose(0, "param.set", {"name": "win_rate", "value": "2/3"}, expiry=2)
    gc.run()
    gc.run()
    late = gc.vote(1, pid)
    assert late.status == 1
    assert "expired at height" in late.error
    assert _proposal(gc, pid).state_at(gc.height) == "expired"


def test_a_proposal_that_cannot_pass_is_rejected(gc: GovernedChain) -> None:
    pid = gc.propose(0, "param.set", {"name": "win_rate", "value": "2/3"})
    gc.vote(0, pid, yes=False)
    assert decided(ok(gc.vote(1, pid, yes=False))) == "rejected"
    proposal = _proposal(gc, pid)
    assert proposal.state == "rejected"
    assert "can no longer reach" in proposal.result


def test_the_proposer_may_withdraw_and_no_one_else(gc: GovernedChain) -> None:
    pid = gc.propose(0, "param.set", {"name": "win_rate", "value": "2/3"})
    other = gc.run_one(gc.tx(gc.admins[1], "gov.withdraw", {"id": pid}))
    assert other.status == 1
    assert "only the proposer" in other.error
    ok(gc.run_one(gc.tx(gc.admins[0], "gov.withdraw", {"id": pid})))
    assert _proposal(gc, pid).state == "withdrawn"
    assert "is withdrawn" in gc.vote(1, pid).error


def test_a_policy_change_takes_effect(gc: GovernedChain) -> None:
    assert gc.run_one(gc.tx(gc.client, "notary.anchor", {"digest": os.urandom(32)})).status == 0
    pid = gc.propose(
        0, "policy.set", {"resource": "notary.anchor", "rule": "ANY", "roles": ["admin"]}
    )
    for voter in (0, 1, 2):
        gc.vote(voter, pid)
    refused = gc.run_one(gc.tx(gc.client, "notary.anchor", {"digest": os.urandom(32)}))
    assert refused.status == STATUS_PERMISSION_DENIED
    assert gc.run_one(gc.tx(gc.admins[3], "notary.anchor", {"digest": os.urandom(32)})).status == 0


def test_a_proposal_with_bad_args_is_refused_when_proposed(gc: GovernedChain) -> None:
    def propose(action: str, args: dict[str, object]) -> Receipt:
        body = {"action": action, "args": args, "reason": "r", "expiry_height": gc.height + 5}
        return gc.run_one(gc.tx(gc.admins[0], "gov.propose", body))

    assert (
        "is not a rule"
        in propose("policy.set", {"resource": "notary.anchor", "rule": "MOST"}).error
    )
    locking = propose("policy.set", {"resource": "gov.vote", "rule": "FORBIDDEN"})
    assert "unable to govern itself" in locking.error
    assert (
        "expected a fraction" in propose("param.set", {"name": "win_rate", "value": "half"}).error
    )
    bad_code = propose(
        "member.admit",
        {"code": "91370102DEM00001XX", "name": "x", "admins": [b"k"], "ca_certs": []},
    )
    assert bad_code.status == 1
    assert "argument 'code'" in bad_code.error
    assert "unknown action" in propose("member.promote", {}).error
    # F-A2: at most a third of the voting power changes per height
    too_much = propose("node.set_power", {"name": "node0", "power": 100})
    assert "at most a third" in too_much.error
    assert "power 10" in propose("node.set_power", {"name": "node0", "power": 10}).error


def test_an_action_that_fails_when_decided_rejects_the_proposal(gc: GovernedChain) -> None:
    key = gc.maker.suite.generate_key()
    args = {
        "code": demo_uscc(55),
        "name": "Twice (demo)",
        "admins": [key.public_key],
        "ca_certs": [],
    }
    first, second = gc.propose(0, "member.admit", args), gc.propose(1, "member.admit", args)
    for voter in (0, 1, 2):
        gc.vote(voter, first)
    gc.vote(0, second)
    gc.vote(1, second)
    deciding = ok(gc.vote(2, second))
    assert decided(deciding) == "rejected"
    assert "the action failed" in _proposal(gc, second).result
    assert _proposal(gc, second).voters == 3


def test_f_b2_a_full_node_is_added_and_removed_by_vote(gc: GovernedChain) -> None:
    key = bytes(range(32))
    pid = gc.propose(
        1, "node.add", {"name": "full9", "org": gc.codes[1], "role": "full", "transport_key": key}
    )
    for voter in (0, 1, 2):
        gc.vote(voter, pid)
    node = read_node(_read(gc), "full9")
    assert node is not None
    assert node.status == "active"
    assert node.role == "full"
    pid = gc.propose(2, "node.remove", {"name": "full9", "reason": "decommissioned"})
    for voter in (1, 2, 3):
        gc.vote(voter, pid)
    removed = read_node(_read(gc), "full9")
    assert removed is not None
    assert removed.status == "removed"


def test_the_last_active_member_cannot_be_suspended() -> None:
    gc = GovernedChain.make(members=1)
    body = {
        "action": "member.suspend",
        "args": {"code": gc.codes[0], "reason": "r"},
        "reason": "r",
        "expiry_height": 10,
    }
    refused = gc.run_one(gc.tx(gc.admins[0], "gov.propose", body))
    assert refused.status == 1
    assert "no active member would remain" in refused.error


def test_a_suspended_members_accounts_are_refused(gc: GovernedChain) -> None:
    pid = gc.propose(1, "member.suspend", {"code": gc.codes[0], "reason": "audit"})
    for voter in (1, 2, 3):
        gc.vote(voter, pid)
    refused = gc.run_one(gc.tx(gc.client, "notary.anchor", {"digest": os.urandom(32)}))
    assert refused.status == STATUS_PERMISSION_DENIED
    assert "is suspended" in refused.error
    # its admin no longer votes, and it is out of the electorate of a new proposal
    pid = gc.propose(1, "member.resume", {"code": gc.codes[0], "reason": "cleared"})
    vote = gc.vote(0, pid)
    assert vote.status == STATUS_PERMISSION_DENIED
    assert "is suspended" in vote.error
    assert gc.codes[0] not in dict(_proposal(gc, pid).electorate)
