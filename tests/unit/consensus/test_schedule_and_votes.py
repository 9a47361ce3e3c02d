"""Proposer rotation, vote arithmetic by power, and equivocation evidence (F-A2, F-E6)."""

from __future__ import annotations

import dataclasses
import os
from collections import Counter

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from govchain.consensus.core import Core
from govchain.consensus.events import CoreConfig, ReportEvidence, VoteReceived
from govchain.consensus.evidence import verify_duplicate_vote
from govchain.consensus.proposer import ProposerSchedule
from govchain.consensus.votes import VoteSet
from govchain.ledger import records
from govchain.types import Validator, ValidatorSet, Vote, VoteType
from govchain.types.errors import ValidationError

from ...chain_support import CHAIN_ID, ChainMaker


def _set(powers: list[int]) -> ValidatorSet:
    members = [Validator(bytes([i + 1]) * 20, b"k", p, f"v{i}") for i, p in enumerate(powers)]
    return ValidatorSet(tuple(members))


@settings(max_examples=60, deadline=None)
@given(st.lists(st.integers(1, 12), min_size=1, max_size=7))
def test_each_validator_proposes_in_proportion_to_its_power(powers: list[int]) -> None:
    validators = _set(powers)
    schedule = ProposerSchedule(validators)
    cycle = len(schedule.cycle)
    counts = Counter(schedule.proposer(h, 0) for h in range(1, cycle + 1))
    divisor = sum(powers) // cycle
    for member in validators.validators:
        assert counts[member.address] * divisor == member.power
    # rounds move the proposer along the same cycle
    assert schedule.proposer(3, 2) == schedule.proposer(5, 0)


def test_votes_count_power_not_heads() -> None:
    votes = VoteSet()
    validators = _set([1, 1, 1, 7])  # total 10, quorum 7
    quorum = validators.quorum()
    assert quorum == 7
    block = b"\x11" * 32
    for member in validators.validators[:3]:
        votes.add(Vote(CHAIN_ID, VoteType.PREVOTE, 1, 0, block, 1, member.address), member.power)
    assert not votes.has_quorum_for(block, quorum)  # three of four heads, 3 of 10 power
    heavy = validators.validators[3]
    votes.add(Vote(CHAIN_ID, VoteType.PREVOTE, 1, 0, block, 1, heavy.address), heavy.power)
    assert votes.has_quorum_for(block, quorum)
    assert votes.quorum_value(quorum) == block


def test_a_double_vote_is_not_counted_and_becomes_evidence() -> None:
    maker = ChainMaker.make("intl")
    config = CoreConfig(CHAIN_ID, maker.suite, maker.validators, maker.keys[0])
    core = Core(config, 1, maker.genesis.time)
    core.start(maker.genesis.time)
    liar, key = maker.validators.validators[1], maker.keys[1]

    def signed(block_hash: bytes) -> Vote:
        vote = Vote(CHAIN_ID, VoteType.PREVOTE, 1, 0, block_hash, 5, liar.address)
        return dataclasses.replace(vote, signature=key.sign(records.vote_signing_bytes(vote)))

    first, second = signed(os.urandom(32)), signed(os.urandom(32))
    assert not [
        a for a in core.handle(VoteReceived(first, "v1"), 10) if isinstance(a, ReportEvidence)
    ]
    actions = core.handle(VoteReceived(second, "v1"), 11)
    evidence = [a.evidence for a in actions if isinstance(a, ReportEvidence)]
    assert len(evidence) == 1
    verify_duplicate_vote(maker.suite, evidence[0], maker.validators)
    assert core.state.prevotes[0].power == liar.power  # counted once
    with pytest.raises(ValidationError):
        verify_duplicate_vote(maker.suite, type(evidence[0])(first, first), maker.validators)
