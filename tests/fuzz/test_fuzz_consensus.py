"""Consensus input from peers: decode_message raises only ValidationError; Core never raises.

Two routes in: bytes (mutated encodings of real signed messages, decoded and,
if they decode, fed to a core) and fields (real signed votes, proposals and
decisions with fields replaced, sometimes signed again so the change gets
past the signature check and into the round logic).
"""

from __future__ import annotations

import dataclasses

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from govchain.consensus.messages import Decision, Message, ProposalMessage
from govchain.consensus.wire import (
    decode_compact_proposal,
    encode_compact_proposal,
    encode_message,
)
from govchain.ledger import records
from govchain.types import CommitSig, Vote, VoteType
from govchain.types.errors import ValidationError

from ..unit.consensus.core_support import SUITE
from . import targets
from .mutate import inputs
from .samples import samples

pytestmark = pytest.mark.timeout(120)

EXAMPLES = 150

UINT64_MAX = 2**64 - 1
_uints = st.one_of(
    st.integers(0, 3),
    st.sampled_from([2**31 - 1, 2**31, 2**32, 2**63, UINT64_MAX]),
    st.integers(0, UINT64_MAX),
)
_rounds = st.one_of(st.integers(-2, 3), st.sampled_from([2**31 - 1, 2**32, UINT64_MAX]))
_hashes = st.one_of(
    st.just(b""),
    st.binary(min_size=32, max_size=32),
    st.binary(max_size=80),
    st.just(samples().commit.block_hash),
)
_chain_ids = st.one_of(
    st.just(samples().genesis.chain_id), st.sampled_from(["", "other-chain", "x" * 65])
)


def _addresses() -> st.SearchStrategy[bytes]:
    members = [v.address for v in samples().genesis.validators.validators]
    return st.one_of(st.sampled_from(members), st.binary(max_size=40))


def _signatures(signature: bytes) -> st.SearchStrategy[bytes]:
    flipped = st.integers(0, len(signature) - 1).map(
        lambda at: signature[:at] + bytes([signature[at] ^ 0x80]) + signature[at + 1 :]
    )
    return st.one_of(st.just(signature), flipped, st.binary(max_size=130))


def _signed_vote(vote: Vote) -> Vote:
    """``vote`` signed again by its validator, if that is a member of the committee."""
    committee = samples().committee
    for who, member in enumerate(committee.validators.validators):
        if member.address == vote.validator:
            unsigned = dataclasses.replace(vote, signature=b"")
            signature = committee.keys[who].sign(records.vote_signing_bytes(unsigned))
            return dataclasses.replace(vote, signature=signature)
    return vote


@st.composite
def mutated_votes(draw: st.DrawFn) -> Vote:
    """A real signed vote with some fields replaced (and maybe signed again)."""
    s = samples()
    vote = draw(st.sampled_from([s.prevote, s.precommit]))
    changes = {
        "chain_id": _chain_ids,
        "type": st.sampled_from(list(VoteType)),
        "height": _uints,
        "round": _rounds,
        "block_hash": _hashes,
        "time": _uints,
        "validator": _addresses(),
        "signature": _signatures(vote.signature),
    }
    chosen = draw(st.lists(st.sampled_from(sorted(changes)), unique=True, max_size=3))
    vote = dataclasses.replace(vote, **{name: draw(changes[name]) for name in chosen})
    return _signed_vote(vote) if draw(st.booleans()) else vote


def _signed_proposal(message: ProposalMessage) -> ProposalMessage:
    committee = samples().committee
    proposal = message.proposal
    for who, member in enumerate(committee.validators.validators):
        if member.address == proposal.proposer:
            unsigned = dataclasses.replace(proposal, signature=b"")
            signature = committee.keys[who].sign(unsigned.signing_bytes())
            return dataclasses.replace(
                message, proposal=dataclasses.replace(unsigned, signature=signature)
            )
    return message


