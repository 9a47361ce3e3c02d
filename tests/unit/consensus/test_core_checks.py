# ruff: noqa: N802  (test names carry the paper's line numbers: test_L15_...)
"""What the consensus core accepts and proposes: proposers, quorums by power, message checks,
evidence and decisions from peers (F-A2, F-E6; spec: consensus.md).
"""

from __future__ import annotations

import dataclasses
from collections import Counter

import pytest

from govchain.consensus.events import (
    Action,
    BlockValidated,
    Broadcast,
    BuildProposal,
    CommitBlock,
    DecisionReceived,
    ProposalBlockReady,
    ProposalReceived,
    Refused,
    ReportEvidence,
    ResendDue,
    SendDecision,
    Step,
    ValidateBlock,
    VoteReceived,
)
from govchain.consensus.evidence import verify_duplicate_vote
from govchain.consensus.messages import NO_POL, Decision, ProposalMessage
from govchain.consensus.proposer import ProposerSchedule
from govchain.ledger import records

from .core_support import (
    NIL,
    PRECOMMIT,
    PREVOTE,
    SUITE,
    Harness,
    block_hash,
    broadcast_proposals,
    broadcast_votes,
    flipped,
    of_type,
    refusals,
    signing_key,
    wal_kinds,
)

# --- proposer rotation ---------------------------------------------------------------------


def test_proposer_cycle_is_smooth_weighted_round_robin() -> None:
    h = Harness((5, 3, 2, 1), me=None)
    schedule = ProposerSchedule(h.net.validators)
    expected = [0, 1, 2, 0, 3, 0, 1, 0, 2, 1, 0]  # worked by hand from the spec's rule
    assert [h.proposer_of(r) for r in range(11)] == expected
    assert [h.proposer_of(0, height) for height in range(1, 12)] == expected
    assert schedule.proposer(1, 11) == schedule.proposer(1, 0)  # the cycle repeats
    # (6, 4, 2, 2) reduces by its gcd to (3, 2, 1, 1), W = 7; ties go to the lower address
    reduced = Harness((6, 4, 2, 2), me=None)
    assert [reduced.proposer_of(r) for r in range(7)] == [0, 1, 2, 0, 3, 1, 0]
    assert ProposerSchedule(reduced.net.validators).cycle == tuple(
        reduced.net.address(i) for i in [0, 1, 2, 0, 3, 1, 0]
    )


def test_the_core_accepts_a_proposal_only_from_the_scheduled_proposer() -> None:
    h = Harness()
    a = h.blocks.block(1)
    wrong = h.net.proposal(1, 0, a)  # round 0 belongs to validator 0
    actions = h.feed(ProposalReceived(wrong, "v1"))
    assert refusals(actions) == [
        f"proposal from {h.net.address(1).hex()}, not the round's proposer"
    ]
    assert of_type(actions, ValidateBlock) == []
    assert h.core.state.proposals == {}
    right = h.net.proposal(0, 0, a)
    assert of_type(h.feed(ProposalReceived(right, "v0")), ValidateBlock) == [ValidateBlock(a)]


def test_heavier_validators_propose_proportionally_more_often() -> None:
    powers = (5, 3, 2, 1)
    h = Harness(powers, me=None)
    a = h.blocks.block(1)
    accepted: Counter[int] = Counter()
    for round_ in range(sum(powers)):  # one cycle
        for who in range(len(powers)):
            message = h.net.proposal(who, round_, a)
            if not of_type(h.feed(ProposalReceived(message, f"v{who}")), Refused):
                accepted[who] += 1
    assert [accepted[who] for who in range(len(powers))] == list(powers)


# --- proposing (L14-L19) -----------------------------------------------------------------


