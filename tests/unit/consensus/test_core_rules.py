# ruff: noqa: N802  (test names carry the paper's line numbers: test_L36_...)
"""The upon-rules of the consensus core, one by one (paper Algorithm 1; F-A2).

Each test drives one ``Core`` (validator 3 of four with equal power unless
said otherwise) with hand-signed messages from the others and checks the
actions it returns and the state it is left in.
"""

from __future__ import annotations

from govchain.consensus.events import (
    BlockValidated,
    Broadcast,
    CommitBlock,
    PersistWal,
    ScheduleTimeout,
    Step,
    TimeoutFired,
    Timeouts,
    ValidateBlock,
)
from govchain.ledger import records
from govchain.ledger.commits import verify_commit

from .core_support import (
    CHAIN_ID,
    NIL,
    PRECOMMIT,
    PREVOTE,
    SUITE,
    BlockMaker,
    Committee,
    Harness,
    block_hash,
    broadcast_votes,
    of_type,
    wal_kinds,
)

# --- L22: prevote on a fresh proposal -------------------------------------------------


def test_L22_waits_for_the_verdict_then_prevotes_a_valid_proposal() -> None:
    h = Harness()
    a = h.blocks.block(1)
    waiting = h.propose(0, a, valid=None)
    assert of_type(waiting, ValidateBlock) == [ValidateBlock(a)]
    assert broadcast_votes(waiting) == []
    assert h.cast(PREVOTE, 0, block_hash(a), [0]) == []  # still waiting: no vote
    assert (h.core.round, h.core.step) == (0, Step.PROPOSE)

    actions = h.feed(BlockValidated(block_hash(a), True))
    [vote] = broadcast_votes(actions)
    assert (vote.type, vote.round, vote.block_hash) == (PREVOTE, 0, block_hash(a))
    assert vote.validator == h.net.address(3)
    public_key = h.net.validators.validators[3].public_key
    assert SUITE.verify(public_key, records.vote_signing_bytes(vote), vote.signature)
    assert wal_kinds(actions) == ["vote"]
    assert isinstance(actions[0], PersistWal)
    assert isinstance(actions[1], Broadcast)
    assert h.core.step is Step.PREVOTE


def test_L22_prevotes_nil_for_an_invalid_proposal() -> None:
    h = Harness()
    a = h.blocks.block(1)
    actions = h.propose(0, a, valid=False)
    [vote] = broadcast_votes(actions)
    assert (vote.type, vote.round, vote.block_hash) == (PREVOTE, 0, NIL)
    assert h.core.step is Step.PREVOTE


def test_L22_locked_validator_prevotes_nil_for_another_block_without_pol() -> None:
    h = Harness()
    a, b = h.blocks.block(1), h.blocks.block(2)
    h.lock_on(a)
    h.end_round()
    [vote] = broadcast_votes(h.propose(1, b), PREVOTE)
    assert (vote.round, vote.block_hash) == (1, NIL)
    assert h.core.state.locked_round == 0


def test_L22_locked_validator_prevotes_its_locked_block_again() -> None:
    h = Harness()
    a = h.blocks.block(1)
    h.lock_on(a)
    h.end_round()
    [vote] = broadcast_votes(h.propose(1, a), PREVOTE)
    assert (vote.round, vote.block_hash) == (1, block_hash(a))


# --- L28: unlocking on a higher polka ----------------------------------------------------


def test_L28_polka_after_the_lock_round_unlocks() -> None:
    h = Harness()
    a, b = h.blocks.block(1), h.blocks.block(2)
    h.lock_on(a)
    h.end_round()
    h.cast(PREVOTE, 1, block_hash(b), [0, 1, 2])  # a polka for B in round 1 we never saw proposed
    h.end_round()
    assert (h.core.round, h.core.state.locked_round) == (2, 0)
    [vote] = broadcast_votes(h.propose(2, b, pol_round=1), PREVOTE)
    assert (vote.round, vote.block_hash) == (2, block_hash(b))


def test_L28_polka_in_the_lock_round_itself_unlocks() -> None:
    net = Committee((10, 10, 10, 10))
    a, b = BlockMaker(net).block(1), BlockMaker(net).block(2)
    wal = [{"t": "height", "h": 1}, {"t": "lock", "round": 0, "block": records.encode_block(a)}]
    h = Harness(wal_records=wal, committee=net)  # a lock without our prevote: only from a WAL
    assert h.core.state.locked_round == 0
    h.cast(PREVOTE, 0, block_hash(b), [0, 1, 2])
    h.end_round()
    [vote] = broadcast_votes(h.propose(1, b, pol_round=0), PREVOTE)
    assert vote.block_hash == block_hash(b)  # locked_round <= vr


