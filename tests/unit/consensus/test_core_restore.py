"""Restart from the WAL, resending, the single-validator mode, and the simulator's mutants.

A restarted core is built from the ``PersistWal`` records the first one
emitted (spec: consensus.md, "The write-ahead log"). It must resume where it
was and never sign a second, different message for a step it signed before.
"""

from __future__ import annotations

import dataclasses

import pytest

from govchain.consensus.core import Core
from govchain.consensus.events import (
    Action,
    BlockValidated,
    Broadcast,
    BuildProposal,
    CommitBlock,
    Event,
    PersistWal,
    ProposalBlockReady,
    ResendDue,
    ScheduleResend,
    ScheduleTimeout,
    Step,
    ValidateBlock,
    VoteReceived,
)
from govchain.consensus.messages import Message, ProposalMessage
from govchain.types import Vote

from .core_support import (
    GENESIS_TIME,
    NIL,
    NOW,
    PRECOMMIT,
    PREVOTE,
    Harness,
    block_hash,
    broadcast_proposals,
    broadcast_votes,
    flipped,
    of_type,
    refusals,
)


def _own(h: Harness, sent: list[Broadcast]) -> list[Message]:
    """The broadcast messages signed by ``h``'s validator (relayed ones left out)."""
    assert h.me is not None
    me = h.net.address(h.me)
    own: list[Message] = []
    for message in (b.message for b in sent):
        if isinstance(message, ProposalMessage):
            signer = message.proposal.proposer
        else:
            signer = message.validator if isinstance(message, Vote) else b""
        if signer == me:
            own.append(message)
    return own


def _restart(h: Harness, wal: list[object] | None = None) -> Harness:
    """A new core for the same validator, built from ``h``'s WAL (or the given records)."""
    return Harness(me=h.me, committee=h.net, wal_records=h.wal if wal is None else wal)


def test_restore_resumes_at_the_recorded_round_with_its_lock() -> None:
    h = Harness()
    a, b = h.blocks.block(1), h.blocks.block(2)
    h.lock_on(a)
    h.end_round()
    h.fire(Step.PROPOSE)  # prevote nil in round 1
    r = _restart(h)
    state = r.core.state
    assert (r.core.height, r.core.round, r.core.step) == (1, 1, Step.PREVOTE)
    assert (state.locked_round, state.locked_block) == (0, a)
    assert (state.valid_round, state.valid_block) == (0, a)
    assert of_type(r.started, PersistWal) == []  # the WAL is kept, not reset
    # no prevote timeout yet: L34 schedules it once 2/3+ of the prevotes are in again
    assert of_type(r.started, ScheduleTimeout) == []
    resent = _own(r, of_type(r.started, Broadcast))
    assert h.core.state.signed[(1, Step.PREVOTE)] in resent  # the very same signed vote
    assert h.core.state.signed[(0, Step.PREVOTE)] in resent  # the prevote of its polka
    assert all(message in h.core.state.signed.values() for message in resent)

    r.end_round()
    [vote] = broadcast_votes(r.propose(2, b), PREVOTE)
    assert (vote.round, vote.block_hash) == (2, NIL)  # still locked on A


def test_restored_after_prevoting_nil_it_never_prevotes_the_block() -> None:
    h = Harness()
    a = h.blocks.block(1)
    [nil_prevote] = broadcast_votes(h.fire(Step.PROPOSE), PREVOTE)
    r = _restart(h)
    assert broadcast_votes(r.started) == [nil_prevote]
    fresh = Harness(committee=h.net)
    [fresh_vote] = broadcast_votes(fresh.propose(0, a), PREVOTE)
    assert fresh_vote.block_hash == block_hash(a)  # what a core without the WAL would do

    actions = r.propose(0, a)
    actions += r.fire(Step.PROPOSE)
    assert broadcast_votes(actions, PREVOTE) == [nil_prevote]  # repeated, byte for byte
    assert r.core.state.signed[(0, Step.PREVOTE)] == nil_prevote


def test_restored_after_precommitting_nil_it_never_precommits_the_block() -> None:
    h = Harness()
    a = h.blocks.block(1)
    h.fire(Step.PROPOSE)
    [nil_precommit] = broadcast_votes(h.fire(Step.PREVOTE), PRECOMMIT)
    r = _restart(h)
    assert r.core.step is Step.PRECOMMIT
    actions = r.propose(0, a)
    actions += r.cast(PREVOTE, 0, block_hash(a), [0, 1, 2])  # a polka for A
    actions += r.fire(Step.PREVOTE)
    assert broadcast_votes(actions, PRECOMMIT) == [nil_precommit]
    assert r.core.state.locked_round == -1
    assert r.core.state.valid_round == 0  # the polka is still remembered as valid (L42)