def test_L14_proposer_without_valid_value_builds_a_new_block() -> None:
    h = Harness(me=0)
    assert BuildProposal(1, 0) in h.started
    a = h.blocks.block(1, proposer=0)
    actions = h.feed(ProposalBlockReady(1, 0, a))
    [sent] = broadcast_proposals(actions)
    assert (sent.proposal.round, sent.proposal.pol_round, sent.block) == (0, NO_POL, a)
    assert wal_kinds(actions)[0] == "proposal"
    [vote] = broadcast_votes(actions, PREVOTE)  # prevotes its own block, no ValidateBlock
    assert vote.block_hash == block_hash(a)
    assert of_type(actions, ValidateBlock) == []


def test_L15_proposer_reproposes_its_locked_valid_value_with_its_pol_round() -> None:
    h = Harness(me=1)  # proposer of round 1
    a = h.blocks.block(1)
    h.lock_on(a)
    actions = h.end_round()
    assert of_type(actions, BuildProposal) == []
    [message] = broadcast_proposals(actions)
    proposal = message.proposal
    assert (proposal.round, proposal.pol_round, message.block) == (1, 0, a)
    assert proposal.proposer == h.net.address(1)
    public_key = h.net.validators.validators[1].public_key
    assert SUITE.verify(public_key, proposal.signing_bytes(), proposal.signature)
    [vote] = broadcast_votes(actions[actions.index(Broadcast(message)) :], PREVOTE)
    assert (vote.round, vote.block_hash) == (1, block_hash(a))


def test_L15_proposer_reproposes_a_valid_value_it_is_not_locked_on() -> None:
    h = Harness(me=1)
    a = h.blocks.block(1)
    h.propose(0, a)
    h.cast(PREVOTE, 0, NIL, [0])
    h.cast(PREVOTE, 0, block_hash(a), [2])
    h.fire(Step.PREVOTE)
    h.cast(PREVOTE, 0, block_hash(a), [3])  # late polka: valid, not locked
    [message] = broadcast_proposals(h.end_round())
    assert (message.proposal.pol_round, message.block) == (0, a)
    assert h.core.state.locked_round == -1


# --- quorum arithmetic by power ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("powers", "signers", "decides"),
    [
        ((1, 1, 1, 7), [3], True),  # quorum 7: the heavy one alone
        ((1, 1, 1, 7), [0, 1, 2], False),  # three of four heads, 3 of 10
        ((5, 3, 2, 1), [0, 1], True),  # quorum 8: heavy and one light, exactly 8
        ((5, 3, 2, 1), [0, 2], False),  # 7: one less than the boundary
        ((5, 3, 2, 1), [1, 2, 3], False),  # three light ones: 6
        ((5, 3, 2, 1), [0, 2, 3], True),  # exactly 8 again
        ((4, 4, 4), [0, 1], False),  # exactly two thirds is not more than two thirds
        ((4, 4, 4), [0, 1, 2], True),
    ],
)
def test_power_not_heads_decides_the_quorum(
    powers: tuple[int, ...], signers: list[int], decides: bool
) -> None:
    h = Harness(powers, me=None)  # a follower: no vote of its own to count
    total = sum(powers)
    assert h.core.quorum == h.net.validators.quorum() == 2 * total // 3 + 1
    a = h.blocks.block(1)
    h.propose(0, a)
    actions = h.cast(PRECOMMIT, 0, block_hash(a), signers)
    assert bool(of_type(actions, CommitBlock)) is decides
    assert h.core.height == (2 if decides else 1)


# --- message checks ---------------------------------------------------------------------


def test_a_vote_with_a_bad_signature_is_refused_and_not_counted() -> None:
    h = Harness()
    vote = h.net.vote(0, PREVOTE, 0, NIL)
    bad = dataclasses.replace(vote, signature=flipped(vote.signature))
    assert refusals(h.feed(VoteReceived(bad, "v0"))) == [
        f"bad vote signature from {h.net.address(0).hex()}"
    ]
    assert h.core.state.votes(PREVOTE, 0).power == 0


def test_a_proposal_with_a_bad_signature_is_refused() -> None:
    h = Harness()
    message = h.net.proposal(0, 0, h.blocks.block(1))
    proposal = dataclasses.replace(message.proposal, signature=flipped(message.proposal.signature))
    actions = h.feed(ProposalReceived(ProposalMessage(proposal, message.block), "v0"))
    assert refusals(actions) == ["bad proposal signature"]
    assert of_type(actions, ValidateBlock) == []


