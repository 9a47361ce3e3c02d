"""The core takes the validator set per height (issue 15, F-A2; docs/spec/consensus.md,
"Validator-set changes").

Five keys; height 1 is voted by validators 0-3, height 2 by 1-4: validator 0
was removed and validator 4 added by block 0's successor two heights back.
A removed validator stops voting at its boundary and its later votes are
refused; an added one votes from its boundary; quorum and proposer follow
the set; the mutant that counts a height's votes against the set of the
height before is visibly different.
"""

from __future__ import annotations

from govchain.consensus.core import Core
from govchain.consensus.events import CommitBlock, ProposalReceived, Step, VoteReceived
from govchain.types import Block, ValidatorSet
from tests.unit.consensus.core_support import (
    NOW,
    PRECOMMIT,
    PREVOTE,
    Committee,
    Harness,
    block_hash,
    broadcast_votes,
    of_type,
    refusals,
)

COMMITTEE = Committee((10, 10, 10, 10, 10))
FIRST = ValidatorSet(COMMITTEE.validators.validators[:4])
SECOND = ValidatorSet(COMMITTEE.validators.validators[1:])


def _sets(height: int) -> ValidatorSet:
    return FIRST if height <= 1 else SECOND


def _harness(me: int, mutant: str | None = None) -> Harness:
    return Harness(me=me, committee=COMMITTEE, validators_at=_sets, mutant=mutant)


def _decide(h: Harness, block: Block, voters: list[int]) -> CommitBlock:
    """Propose ``block`` in round 0 of the core's height and let ``voters`` decide it."""
    height = block.header.height
    h.propose(0, block)
    h.cast(PREVOTE, 0, block_hash(block), voters, height)
    actions = h.cast(PRECOMMIT, 0, block_hash(block), voters, height)
    [decided] = of_type(actions, CommitBlock)
    h.blocks.commit(decided.block, decided.commit)
    return decided


def _own_votes(h: Harness, actions: list[object]) -> list[object]:
    me = h.net.address(h.me or 0)
    return [v for v in broadcast_votes(actions) if v.validator == me]  # type: ignore[arg-type]


def test_a_removed_validator_votes_up_to_its_boundary_and_then_only_follows() -> None:
    h = _harness(me=0)
    assert h.core.validators == FIRST
    first = h.blocks.block(1, proposer=h.proposer_of(0))
    actions = h.propose(0, first)
    assert _own_votes(h, actions), "a member of height 1's set prevotes"
    _decide(h, first, [1, 2])
    assert h.core.height == 2
    assert h.core.validators == SECOND
    second = h.blocks.block(2, proposer=h.proposer_of(0, height=2))
    actions = h.propose(0, second)
    assert not _own_votes(h, actions), "removed: it no longer votes"
    # it still follows: the new set's precommits decide height 2 for it
    h.cast(PREVOTE, 0, block_hash(second), [1, 2, 3], 2)
    decided = of_type(h.cast(PRECOMMIT, 0, block_hash(second), [1, 2, 3], 2), CommitBlock)
    assert [d.block for d in decided] == [second]


def test_a_removed_validator_that_keeps_signing_is_refused() -> None:
    h = _harness(me=4)
    first = h.blocks.block(1, proposer=h.proposer_of(0))
    _decide(h, first, [0, 1, 2])
    stale = h.net.vote(0, PREVOTE, 0, b"", height=2)
    actions = h.feed(VoteReceived(stale, "v0"))
    assert any("not a validator" in reason for reason in refusals(actions))
    assert h.core.state.votes(PREVOTE, 0).power == 0


def test_an_added_validator_follows_until_its_boundary_then_votes() -> None:
    h = _harness(me=4)
    first = h.blocks.block(1, proposer=h.proposer_of(0))
    actions = h.propose(0, first)
    assert not _own_votes(h, actions), "not a member of height 1's set"
    _decide(h, first, [0, 1, 2])
    second = h.blocks.block(2, proposer=h.proposer_of(0, height=2))
    assert _own_votes(h, h.propose(0, second)), "a member from height 2"


def test_quorum_and_proposers_follow_each_heights_set() -> None:
    heavy = ValidatorSet(
        tuple(
            v if i else type(v)(v.address, v.public_key, 40, v.name)
            for i, v in enumerate(SECOND.validators)
        )
    )
    h = Harness(me=1, committee=COMMITTEE, validators_at=lambda n: FIRST if n <= 1 else heavy)
    assert h.core.quorum == FIRST.quorum()
    first = h.blocks.block(1, proposer=h.proposer_of(0))
    _decide(h, first, [0, 2])
    assert h.core.quorum == heavy.quorum() == 47
    cycle = h.core.schedule.cycle
    assert set(cycle) == {v.address for v in heavy.validators}
    assert cycle.count(heavy.validators[0].address) == 4  # power 40 of a reduced total of 7


def test_the_wrong_height_set_mutant_counts_a_removed_validators_vote() -> None:
    h = _harness(me=4, mutant="wrong-height-set")
    first = h.blocks.block(1, proposer=h.proposer_of(0))
    _decide(h, first, [0, 1, 2])
    stale = h.net.vote(0, PREVOTE, 0, b"", height=2)
    actions = h.feed(VoteReceived(stale, "v0"))
    assert not refusals(actions)
    assert h.core.state.votes(PREVOTE, 0).power == 10


def test_a_proposal_from_a_removed_validator_is_refused_at_its_boundary() -> None:
    h = _harness(me=4)
    first = h.blocks.block(1, proposer=h.proposer_of(0))
    _decide(h, first, [0, 1, 2])
    second = h.blocks.block(2, proposer=1)
    forged = h.net.proposal(0, 0, second, height=2)
    actions = h.feed(ProposalReceived(forged, "v0"))
    assert refusals(actions)
    assert 0 not in h.core.state.proposals


def test_a_restart_restores_the_heights_votes_against_that_heights_set() -> None:
    h = _harness(me=4)
    first = h.blocks.block(1, proposer=h.proposer_of(0))
    _decide(h, first, [0, 1, 2])
    second = h.blocks.block(2, proposer=h.proposer_of(0, height=2))
    h.propose(0, second)
    assert h.core.state.votes(PREVOTE, 0).power == 10  # our own prevote, at height 2
    restarted = Core(h.config, 2, first.header.time, h.wal, _sets)
    restarted.start(NOW)
    assert restarted.validators == SECOND
    assert restarted.state.votes(PREVOTE, 0).power == 10
    assert (0, Step.PREVOTE) in restarted.state.signed
