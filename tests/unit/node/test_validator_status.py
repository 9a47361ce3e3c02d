"""The validator sets of ``/v1/status`` and how ``net status`` reads them (issue 15, F-A2)."""

from __future__ import annotations

from typing import Any

import pytest

from govchain.node.validator_status import ShownValidator, set_changes, shown_sets, votes_from
from govchain.types import Validator, ValidatorSet

A, B, C = (bytes([n]) * 20 for n in (1, 2, 3))


def _set(*members: tuple[bytes, int]) -> ValidatorSet:
    return ValidatorSet(tuple(Validator(a, a + b"k", power, a.hex()[:2]) for a, power in members))


HISTORY = [
    (1, _set((A, 10), (B, 10))),
    (5, _set((A, 10), (B, 10), (C, 10))),  # C joins at 5
    (8, _set((A, 20), (B, 10), (C, 10))),  # A's power changes: it still votes since 1
    (11, _set((A, 20), (B, 10))),  # C leaves
    (14, _set((A, 20), (B, 10), (C, 5))),  # and comes back
]


@pytest.mark.parametrize(
    ("height", "address", "expected"),
    [
        (1, A, 1),
        (4, B, 1),
        (5, C, 5),
        (10, C, 5),
        (9, A, 1),
        (20, A, 1),
        (14, C, 14),  # a validator that left and came back votes from its return
        (30, C, 14),
    ],
)
def test_votes_from_is_the_start_of_the_unbroken_run(
    height: int, address: bytes, expected: int
) -> None:
    assert votes_from(HISTORY, height, address) == expected


def _answer(**changes: Any) -> dict[str, Any]:
    one = {"address": A.hex(), "public_key": "ab", "power": 10, "name": "node0", "votes_from": 1}
    answer: dict[str, Any] = {"height": 3, "validators": [one], "next_validators": [one]}
    answer.update(changes)
    return answer


def test_shown_sets_reads_both_sets_of_a_status_answer() -> None:
    shown = ShownValidator(A.hex(), "node0", 10, 1)
    assert shown_sets(_answer()) == ((shown,), (shown,))


@pytest.mark.parametrize(
    "answer",
    [
        {"height": 3, "validators": []},  # a node of an earlier version: no next set
        _answer(next_validators="none"),
        _answer(validators=[{"address": A.hex(), "name": "x", "power": 10}]),
        _answer(validators=[{"address": A.hex(), "name": "x", "power": True, "votes_from": 1}]),
        _answer(validators=[{"address": 7, "name": "x", "power": 1, "votes_from": 1}]),
        _answer(validators=[["not", "an", "object"]]),
    ],
)
def test_shown_sets_is_none_for_an_answer_without_two_good_sets(answer: dict[str, Any]) -> None:
    assert shown_sets(answer) is None


def test_set_changes_names_who_joins_leaves_and_changes_power() -> None:
    current = (ShownValidator("aa", "node0", 10, 1), ShownValidator("bb", "node1", 10, 1))
    upcoming = (ShownValidator("aa", "node0", 15, 1), ShownValidator("cc", "", 5, 9))
    assert set_changes(current, upcoming) == [
        "node0 power 10 -> 15",
        "node1 leaves",
        "cc joins with power 5",
    ]
    assert set_changes(current, current) == []