def test_a_vote_from_a_non_validator_is_refused() -> None:
    h = Harness()
    outsider = signing_key(99)
    address = records.address_of(SUITE, outsider.public_key)
    vote = dataclasses.replace(h.net.vote(0, PREVOTE, 0, NIL), validator=address)
    vote = dataclasses.replace(vote, signature=outsider.sign(records.vote_signing_bytes(vote)))
    assert refusals(h.feed(VoteReceived(vote, "x"))) == [
        f"vote from {address.hex()}, not a validator"
    ]
    assert h.core.state.votes(PREVOTE, 0).power == 0


def test_messages_for_another_chain_are_refused() -> None:
    h = Harness()
    vote = h.net.vote(0, PREVOTE, 0, NIL, chain_id="other-chain")  # validly signed there
    assert refusals(h.feed(VoteReceived(vote, "v0"))) == ["vote for another chain"]
    message = h.net.proposal(0, 0, h.blocks.block(1))
    other = dataclasses.replace(message.proposal, chain_id="other-chain")
    other = dataclasses.replace(other, signature=h.net.keys[0].sign(other.signing_bytes()))
    actions = h.feed(ProposalReceived(ProposalMessage(other, message.block), "v0"))
    assert refusals(actions) == ["proposal for another chain"]


def test_a_round_more_than_64_ahead_is_refused() -> None:
    h = Harness()
    far = h.net.vote(0, PREVOTE, 65, NIL)
    assert refusals(h.feed(VoteReceived(far, "v0"))) == ["round 65 is more than 64 ahead"]
    assert h.cast(PREVOTE, 64, NIL, [1]) == []  # the boundary is accepted
    assert h.core.state.votes(PREVOTE, 64).power == 10
    assert 65 not in h.core.state.prevotes


def test_a_proposal_naming_another_block_than_it_carries_is_refused() -> None:
    h = Harness()
    a, b = h.blocks.block(1), h.blocks.block(2)
    claims_b = h.net.proposal(0, 0, b)
    actions = h.feed(ProposalReceived(ProposalMessage(claims_b.proposal, a), "v0"))
    assert refusals(actions) == ["proposal names another block than the one it carries"]
    assert of_type(actions, ValidateBlock) == []


def test_a_proposal_carrying_a_block_of_another_height_is_refused() -> None:
    h = Harness()
    a = h.blocks.block(1)
    h.blocks.commit(a, h.net.commit(a, [0, 1, 2]))
    next_block = h.blocks.block(5)
    assert next_block.header.height == 2
    message = h.net.proposal(0, 0, next_block, height=1)
    actions = h.feed(ProposalReceived(message, "v0"))
    assert refusals(actions) == ["proposed block is for another height"]
    assert of_type(actions, ValidateBlock) == []


def _decide_height_one(h: Harness) -> None:
    a = h.blocks.block(1)
    h.propose(0, a)
    h.cast(PRECOMMIT, 0, block_hash(a), [0, 1, 2])
    assert h.core.height == 2


def _decisions(actions: list[Action]) -> list[tuple[str, int]]:
    return [(a.peer, a.height) for a in of_type(actions, SendDecision)]


def _decide_heights(h: Harness, count: int) -> list[Action]:
    """Decide ``count`` heights in round 0 with validators 0, 1 and 2; the deciding actions."""
    actions: list[Action] = []
    for _ in range(count):
        height = h.core.height
        block = h.blocks.block(height, proposer=h.proposer_of(0, height=height))
        h.propose(0, block)
        actions += h.cast(PRECOMMIT, 0, block_hash(block), [0, 1, 2], height=height)
        h.blocks.commit(block, h.net.commit(block, [0, 1, 2]))
        assert h.core.height == height + 1
    return actions


