"""The simulator with validator-set changes (issue 15 item 5; F-A2; spec: consensus.md,
"Validator-set changes" and "The simulator").

Spare validators are added, members removed (a removed Byzantine validator
keeps signing) and power changed during partitions, crashes and Byzantine
behaviour; every commit must verify against the set of its height, and the
mutant that counts votes against the set of the height before is caught.
"""

from __future__ import annotations

import random

import pytest

from govchain.crypto import suite_for
from govchain.execution import ContractError, Registry, TxContext
from govchain.ledger import records
from govchain.ledger.validator_sets import VALIDATOR_SET_KEY, decode_set
from govchain.ledger.verify import verify_chain
from govchain.sim.byzantine import DOUBLE_VOTE
from govchain.sim.cluster import Cluster, Roles
from govchain.sim.faults import BASELINE
from govchain.sim.invariants import COMMIT_QUORUM, NOT_A_MEMBER
from govchain.sim.node import seeded_key
from govchain.sim.runner import SAFETY_KINDS, SimConfig, run_seed, run_seeds
from govchain.sim.set_changes import keeps_signing
from govchain.sim.set_schedule import (
    ADD,
    OPS,
    POWER,
    REMOVE,
    SET_CHANGE_TX,
    SET_CHANGES_MADE_KEY,
    Candidate,
    SetChange,
    SetChangeOptions,
    allowed,
    faulty_power,
    initial_state,
    make_schedule,
    register_set_changes,
)
from govchain.types import Tx, Validator, ValidatorSet
from tests.sim.seed_ranges import JOBS, chunked

SUITE = suite_for("intl")


def _validators(count: int, power: int = 10) -> tuple[list[Candidate], ValidatorSet]:
    rng = random.Random("set-changes-test")
    candidates = []
    for i in range(count):
        public_key = seeded_key(rng).public_key
        address = records.address_of(SUITE, public_key)
        candidates.append(Candidate(f"c{i}", address, public_key, byzantine=False))
    members = sorted(
        (Validator(c.address, c.public_key, power) for c in candidates[:4]),
        key=lambda v: v.address,
    )
    return candidates, ValidatorSet(tuple(members))


# --- the schedule (pure) --------------------------------------------------------------


def test_every_scheduled_change_keeps_the_chains_limits_and_the_faulty_bound() -> None:
    """F-A2: at most a third of the power per change, never empty, 3 * faulty < total."""
    candidates, genesis_set = _validators(6)
    byzantine = {genesis_set.validators[1].address}
    candidates = [
        Candidate(c.name, c.address, c.public_key, c.address in byzantine) for c in candidates
    ]
    seen = set()
    for seed in range(300):
        schedule = make_schedule(random.Random(seed), genesis_set, candidates, 15_000)
        assert 1 <= len(schedule) <= 4
        current = genesis_set
        for index, change in enumerate(schedule):
            change.validate()
            assert change.index == index
            assert 0 <= change.due_ms <= 15_000
            new = change.apply(current)
            assert allowed(current, new, frozenset(byzantine))
            assert 3 * faulty_power(new, frozenset(byzantine)) < new.total_power
            removed_byzantine = change.op == REMOVE and change.address in byzantine
            seen.add("remove-byzantine" if removed_byzantine else change.op)
            current = new
        assert [c.due_ms for c in schedule] == sorted(c.due_ms for c in schedule)
    assert seen == {*OPS, "remove-byzantine"}