def test_L28_polka_older_than_the_lock_does_not_unlock() -> None:
    h = Harness()
    a, b = h.blocks.block(1), h.blocks.block(2)
    h.cast(PREVOTE, 0, block_hash(b), [0, 1, 2])  # polka for B in round 0, B never proposed
    h.end_round()
    h.lock_on(a)  # locked on A in round 1
    h.end_round()
    [vote] = broadcast_votes(h.propose(2, b, pol_round=0), PREVOTE)
    assert (vote.round, vote.block_hash) == (2, NIL)  # vr 0 < locked_round 1


def test_L28_proposal_claiming_a_pol_waits_until_the_prevotes_arrive() -> None:
    h = Harness()
    a, b = h.blocks.block(1), h.blocks.block(2)
    h.lock_on(a)
    h.end_round()
    h.propose(2, b, pol_round=1)  # B claims a polka in round 1 that we have not seen
    h.cast(PREVOTE, 2, block_hash(b), [0])  # with the proposer, 1/3+ in round 2: L55
    assert (h.core.round, h.core.step) == (2, Step.PROPOSE)
    assert broadcast_votes(h.cast(PREVOTE, 1, block_hash(b), [0, 1])) == []
    assert h.core.step is Step.PROPOSE
    [vote] = broadcast_votes(h.cast(PREVOTE, 1, block_hash(b), [2]), PREVOTE)
    assert (vote.round, vote.block_hash) == (2, block_hash(b))


# --- L36: a polka locks ----------------------------------------------------------------


def test_L36_polka_locks_and_precommits() -> None:
    h = Harness()
    a = h.blocks.block(1)
    h.propose(0, a)
    assert broadcast_votes(h.cast(PREVOTE, 0, block_hash(a), [0]), PRECOMMIT) == []
    assert h.core.state.locked_round == -1

    actions = h.cast(PREVOTE, 0, block_hash(a), [1])
    [precommit] = broadcast_votes(actions, PRECOMMIT)
    assert (precommit.round, precommit.block_hash) == (0, block_hash(a))
    lock_at = next(
        i for i, x in enumerate(actions) if isinstance(x, PersistWal) and x.record["t"] == "lock"
    )
    sent_at = next(i for i, x in enumerate(actions) if isinstance(x, Broadcast))
    assert lock_at < sent_at
    lock = actions[lock_at]
    assert isinstance(lock, PersistWal)
    assert (lock.record["round"], lock.record["block"]) == (0, records.encode_block(a))
    state = h.core.state
    assert (state.locked_round, state.locked_block) == (0, a)
    assert (state.valid_round, state.valid_block) == (0, a)
    assert "valid" in wal_kinds(actions)
    assert h.core.step is Step.PRECOMMIT


def test_L36_polka_is_counted_by_power() -> None:
    h = Harness((5, 3, 2, 1), me=3)  # quorum 8
    a = h.blocks.block(1)
    h.propose(0, a)  # our own prevote: 1
    h.cast(PREVOTE, 0, block_hash(a), [0])  # 6
    assert h.core.state.locked_round == -1
    h.cast(PREVOTE, 0, block_hash(a), [2])  # 8: exactly the quorum
    assert h.core.state.locked_round == 0


def test_L36_late_polka_sets_the_valid_value_but_not_the_lock() -> None:
    h = Harness()
    a = h.blocks.block(1)
    h.propose(0, a)
    h.cast(PREVOTE, 0, NIL, [0])
    h.cast(PREVOTE, 0, block_hash(a), [1])
    h.fire(Step.PREVOTE)  # L61: precommit nil
    actions = h.cast(PREVOTE, 0, block_hash(a), [2])
    assert broadcast_votes(actions) == []
    state = h.core.state
    assert (state.locked_round, state.valid_round, state.valid_block) == (-1, 0, a)
    assert wal_kinds(actions) == ["valid"]


# --- nil votes and timeouts (L34, L44, L47, L57, L61, L65) --------------------------------


def test_L44_nil_polka_precommits_nil() -> None:
    h = Harness()
    a = h.blocks.block(1)
    h.propose(0, a)  # we prevote A
    h.cast(PREVOTE, 0, NIL, [0, 1])
    assert h.core.step is Step.PREVOTE
    [precommit] = broadcast_votes(h.cast(PREVOTE, 0, NIL, [2]), PRECOMMIT)
    assert (precommit.round, precommit.block_hash) == (0, NIL)
    assert (h.core.step, h.core.state.locked_round) == (Step.PRECOMMIT, -1)


def test_L57_propose_timeout_prevotes_nil() -> None:
    h = Harness()
    assert ScheduleTimeout(1, 0, Step.PROPOSE, 3000) in h.started
    [vote] = broadcast_votes(h.fire(Step.PROPOSE), PREVOTE)
    assert (vote.round, vote.block_hash) == (0, NIL)
    assert h.core.step is Step.PREVOTE