def test_a_peer_one_height_behind_is_answered_at_the_resend_if_still_behind() -> None:
    """A late vote of the height just decided is the common case: its sender commits on its
    own a moment later, so it gets a decision only if it is still behind at the next resend
    (spec: "Lost messages are sent again")."""
    h = Harness()
    _decide_heights(h, 1)
    old = h.net.vote(0, PRECOMMIT, 0, NIL, height=1)
    assert h.feed(VoteReceived(old, "v0")) == []
    assert h.feed(VoteReceived(old, "v0")) == []
    assert h.feed(VoteReceived(h.net.vote(0, PREVOTE, 0, NIL, height=1), "v0")) == []
    assert h.feed(VoteReceived(old, "v1")) == []
    assert h.feed(VoteReceived(old, "v2")) == []
    for round_ in range(1, 100):  # other rounds do not buy answers (bounded work)
        later_round = h.net.vote(0, PREVOTE, round_, NIL, height=1)
        assert _decisions(h.feed(VoteReceived(later_round, "v0"))) == []
    assert h.core.state.votes(PRECOMMIT, 0).power == 0  # nothing counted at height 2
    h.feed(VoteReceived(h.net.vote(1, PREVOTE, 0, NIL, height=2), "v1"))  # v1 reached us
    h.feed(VoteReceived(h.net.vote(2, PREVOTE, 0, NIL, height=3), "v2"))  # v2 passed us
    assert _decisions(h.feed(ResendDue(2))) == [("v0", 1)]
    assert h.feed(VoteReceived(old, "v0")) == []  # answered in this period already
    assert _decisions(h.feed(ResendDue(2))) == []  # and not seen behind since
    assert h.feed(VoteReceived(old, "v0")) == []
    assert _decisions(h.feed(ResendDue(2))) == [("v0", 1)]  # still behind: answered again


def test_a_peer_still_behind_when_we_leave_the_height_is_answered_then() -> None:
    h = Harness()
    _decide_heights(h, 1)
    old = h.net.vote(0, PRECOMMIT, 0, NIL, height=1)
    # the link answered is the one the message came on ("p9": no vote below comes on it)
    assert h.feed(VoteReceived(old, "p9")) == []
    assert h.feed(VoteReceived(old, "v1")) == []
    h.feed(VoteReceived(h.net.vote(1, PREVOTE, 0, NIL, height=2), "v1"))  # v1 reached us
    # p9 sent nothing of height 2 while we decided it: it is two heights behind now
    [answer] = of_type(_decide_heights(h, 1), SendDecision)
    assert (answer.peer, answer.height, answer.count) == ("p9", 1, 2)
    assert h.feed(VoteReceived(old, "p9")) == []  # answered in this period already
    late = h.net.vote(1, PRECOMMIT, 0, NIL, height=2)
    assert h.feed(VoteReceived(late, "v1")) == []  # one height behind: answered later


def test_a_peer_two_heights_behind_is_answered_at_once() -> None:
    h = Harness()
    _decide_heights(h, 2)
    old = h.net.vote(0, PRECOMMIT, 0, NIL, height=1)
    [answer] = of_type(h.feed(VoteReceived(old, "v0")), SendDecision)
    assert (answer.peer, answer.height, answer.count) == ("v0", 1, 2)
    assert h.feed(VoteReceived(old, "v0")) == []  # once per peer and height per period
    assert _decisions(h.feed(VoteReceived(old, "v1"))) == [("v1", 1)]
    h.feed(ResendDue(3))
    assert _decisions(h.feed(VoteReceived(old, "v0"))) == [("v0", 1)]