def test_allowed_refuses_too_much_power_an_empty_set_and_a_strong_adversary() -> None:
    candidates, genesis_set = _validators(6)
    spare = candidates[4]
    first = genesis_set.validators[0]
    add_small = SetChange(0, 0, ADD, spare.name, spare.address, spare.public_key, 13)
    add_big = SetChange(0, 0, ADD, spare.name, spare.address, spare.public_key, 14)
    assert allowed(genesis_set, add_small.apply(genesis_set), frozenset())
    assert not allowed(genesis_set, add_big.apply(genesis_set), frozenset())  # 14 > 40 / 3
    remove = SetChange(0, 0, REMOVE, "v0", first.address, first.public_key, 0)
    assert allowed(genesis_set, remove.apply(genesis_set), frozenset())
    # with v1 Byzantine, removing honest v0 leaves it 10 of 30: not below a third
    faulty = frozenset({genesis_set.validators[1].address})
    assert not allowed(genesis_set, remove.apply(genesis_set), faulty)
    alone = ValidatorSet((first,))
    assert not allowed(alone, remove.apply(alone), frozenset())  # never empty
    with pytest.raises(ValueError, match="power"):
        SetChange(0, 0, POWER, "v0", first.address, first.public_key, 0).validate()


def test_the_set_change_tx_calls_the_registry_once_in_order_within_its_limits() -> None:
    candidates, genesis_set = _validators(6)
    state = initial_state(genesis_set)
    registry = Registry()
    register_set_changes(registry, SUITE)
    handler = registry.handler(SET_CHANGE_TX)
    assert handler is not None
    spare = candidates[4]

    def run(height: int, index: int, op: str, power: int) -> TxContext:
        args = {"index": index, "op": op, "public_key": spare.public_key, "power": power}
        tx = Tx("sim-chain", SET_CHANGE_TX, args, "key", spare.public_key, b"n" * 8, 100)
        ctx = TxContext(height, 0, b"\x00" * 32, state.get, {})
        handler(ctx, tx)
        return ctx

    with pytest.raises(ContractError, match="at most a third"):
        run(1, 0, ADD, 14)
    ctx = run(1, 0, ADD, 13)
    written = ctx.writes[VALIDATOR_SET_KEY]
    assert written is not None
    new_set = decode_set(written)
    assert new_set.get(spare.address) is not None
    assert new_set.total_power == 53
    assert ctx.writes[SET_CHANGES_MADE_KEY] == (1).to_bytes(4, "big")
    state.update({k: v for k, v in ctx.writes.items() if v is not None})
    with pytest.raises(ContractError, match="not the next one"):
        run(2, 0, ADD, 13)  # a change is made once
    ctx = run(2, 1, REMOVE, 0)
    written = ctx.writes[VALIDATOR_SET_KEY]
    assert written is not None
    assert decode_set(written) == genesis_set


def test_a_removed_validator_that_keeps_signing_believes_it_is_still_a_member() -> None:
    _candidates, genesis_set = _validators(4)
    removed = genesis_set.validators[2]
    after = ValidatorSet(tuple(v for v in genesis_set.validators if v != removed))

    def sets(height: int) -> ValidatorSet:
        return genesis_set if height < 5 else after

    believed = keeps_signing(sets, removed)
    assert believed(3) == genesis_set
    assert believed(7) == genesis_set  # itself put back, in address order
    assert sets(7).get(removed.address) is None


# --- runs --------------------------------------------------------------------------------


def test_a_run_with_set_changes_adds_removes_and_every_honest_chain_verifies() -> None:
    """A spare is added and votes; the Byzantine validator is removed, keeps signing and is
    refused; every honest chain, followers included, holds the same sets and verifies."""
    for seed in range(40):
        cluster = Cluster(
            seed,
            4,
            roles=Roles({1: (DOUBLE_VOTE,)}),
            links=BASELINE,
            build_delay_ms=(50, 300),
            set_changes=SetChangeOptions(spares=2, due_within_ms=4000),
        )
        changes = cluster.set_changes
        assert changes is not None
        ops = {(c.op, c.name) for c in changes.schedule}
        if (REMOVE, "v1") in ops and any(op == ADD and n[0] == "s" for op, n in ops):
            break
    else:
        pytest.fail("no seed of 40 both adds a spare and removes the Byzantine validator")
    cluster.start()
    # the removed Byzantine validator may stall behind its own belief: wait for the honest
    for _ in range(400_000):
        if all(n.chain.height >= 30 for n in cluster.honest_nodes) or not cluster.step():
            break
    assert [n.name for n in cluster.honest_nodes if n.chain.height < 30] == []
    assert cluster.checker.violations == []
    assert changes.counts["set_changes_made"] == len(changes.schedule)
    assert changes.counts["added_validator_votes"] > 0
    assert changes.counts["signed_after_removal"] > 0
    assert cluster.counts["refused"] > 0
    made = set()
    for node in cluster.honest_nodes:
        with node.chain.view() as view:
            made.add(tuple(view.set_changes()))
    assert len(made) == 1
    assert len(made.pop()) == len(changes.schedule)
    initial = initial_state(cluster.genesis.validators)
    for node in cluster.honest_nodes:
        assert verify_chain(node.chain, initial_state=initial).ok, node.name


