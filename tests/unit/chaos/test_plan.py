"""The chaos fault plan: seeded, within the fault budget, kill, stop and partition first (N-5)."""

from __future__ import annotations

import pytest

from govchain.chaos import plan
from govchain.chaos.plan import Fault, fault_tolerance, plan_faults
from govchain.node.netinit import VALIDATOR_POWER


def test_same_seed_same_plan_other_seed_other_plan() -> None:
    assert plan_faults(7, 4, 40) == plan_faults(7, 4, 40)
    assert plan_faults(7, 4, 40) != plan_faults(8, 4, 40)


@pytest.mark.parametrize("seed", range(30))
def test_first_three_faults_are_a_kill_a_stop_and_a_partition(seed: int) -> None:
    first = {f.kind for f in plan_faults(seed, 4, 3)}
    assert plan.STOP in first
    assert plan.PARTITION_MINORITY in first
    assert first & {plan.KILL, plan.KILL_TRUNCATE_WAL}


@pytest.mark.parametrize(("validators", "seed"), [(4, 1), (7, 2), (10, 3), (13, 4)])
def test_no_fault_takes_down_more_than_f(validators: int, seed: int) -> None:
    f = fault_tolerance(validators)
    for fault in plan_faults(seed, validators, 300):
        if fault.kind in {plan.KILL, plan.KILL_TRUNCATE_WAL, plan.STOP, plan.PARTITION_MINORITY}:
            assert 1 <= len(fault.targets) <= f
        if fault.kind == plan.PARTITION_SPLIT:
            assert len(fault.targets) == 2 * f + 1  # the quorum side keeps going
        assert not fault.marked
        assert plan.HOLD_MS_MIN <= fault.hold_ms <= plan.HOLD_MS_MAX


def test_every_kind_but_halt_is_drawn_in_a_long_plan() -> None:
    kinds = {f.kind for f in plan_faults(5, 4, 300)}
    assert kinds == set(plan.FAULT_KINDS) - {plan.HALT}


def test_halt_is_one_marked_phase_of_f_plus_one() -> None:
    faults = plan_faults(3, 7, 20, halt=True)
    halts = [f for f in faults if f.marked]
    assert len(halts) == 1
    assert len(halts[0].targets) == fault_tolerance(7) + 1
    assert faults.index(halts[0]) == 3  # right after the kill, stop and partition


def test_wal_cuts_and_network_amounts_are_in_range() -> None:
    for fault in plan_faults(11, 4, 300):
        if fault.kind == plan.KILL_TRUNCATE_WAL:
            assert 1 <= fault.amount <= plan.WAL_CUT_MAX
        if fault.kind == plan.DELAY:
            assert plan.DELAY_MS_MIN <= fault.amount <= plan.DELAY_MS_MAX
        if fault.kind == plan.LOSS:
            assert plan.LOSS_PER_MILLE_MIN <= fault.amount <= plan.LOSS_PER_MILLE_MAX


def test_fewer_than_four_validators_or_three_faults_is_refused() -> None:
    with pytest.raises(ValueError, match="at least 4 validators"):
        plan_faults(0, 3, 10)
    with pytest.raises(ValueError, match="at least 3 faults"):
        plan_faults(0, 4, 2)


def test_validate_refuses_a_fault_over_the_budget() -> None:
    with pytest.raises(ValueError, match="at most 1"):
        Fault(plan.KILL, (0, 1), 1000).validate(4)
    with pytest.raises(ValueError, match="at most 2"):
        Fault(plan.HALT, (0, 1, 2), 1000).validate(4)
    with pytest.raises(ValueError, match="bad targets"):
        Fault(plan.STOP, (4,), 1000).validate(4)
    with pytest.raises(ValueError, match="unknown"):
        Fault("melt", (0,), 1000).validate(4)
    Fault(plan.HALT, (0, 1), 1000).validate(4)


@pytest.mark.parametrize(("validators", "halt"), [(4, False), (4, True), (7, False)])
def test_every_plan_changes_the_validator_set_once_after_the_first_faults(
    validators: int, halt: bool
) -> None:
    for seed in range(20):
        faults = plan_faults(seed, validators, 40, halt=halt)
        changes = [f for f in faults if f.kind == plan.SET_POWER]
        assert len(changes) == 1
        assert faults.index(changes[0]) == 3 + int(halt)
        [change] = changes
        assert 0 <= change.targets[0] < validators
        step = abs(change.amount - VALIDATOR_POWER)
        assert 1 <= step <= plan.POWER_STEP_MAX
        assert 3 * step <= validators * VALIDATOR_POWER  # within a third of the power
    with pytest.raises(ValueError, match="one target"):
        Fault(plan.SET_POWER, (0, 1), 1000, 11).validate(4)


def test_describe_names_the_nodes() -> None:
    names = ["node0", "node1", "node2", "node3"]
    assert Fault(plan.KILL, (2,), 4200).describe(names) == "kill node2 for 4.2 s"
    assert "+50 ms" in Fault(plan.DELAY, (), 3000, 50).describe(names)
    assert "cut 9 bytes" in Fault(plan.KILL_TRUNCATE_WAL, (1,), 3000, 9).describe(names)
    assert Fault(plan.SET_POWER, (3,), 3000, 12).describe(names) == "set_power node3 to 12, by vote"