def test_next_height_messages_are_buffered_and_replayed_after_the_decision() -> None:
    h = Harness()
    a = h.blocks.block(1)
    h.blocks.commit(a, h.net.commit(a, [0, 1, 2]))
    next_block = h.blocks.block(7, proposer=h.proposer_of(0, height=2))
    early = h.net.proposal(h.proposer_of(0, height=2), 0, next_block, height=2)
    assert h.feed(ProposalReceived(early, "v1")) == []
    assert h.cast(PREVOTE, 0, block_hash(next_block), [0, 2], height=2) == []
    assert h.core.height == 1
    assert h.core.state.proposals == {}

    h.propose(0, a)
    actions = h.cast(PRECOMMIT, 0, block_hash(a), [0, 1, 2])
    [decided] = of_type(actions, CommitBlock)
    replayed = actions[actions.index(decided) :]
    assert of_type(replayed, ValidateBlock) == [ValidateBlock(next_block)]
    assert h.core.state.votes(PREVOTE, 0).power == 20
    actions = h.feed(BlockValidated(block_hash(next_block), True))
    [vote] = broadcast_votes(actions, PREVOTE)
    assert (vote.height, vote.block_hash) == (2, block_hash(next_block))
    assert h.core.state.locked_round == 0  # 20 buffered + our own: a polka


# --- evidence ------------------------------------------------------------------------------


def test_a_double_vote_is_reported_once() -> None:
    h = Harness()
    a, b = h.blocks.block(1), h.blocks.block(2)
    first = h.net.vote(1, PREVOTE, 0, NIL)
    second = h.net.vote(1, PREVOTE, 0, block_hash(a))
    third = h.net.vote(1, PREVOTE, 0, block_hash(b))
    assert of_type(h.feed(VoteReceived(first, "v1")), ReportEvidence) == []
    [report] = of_type(h.feed(VoteReceived(second, "v1")), ReportEvidence)
    assert {report.evidence.first, report.evidence.second} == {first, second}
    verify_duplicate_vote(SUITE, report.evidence, h.net.validators)
    assert of_type(h.feed(VoteReceived(third, "v1")), ReportEvidence) == []
    assert of_type(h.feed(VoteReceived(second, "v1")), ReportEvidence) == []
    other_type = h.net.vote(1, PRECOMMIT, 0, NIL)
    assert of_type(h.feed(VoteReceived(other_type, "v1")), ReportEvidence) == []


# --- decisions from peers ---------------------------------------------------------------------


def test_a_decision_with_a_valid_commit_is_validated_then_committed() -> None:
    h = Harness()
    a = h.blocks.block(1)
    commit = h.net.commit(a, [0, 1, 2])
    actions = h.feed(DecisionReceived(Decision(a, commit), "v0"))
    assert actions == [ValidateBlock(a)]
    actions = h.feed(BlockValidated(block_hash(a), True))
    assert of_type(actions, CommitBlock) == [CommitBlock(a, commit)]
    assert h.core.height == 2


def test_a_decision_for_a_block_that_does_not_validate_is_not_committed() -> None:
    h = Harness()
    a = h.blocks.block(1)
    h.feed(DecisionReceived(Decision(a, h.net.commit(a, [0, 1, 2])), "v0"))
    actions = h.feed(BlockValidated(block_hash(a), False))
    assert of_type(actions, CommitBlock) == []
    assert len(of_type(actions, Refused)) == 1
    assert h.core.height == 1


def test_a_decision_with_too_little_power_is_refused() -> None:
    h = Harness()
    a = h.blocks.block(1)
    actions = h.feed(DecisionReceived(Decision(a, h.net.commit(a, [0, 1])), "v0"))
    [reason] = refusals(actions)
    assert "20 of 40 power" in reason
    assert of_type(actions, ValidateBlock) == []
    assert of_type(h.feed(BlockValidated(block_hash(a), True)), CommitBlock) == []


def test_a_decision_with_a_bad_signature_is_refused() -> None:
    h = Harness()
    a = h.blocks.block(1)
    commit = h.net.commit(a, [0, 1, 2])
    sigs = list(commit.signatures)
    sigs[1] = dataclasses.replace(sigs[1], signature=flipped(sigs[1].signature))
    bad = dataclasses.replace(commit, signatures=tuple(sigs))
    actions = h.feed(DecisionReceived(Decision(a, bad), "v0"))
    [reason] = refusals(actions)
    assert "bad signature" in reason
    assert of_type(actions, ValidateBlock) == []
    assert of_type(h.feed(BlockValidated(block_hash(a), True)), CommitBlock) == []
    assert h.core.height == 1