@pytest.mark.parametrize(("validators", "seeds"), chunked(4, range(0, 300), 50))
def test_300_seeds_with_set_changes_keep_every_claim_and_recover_liveness(
    validators: int, seeds: range
) -> None:
    """Issue 15 acceptance: `govchain sim` with set changes, no violation, liveness back
    (300 seeds in chunks, each checking every claim: tests/sim/seed_ranges.py)."""
    summary = run_seeds(seeds, SimConfig(validators=validators, set_changes=True), jobs=JOBS)
    failures = [(r.seed, r.failure_kind(), r.liveness_failure) for r in summary.failures]
    assert failures == []
    assert summary.seeds_run == len(seeds)
    faults = summary.faults
    for fact in (
        "set_changes_made",
        "set_boundaries",
        "added_validator_votes",
        "signed_after_removal",
        "sync_requests",
    ):
        assert faults[fact] > 0, fact
    for fault in ("crashes", "restarts", "partitions", "storms", "isolates"):
        assert faults[fault] > 0, fault
    assert summary.heights_committed > 5 * len(seeds)


@pytest.mark.parametrize(
    ("mutant", "seeds"),
    [("wrong-height-set", 30), ("quorum-half", 30), ("skip-sig-check", 60), ("ignore-lock", 30)],
)
def test_each_mutant_is_caught_with_set_changes(mutant: str, seeds: int) -> None:
    config = SimConfig(validators=4, mutant=mutant, set_changes=True, liveness_window_ms=20_000)
    summary = run_seeds(range(seeds), config, jobs=JOBS, until_caught=True)
    assert summary.mutant_caught, summary.to_json()
    caught = summary.first_catch
    assert caught is not None
    assert caught.violations[0].kind in SAFETY_KINDS
    if mutant == "wrong-height-set":  # only the checks against each height's set see it
        assert caught.violations[0].kind in (COMMIT_QUORUM, NOT_A_MEMBER)


def test_the_wrong_height_set_mutant_is_harmless_while_the_set_never_changes() -> None:
    """So the catch above is the set changes' doing: without them the mutant is invisible."""
    result = run_seed(4, SimConfig(validators=4, mutant="wrong-height-set"))
    assert not result.failed, (result.violations, result.liveness_failure)


def test_the_same_seed_with_set_changes_replays_the_same_run() -> None:
    config = SimConfig(validators=4, set_changes=True)
    first = run_seed(1, config)
    again = run_seed(1, config)
    assert (first.heights, first.steps, first.counts) == (again.heights, again.steps, again.counts)
    assert first.set_change_lines == again.set_change_lines
    assert first.set_change_lines


@pytest.mark.slow
@pytest.mark.timeout(4 * 3600)  # thousands of seeds on two cores take far longer than 300 s
@pytest.mark.parametrize(
    ("validators", "seeds"),
    [(4, range(40_000, 42_000)), (7, range(50_000, 50_300))],
    ids=["n4", "n7"],
)
def test_soak_thousands_of_seeds_with_set_changes(validators: int, seeds: range) -> None:
    """`make test-long`: the same claims with set changes over many more seeds and sizes."""
    summary = run_seeds(seeds, SimConfig(validators=validators, set_changes=True), jobs=JOBS)
    failures = [(r.seed, r.failure_kind(), r.liveness_failure) for r in summary.failures]
    assert failures == []