def test_restored_proposer_resends_its_proposal_and_builds_no_other() -> None:
    h = Harness(me=0)  # proposer of round 0
    a, b = h.blocks.block(1), h.blocks.block(2)
    actions = h.feed(ProposalBlockReady(1, 0, a))
    [proposal] = broadcast_proposals(actions)
    upto_proposal = h.wal[:2]  # it crashed before its prevote was logged
    assert [record["t"] for record in upto_proposal] == ["height", "proposal"]
    r = _restart(h, upto_proposal)
    assert broadcast_proposals(r.started) == [proposal]
    assert of_type(r.started, BuildProposal) == []
    [vote] = broadcast_votes(r.started, PREVOTE)  # the prevote it never signed, for its block
    assert (vote.round, vote.block_hash) == (0, block_hash(a))
    assert broadcast_proposals(r.feed(ProposalBlockReady(1, 0, b))) == []
    assert r.core.state.signed[(0, Step.PROPOSE)] == proposal


def test_a_wal_of_another_height_is_ignored() -> None:
    h = Harness()
    h.fire(Step.PROPOSE)
    core = Core(h.config, 2, GENESIS_TIME, h.wal)
    actions = core.start(NOW)
    assert PersistWal({"t": "height", "h": 2}, reset=True) in actions
    assert (core.height, core.round, core.step, core.state.signed) == (2, 0, Step.PROPOSE, {})


# --- resending ------------------------------------------------------------------------------


def test_resend_repeats_this_rounds_signed_messages_and_schedules_the_next() -> None:
    h = Harness()
    a = h.blocks.block(1)
    assert ScheduleResend(1, 2000) in h.started
    h.lock_on(a)
    h.end_round()
    h.fire(Step.PROPOSE)
    signed = h.core.state.signed
    actions = h.feed(ResendDue(1))
    resent = _own(h, of_type(actions, Broadcast))
    assert signed[(1, Step.PREVOTE)] in resent
    assert signed[(0, Step.PREVOTE)] in resent  # a proof of lock for valid_round 0 needs it
    assert all(message in signed.values() for message in resent)
    assert of_type(actions, PersistWal) == []  # nothing new was signed
    assert actions[-1] == ScheduleResend(1, 2000)
    assert h.feed(ResendDue(2)) == []  # another height's timer


def _drive(h: Harness, actions: list[Action], heights: int) -> list[Action]:
    """Act as the driver of a lone validator: build, validate and commit, never fire a timeout."""
    seen: list[Action] = list(actions)
    pending = list(actions)
    while pending:
        action = pending.pop(0)
        event: Event | None = None
        if isinstance(action, BuildProposal) and action.height <= heights:
            event = ProposalBlockReady(action.height, action.round, h.blocks.block(action.height))
        elif isinstance(action, ValidateBlock):
            event = BlockValidated(block_hash(action.block), True)
        elif isinstance(action, CommitBlock):
            h.blocks.commit(action.block, action.commit)
        if event is not None:
            more = h.feed(event)
            seen += more
            pending += more
    return seen


def test_a_single_validator_commits_height_after_height_without_timeouts_or_resends() -> None:
    h = Harness((10,), me=0)
    assert of_type(h.started, BuildProposal) == [BuildProposal(1, 0)]
    seen = _drive(h, h.started, heights=5)
    assert h.core.height == 6
    assert h.blocks.chain.height == 5
    assert of_type(seen, ScheduleResend) == []
    assert [c.block.header.height for c in of_type(seen, CommitBlock)] == [1, 2, 3, 4, 5]
    assert all(c.commit.round == 0 for c in of_type(seen, CommitBlock))
    own = [m for m in (x.message for x in of_type(seen, Broadcast)) if isinstance(m, Vote)]
    assert len(own) == 10  # one prevote and one precommit per height, nothing repeated


# --- mutants ----------------------------------------------------------------------------------


@pytest.mark.parametrize("mutant", [None, "quorum-half"])
def test_mutant_quorum_half_decides_with_half_the_power(mutant: str | None) -> None:
    h = Harness(me=None, mutant=mutant)
    a = h.blocks.block(1)
    h.propose(0, a)
    actions = h.cast(PRECOMMIT, 0, block_hash(a), [0, 1])  # 20 of 40
    assert bool(of_type(actions, CommitBlock)) is (mutant == "quorum-half")


@pytest.mark.parametrize("mutant", [None, "skip-sig-check"])
def test_mutant_skip_sig_check_counts_a_badly_signed_vote(mutant: str | None) -> None:
    h = Harness(mutant=mutant)
    vote = h.net.vote(0, PREVOTE, 0, NIL)
    bad = dataclasses.replace(vote, signature=flipped(vote.signature))
    actions = h.feed(VoteReceived(bad, "v0"))
    counted = h.core.state.votes(PREVOTE, 0).power
    if mutant is None:
        assert (len(refusals(actions)), counted) == (1, 0)
    else:
        assert (refusals(actions), counted) == ([], 10)


@pytest.mark.parametrize("mutant", [None, "ignore-lock"])
def test_mutant_ignore_lock_prevotes_a_new_block_while_locked(mutant: str | None) -> None:
    h = Harness(mutant=mutant)
    a, b = h.blocks.block(1), h.blocks.block(2)
    h.lock_on(a)
    h.end_round()
    [vote] = broadcast_votes(h.propose(1, b), PREVOTE)
    assert vote.block_hash == (block_hash(b) if mutant else NIL)
