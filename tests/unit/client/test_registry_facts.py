"""Registry and gov records verify offline against the genesis alone (registry.md, "Reads")."""

from __future__ import annotations

import dataclasses

import pytest

from govchain.client.gov import verify_proposal
from govchain.client.registry import verify_account, verify_member
from govchain.contracts.facts import NoBlocksError
from govchain.contracts.gov.reads import proposal_with_fact
from govchain.contracts.proving_reader import ChainReader
from govchain.contracts.registry.reads import account_with_fact, member_with_fact
from govchain.types.errors import ProofError
from tests.unit.contracts.governed_chain import GovernedChain


@pytest.fixture
def gc() -> GovernedChain:
    chain = GovernedChain.make()
    chain.run()
    return chain


def _member_answer(gc: GovernedChain, code: str) -> dict[str, object]:
    with gc.chain.view() as view:
        proven = member_with_fact(ChainReader(view), code)
    assert proven.member is not None
    return {"member": proven.member.to_json(), "fact": proven.proven.fact.to_json()}


def test_a_member_verifies_and_a_changed_field_does_not(gc: GovernedChain) -> None:
    answer = _member_answer(gc, gc.codes[1])
    proven = verify_member(gc.genesis, answer)
    assert proven.record.code == gc.codes[1]
    assert proven.height == 1
    member = dict(answer["member"])  # type: ignore[arg-type]
    member["status"] = "suspended"
    with pytest.raises(ProofError, match="differs from the proven one"):
        verify_member(gc.genesis, {**answer, "member": member})


def test_a_fact_does_not_verify_against_another_genesis(gc: GovernedChain) -> None:
    answer = _member_answer(gc, gc.codes[0])
    other = GovernedChain.make().genesis
    with pytest.raises(ProofError):
        verify_member(dataclasses.replace(other, chain_id=gc.genesis.chain_id), answer)


def test_a_fact_for_another_key_is_refused(gc: GovernedChain) -> None:
    answer = _member_answer(gc, gc.codes[0])
    answer["member"] = _member_answer(gc, gc.codes[1])["member"]
    with pytest.raises(ProofError, match="another key"):
        verify_member(gc.genesis, answer)


def test_an_account_verifies(gc: GovernedChain) -> None:
    with gc.chain.view() as view:
        proven = account_with_fact(ChainReader(view), gc.address(gc.client))
    assert proven.account is not None
    answer = {"account": proven.account.to_json(), "fact": proven.proven.fact.to_json()}
    assert verify_account(gc.genesis, answer).record.kind == "client"


def test_an_expired_proposal_verifies_with_its_state_read_from_the_proof(gc: GovernedChain) -> None:
    pid = gc.propose(0, "param.set", {"name": "win_rate", "value": "2/3"}, expiry=2)
    gc.run()
    gc.run()
    with gc.chain.view() as view:
        proven = proposal_with_fact(ChainReader(view), pid)
    assert proven.proposal is not None
    assert proven.state == "expired"
    answer = {
        "proposal": {**proven.proposal.to_json(), "state": "expired"},
        "fact": proven.proven.fact.to_json(),
    }
    assert verify_proposal(gc.genesis, answer).record.id == pid
    with pytest.raises(ProofError, match="state differs"):
        verify_proposal(gc.genesis, {**answer, "proposal": {**answer["proposal"], "state": "open"}})  # type: ignore[dict-item]


def test_there_is_no_fact_before_the_first_block() -> None:
    gc = GovernedChain.make()
    with gc.chain.view() as view, pytest.raises(NoBlocksError):
        member_with_fact(ChainReader(view), gc.codes[0])
