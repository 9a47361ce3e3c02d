"""How a tally meets a rule and the two rates (docs/spec/gov.md), and the policy grammar."""

from __future__ import annotations

import pytest

from govchain.contracts.gov.policy import Tally, can_still_pass, check_param, passes
from govchain.types.errors import ValidationError
from govchain.types.governance import PolicyEntry


def tally(yes: int, no: int, total: int = 4, members: int = 4) -> Tally:
    # every member weighs 1 here, so weights and member counts agree
    return Tally(yes, no, yes, yes + no, total, members)


@pytest.mark.parametrize(
    ("rule", "yes", "no", "expected"),
    [
        ("MAJORITY", 2, 0, False),  # half is not more than half
        ("MAJORITY", 3, 0, True),
        ("MAJORITY", 3, 1, True),
        ("ALL", 3, 0, False),
        ("ALL", 4, 0, True),
        ("ANY", 3, 0, True),  # ANY still needs the participation rate
        ("ANY", 1, 0, False),
        ("2", 3, 0, True),
        ("3/4", 2, 1, False),
        ("3/4", 3, 1, True),
    ],
)
def test_rules_with_the_default_rates(rule: str, yes: int, no: int, expected: bool) -> None:
    assert passes(rule, "2/3", "1/2", tally(yes, no)) is expected


def test_the_win_rate_counts_the_votes_cast() -> None:
    assert passes("ANY", "1/2", "2/3", tally(2, 1)) is True
    assert passes("ANY", "1/2", "3/4", tally(2, 1)) is False


def test_a_proposal_that_cannot_reach_its_rule_is_seen_early() -> None:
    assert can_still_pass("MAJORITY", "2/3", "1/2", tally(0, 1)) is True
    assert can_still_pass("MAJORITY", "2/3", "1/2", tally(0, 2)) is False
    assert can_still_pass("ALL", "2/3", "1/2", tally(3, 1)) is False


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        ("win_rate", "3/2", "need 0 <= a <= b"),
        ("win_rate", 1, "expected a fraction"),
        ("proposal_period_max", 0, "expected an integer in 1..10000000"),
        ("block_size", 5, "unknown parameter"),
    ],
)
def test_parameters_out_of_range_are_refused(name: str, value: object, message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        check_param(name, value)


@pytest.mark.parametrize(
    ("entry", "message"),
    [
        (PolicyEntry("notary.anchor", "MAJORITY"), "a tx has one signer"),
        (PolicyEntry("gov:member.admit", "SELF"), "SELF is not a rule"),
        (PolicyEntry("gov:member.admit", "MAJORITY", ("client",)), "takes"),
        (PolicyEntry("notary.anchor", "ANY", ("b", "a")), "sorted and distinct"),
        (PolicyEntry("Notary", "ANY"), "is not of the form"),
        (PolicyEntry("gov:member.admit", "0/3"), "is not a rule"),
    ],
)
def test_the_policy_grammar_refuses_what_it_cannot_mean(entry: PolicyEntry, message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        entry.validate()