def test_L57_waits_for_a_verdict_in_progress_then_prevotes_the_valid_proposal() -> None:
    # validating counts as having received the proposal (spec: consensus.md, PROPOSE)
    h = Harness()
    a = h.blocks.block(1)
    h.propose(0, a, valid=None)
    assert broadcast_votes(h.fire(Step.PROPOSE)) == []
    assert h.core.step is Step.PROPOSE
    [vote] = broadcast_votes(h.feed(BlockValidated(block_hash(a), True)), PREVOTE)
    assert (vote.round, vote.block_hash) == (0, block_hash(a))
    assert h.core.step is Step.PREVOTE


def test_L57_an_invalid_verdict_after_the_timeout_prevotes_nil() -> None:
    h = Harness()
    a = h.blocks.block(1)
    h.propose(0, a, valid=None)
    assert broadcast_votes(h.fire(Step.PROPOSE)) == []
    [vote] = broadcast_votes(h.feed(BlockValidated(block_hash(a), False)), PREVOTE)
    assert (vote.round, vote.block_hash) == (0, NIL)
    assert h.core.step is Step.PREVOTE


def test_L57_a_verdict_for_a_proposal_no_rule_accepts_still_prevotes_nil() -> None:
    # L28: a proposal naming an earlier valid round, without the polka for it, fires no rule
    h = Harness()
    a = h.blocks.block(1)
    h.fire(Step.PROPOSE)  # round 0: nil
    h.cast(PREVOTE, 0, NIL, [0, 1])
    h.cast(PRECOMMIT, 0, NIL, [0, 1, 2])
    h.fire(Step.PRECOMMIT)
    assert h.core.round == 1
    h.propose(1, a, pol_round=0, valid=None)
    repeated = broadcast_votes(h.fire(Step.PROPOSE, round_=1))  # round-0 votes, sent again
    assert [v for v in repeated if v.round == 1] == []
    [vote] = broadcast_votes(h.feed(BlockValidated(block_hash(a), True)), PREVOTE)
    assert (vote.round, vote.block_hash) == (1, NIL)


def test_L34_prevote_timeout_is_scheduled_once_two_thirds_of_any_prevotes_are_in() -> None:
    h = Harness()
    a, b = h.blocks.block(1), h.blocks.block(2)
    h.propose(0, a)
    assert of_type(h.cast(PREVOTE, 0, NIL, [0]), ScheduleTimeout) == []
    actions = h.cast(PREVOTE, 0, block_hash(b), [1])  # A, nil, B: 2/3+ of any, no value
    assert of_type(actions, ScheduleTimeout) == [ScheduleTimeout(1, 0, Step.PREVOTE, 1000)]
    assert of_type(h.cast(PREVOTE, 0, NIL, [2]), ScheduleTimeout) == []  # only once


def test_L61_prevote_timeout_precommits_nil() -> None:
    h = Harness()
    a, b = h.blocks.block(1), h.blocks.block(2)
    h.propose(0, a)
    h.cast(PREVOTE, 0, NIL, [0])
    h.cast(PREVOTE, 0, block_hash(b), [1])
    [precommit] = broadcast_votes(h.fire(Step.PREVOTE), PRECOMMIT)
    assert (precommit.round, precommit.block_hash) == (0, NIL)
    assert h.core.step is Step.PRECOMMIT


def test_L47_L65_precommit_timeout_after_two_thirds_of_any_precommits_starts_next_round() -> None:
    h = Harness()
    a = h.blocks.block(1)
    h.fire(Step.PROPOSE)
    h.fire(Step.PREVOTE)  # we precommit nil
    assert of_type(h.cast(PRECOMMIT, 0, block_hash(a), [0]), ScheduleTimeout) == []
    actions = h.cast(PRECOMMIT, 0, NIL, [1])
    assert of_type(actions, ScheduleTimeout) == [ScheduleTimeout(1, 0, Step.PRECOMMIT, 1000)]
    assert h.core.round == 0
    actions = h.fire(Step.PRECOMMIT)
    assert (h.core.round, h.core.step) == (1, Step.PROPOSE)
    assert ScheduleTimeout(1, 1, Step.PROPOSE, 3500) in actions


def test_timeouts_grow_with_the_round() -> None:
    timeouts = Timeouts(100, 10, 200, 20, 300, 30, 5000)
    assert [timeouts.of(step, 2) for step in Step] == [120, 240, 360]
    h = Harness(timeouts=timeouts)
    seen = of_type(h.started, ScheduleTimeout)
    for _ in range(3):
        seen += of_type(h.end_round(), ScheduleTimeout)
    delays = {(t.round, t.step): t.delay_ms for t in seen}
    for round_ in range(3):
        for step in Step:
            assert delays[(round_, step)] == timeouts.of(step, round_)
    assert [delays[(r, Step.PROPOSE)] for r in range(3)] == [100, 110, 120]
    assert Timeouts().of(Step.PROPOSE, 1) == 3500