@st.composite
def mutated_proposals(draw: st.DrawFn) -> ProposalMessage:
    """The real signed proposal with proposal or header fields replaced (and maybe signed again)."""
    s = samples()
    message = s.proposal
    proposal_changes = {
        "chain_id": _chain_ids,
        "height": _uints,
        "round": _rounds,
        "pol_round": _rounds,
        "block_hash": _hashes,
        "proposer": _addresses(),
        "signature": _signatures(message.proposal.signature),
    }
    header_changes = {
        "chain_id": _chain_ids,
        "height": _uints,
        "time": _uints,
        "prev_hash": _hashes,
        "tx_root": _hashes,
        "state_root": _hashes,
        "last_commit_hash": _hashes,
    }
    chosen = draw(st.lists(st.sampled_from(sorted(proposal_changes)), unique=True, max_size=3))
    proposal = dataclasses.replace(
        message.proposal, **{name: draw(proposal_changes[name]) for name in chosen}
    )
    header = message.block.header
    chosen = draw(st.lists(st.sampled_from(sorted(header_changes)), unique=True, max_size=2))
    header = dataclasses.replace(header, **{name: draw(header_changes[name]) for name in chosen})
    txs = draw(st.sampled_from([message.block.txs, (), message.block.txs * 2]))
    block = dataclasses.replace(message.block, header=header, txs=txs)
    message = ProposalMessage(proposal, block)
    return _signed_proposal(message) if draw(st.booleans()) else message


@st.composite
def mutated_decisions(draw: st.DrawFn) -> Decision:
    """The real decision with commit fields or signatures replaced."""
    s = samples()
    commit = s.commit
    sigs = list(commit.signatures)
    if draw(st.booleans()):
        at = draw(st.integers(0, len(sigs) - 1))
        sig = sigs[at]
        sigs[at] = CommitSig(
            draw(st.one_of(st.just(sig.validator), _addresses())),
            draw(st.one_of(st.just(sig.time), _uints)),
            draw(_signatures(sig.signature)),
        )
    sigs = draw(st.sampled_from([sigs, sigs[:1], [], sigs + sigs[:1], sigs[::-1]]))
    changes = {
        "chain_id": _chain_ids,
        "height": _uints,
        "round": _rounds,
        "block_hash": _hashes,
    }
    chosen = draw(st.lists(st.sampled_from(sorted(changes)), unique=True, max_size=2))
    commit = dataclasses.replace(
        commit, signatures=tuple(sigs), **{name: draw(changes[name]) for name in chosen}
    )
    header = dataclasses.replace(
        s.block.header, height=draw(st.one_of(st.just(s.block.header.height), _uints))
    )
    return Decision(dataclasses.replace(s.block, header=header), commit)


def _valid_messages() -> list[Message]:
    s = samples()
    return [s.proposal, s.prevote, s.precommit, s.decision]


_messages = st.one_of(
    mutated_votes(), mutated_proposals(), mutated_decisions(), st.sampled_from(_valid_messages())
)


@settings(max_examples=EXAMPLES * 2, deadline=None)
@given(data=inputs([encode_message(m) for m in _valid_messages()]))
def test_decode_message_raises_only_validation_errors_and_the_core_never_raises(
    data: bytes,
) -> None:
    targets.consensus_message(data)


def _compact_proposal() -> bytes:
    s = samples()
    hashes = [records.tx_hash(SUITE, tx) for tx in s.proposal.block.txs]
    return encode_compact_proposal(s.proposal, hashes)


@settings(max_examples=EXAMPLES * 2, deadline=None)
@given(data=inputs([_compact_proposal()]))
def test_a_compact_proposal_decodes_or_is_refused_and_its_rebuild_feeds_the_core(
    data: bytes,
) -> None:
    """Issue 21: a peer's compact proposal bytes: only ValidationError, then a core that copes."""
    s = samples()
    pool = {records.tx_hash(SUITE, tx): tx for tx in s.proposal.block.txs}
    try:
        message = decode_compact_proposal(data).rebuild(pool.get)
    except ValidationError:
        return
    if message is not None:
        targets.feed_core([message], [True])


@settings(max_examples=EXAMPLES, deadline=None)
@given(vote=mutated_votes())
def test_the_core_takes_any_mutated_vote(vote: Vote) -> None:
    targets.feed_core([vote])


@settings(max_examples=EXAMPLES, deadline=None)
@given(message=mutated_proposals(), verdict=st.booleans())
def test_the_core_takes_any_mutated_proposal(message: ProposalMessage, verdict: bool) -> None:
    targets.feed_core([message], [verdict])


@settings(max_examples=EXAMPLES, deadline=None)
@given(decision=mutated_decisions())
def test_the_core_takes_any_mutated_decision(decision: Decision) -> None:
    targets.feed_core([decision])


@settings(max_examples=EXAMPLES, deadline=None)
@given(
    messages=st.lists(_messages, min_size=2, max_size=8),
    verdicts=st.lists(st.booleans(), max_size=4),
)
def test_the_core_takes_any_sequence_of_valid_and_mutated_messages(
    messages: list[Message], verdicts: list[bool]
) -> None:
    targets.feed_core(messages, verdicts)
