# ruff: noqa: N802  (test names carry the paper's line numbers: test_L36_...)
"""Rules the first core broke, found while writing the per-rule tests; kept so they stay fixed."""

from __future__ import annotations

import dataclasses
import os

from govchain.consensus.events import (
    BuildProposal,
    PersistWal,
    ProposalReceived,
    ResendDue,
    ScheduleTimeout,
    SendDecision,
    Step,
    ValidateBlock,
    VoteReceived,
)
from govchain.consensus.messages import ProposalMessage
from tests.unit.consensus.core_support import (
    NIL,
    PRECOMMIT,
    PREVOTE,
    Broadcast,
    Harness,
    block_hash,
    of_type,
    refusals,
)


def test_L36_valid_value_is_logged_before_the_precommit_it_justifies() -> None:
    h = Harness()
    a = h.blocks.block(1)
    h.propose(0, a)
    h.cast(PREVOTE, 0, block_hash(a), [0])
    actions = h.cast(PREVOTE, 0, block_hash(a), [1])
    logged = [
        i for i, x in enumerate(actions) if isinstance(x, PersistWal) and x.record["t"] == "valid"
    ]
    [sent] = [i for i, x in enumerate(actions) if isinstance(x, Broadcast)]
    assert logged, [type(x).__name__ for x in actions]
    assert logged[0] < sent


def test_restored_proposer_of_round_0_with_nothing_signed_still_proposes() -> None:
    h = Harness((10,), me=0)
    assert of_type(h.started, BuildProposal) == [BuildProposal(1, 0)]
    assert h.wal == [{"t": "height", "h": 1}]  # crashed before the block was built
    r = Harness((10,), me=0, committee=h.net, wal_records=h.wal)
    assert of_type(r.started, BuildProposal) == [BuildProposal(1, 0)], r.started


def test_restored_in_prevote_waits_for_two_thirds_of_prevotes_before_the_timeout() -> None:
    h = Harness()
    h.fire(Step.PROPOSE)  # prevote nil; 10 of 40 prevotes are in
    r = Harness(committee=h.net, wal_records=h.wal)
    assert of_type(r.started, ScheduleTimeout) == [], r.started


def test_next_height_buffer_holds_at_most_one_message_per_validator_round_and_type() -> None:
    h = Harness()
    a = h.blocks.block(1)
    h.blocks.commit(a, h.net.commit(a, [0, 1, 2]))
    proposer = h.proposer_of(0, height=2)
    next_block = h.blocks.block(7, proposer=proposer)
    spam = VoteReceived(h.net.vote(0, PREVOTE, 0, NIL, height=2), "v0")
    for _ in range(5000):  # the same vote again and again
        h.feed(spam)
    h.feed(ProposalReceived(h.net.proposal(proposer, 0, next_block, height=2), "v1"))
    h.propose(0, a)
    actions = h.cast(PRECOMMIT, 0, block_hash(a), [0, 1, 2])
    assert ValidateBlock(next_block) in actions  # the buffered proposal is replayed


def test_answers_to_a_laggard_are_bounded_whatever_rounds_it_names() -> None:
    h = Harness()
    a = h.blocks.block(1)
    h.propose(0, a)
    h.cast(PRECOMMIT, 0, block_hash(a), [0, 1, 2])
    sent = 0
    for round_ in range(1000):  # old-height messages are not checked, so they may be forged
        vote = h.net.vote(0, PREVOTE, round_, NIL, height=1)
        sent += len(of_type(h.feed(VoteReceived(vote, "v0")), SendDecision))
    sent += len(of_type(h.feed(ResendDue(2)), SendDecision))  # one height behind: answered now
    for round_ in range(1000):
        vote = h.net.vote(0, PREVOTE, round_, NIL, height=1)
        sent += len(of_type(h.feed(VoteReceived(vote, "v0")), SendDecision))
    assert sent == 1


def test_a_conflicting_vote_counts_for_a_proposed_value_as_the_paper_counts() -> None:
    """Algorithm 1 counts "2f+1 PREVOTE for id(v)" per value: an equivocator's vote for
    the proposal must count, or an honest validator locked on a polka that holds it can
    never be followed (a liveness loss the simulator found). Power over voters stays once."""
    h = Harness()
    a = h.blocks.block(1)
    h.propose(0, a)  # we prevote A
    h.feed(VoteReceived(h.net.vote(1, PREVOTE, 0, NIL), "v1"))
    h.feed(VoteReceived(h.net.vote(1, PREVOTE, 0, block_hash(a)), "v1"))  # conflicts: evidence
    votes = h.core.state.votes(PREVOTE, 0)
    assert votes.power_for[block_hash(a)] == 20  # ours and validator 1's second vote
    assert votes.power_for[NIL] == 10
    assert votes.power == 20  # two voters
    h.cast(PREVOTE, 0, block_hash(a), [0])
    assert h.core.state.locked_round == 0  # 30 of 40 for A: a polka


def test_a_conflicting_vote_for_an_unknown_hash_is_not_kept() -> None:
    h = Harness()
    a = h.blocks.block(1)
    h.propose(0, a)
    h.feed(VoteReceived(h.net.vote(1, PREVOTE, 0, NIL), "v1"))
    for _ in range(50):  # invented hashes must not grow the vote set
        h.feed(VoteReceived(h.net.vote(1, PREVOTE, 0, os.urandom(32)), "v1"))
    assert set(h.core.state.votes(PREVOTE, 0).by_value) == {NIL, block_hash(a)}


def test_a_block_with_an_altered_body_is_refused_and_its_hash_stays_open() -> None:
    """A peer kept a proposal's header (so its hash and signature) and changed its txs; the
    simulator found that the core then judged the hash invalid for good, and never
    committed the real block with that hash (a liveness loss)."""
    h = Harness()
    a, other = h.blocks.block(1), h.blocks.block(2)
    who = h.proposer_of(0)
    genuine = h.net.proposal(who, 0, a)
    altered = ProposalMessage(genuine.proposal, dataclasses.replace(a, txs=other.txs))
    actions = h.feed(ProposalReceived(altered, f"v{who}"))
    assert refusals(actions) == ["the block's txs do not match its tx_root"]
    assert of_type(actions, ValidateBlock) == []
    actions = h.feed(ProposalReceived(genuine, f"v{who}"))
    assert of_type(actions, ValidateBlock) == [ValidateBlock(a)]