def test_stale_timeouts_are_ignored() -> None:
    h = Harness()
    h.end_round()
    for stale in [(0, Step.PRECOMMIT), (0, Step.PROPOSE), (2, Step.PROPOSE)]:
        assert h.fire(stale[1], stale[0]) == []
    assert h.feed(TimeoutFired(2, 1, Step.PROPOSE)) == []  # another height
    assert (h.core.round, h.core.step) == (1, Step.PROPOSE)
    h.fire(Step.PROPOSE)  # prevote nil in round 1
    again = broadcast_votes(h.fire(Step.PROPOSE), PREVOTE)  # repeated, not signed anew
    assert again == [h.core.state.signed[(1, Step.PREVOTE)]]
    assert h.core.step is Step.PREVOTE


# --- L49: decide -----------------------------------------------------------------------


def test_L49_proposal_and_precommit_quorum_decide_and_start_the_next_height() -> None:
    h = Harness()
    a = h.blocks.block(1)
    h.propose(0, a)
    assert of_type(h.cast(PRECOMMIT, 0, block_hash(a), [2, 0]), CommitBlock) == []
    actions = h.cast(PRECOMMIT, 0, block_hash(a), [1])
    [decided] = of_type(actions, CommitBlock)
    commit = decided.commit
    assert decided.block == a
    assert (commit.chain_id, commit.height, commit.round) == (CHAIN_ID, 1, 0)
    power = verify_commit(
        SUITE, commit, h.net.validators, chain_id=CHAIN_ID, height=1, block_hash=block_hash(a)
    )
    assert power >= h.net.validators.quorum()
    signers = [sig.validator for sig in commit.signatures]
    assert signers == sorted(signers) == [h.net.address(i) for i in (0, 1, 2)]
    after = actions[actions.index(decided) + 1 :]
    assert after[0] == PersistWal({"t": "height", "h": 2}, reset=True)
    assert ScheduleTimeout(2, 0, Step.PROPOSE, 3000) in after
    assert (h.core.height, h.core.round, h.core.step) == (2, 0, Step.PROPOSE)
    assert h.wal == [{"t": "height", "h": 2}]


def test_L49_waits_for_a_valid_verdict_and_never_commits_an_invalid_block() -> None:
    h = Harness()
    a = h.blocks.block(1)
    h.propose(0, a, valid=None)
    assert of_type(h.cast(PRECOMMIT, 0, block_hash(a), [0, 1, 2]), CommitBlock) == []
    assert of_type(h.feed(BlockValidated(block_hash(a), False)), CommitBlock) == []
    assert h.core.height == 1


def test_L49_decides_a_round_other_than_the_current_one() -> None:
    h = Harness()
    a = h.blocks.block(1)
    h.cast(PREVOTE, 1, NIL, [0, 1])  # L55 takes us to round 1
    assert h.core.round == 1
    h.propose(0, a)
    [decided] = of_type(h.cast(PRECOMMIT, 0, block_hash(a), [0, 1, 2]), CommitBlock)
    assert (decided.block, decided.commit.round) == (a, 0)
    assert h.core.height == 2


# --- L55: catching up with a later round ----------------------------------------------------


def test_L55_one_third_of_the_power_in_a_later_round_moves_the_core_there() -> None:
    h = Harness()
    h.cast(PREVOTE, 2, NIL, [0])
    h.cast(PRECOMMIT, 2, NIL, [0])  # one validator twice is still 10 of 40
    assert h.core.round == 0
    actions = h.cast(PRECOMMIT, 2, NIL, [1])  # 20: 1/3+
    assert (h.core.round, h.core.step) == (2, Step.PROPOSE)
    assert ScheduleTimeout(1, 2, Step.PROPOSE, 4000) in actions


def test_L55_counts_power_not_heads() -> None:
    h = Harness((1, 1, 1, 7), me=0)  # 1/3+ of 10 is 4
    h.cast(PREVOTE, 1, NIL, [1, 2])
    assert h.core.round == 0
    h.cast(PREVOTE, 1, NIL, [3])
    assert h.core.round == 1


def test_L55_a_proposal_counts_as_a_message_of_its_round() -> None:
    h = Harness()
    b = h.blocks.block(2)
    h.propose(2, b)  # from validator 2
    assert h.core.round == 0
    h.cast(PRECOMMIT, 2, NIL, [0])
    assert h.core.round == 2


def test_L55_exactly_one_third_is_not_enough() -> None:
    h = Harness((3, 3, 3), me=0)  # 1/3+ of 9 is 4
    h.cast(PRECOMMIT, 5, NIL, [1])  # 3: exactly a third
    assert h.core.round == 0
    h.cast(PRECOMMIT, 5, NIL, [2])
    assert h.core.round == 5
