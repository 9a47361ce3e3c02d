"""The validator sets ``/v1/status`` shows, and ``net status`` reads back (issue 15 item 7, F-A2).

A node at height ``H`` knows who votes on the next two blocks
(docs/spec/ledger.md, "Validator sets by height"): ``validators`` is the
set of ``H + 1`` (the next block's) and ``next_validators`` the set of
``H + 2``, which differs from it when block ``H`` executed a change. Each
validator carries ``votes_from``: the first height of the unbroken run of
heights, up to the set's own, in which it is in the set (1 for a genesis
validator never removed; ``H + 2`` for one that block ``H`` added).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, TypeGuard

from govchain.ledger.chainstore import ChainView
from govchain.types import ValidatorSet

__all__ = [
    "ShownValidator",
    "ValidatorSets",
    "set_changes",
    "shown_sets",
    "status_validator_sets",
    "votes_from",
]

SetHistory = Sequence[tuple[int, ValidatorSet]]
"""Each set with the height it votes from, oldest first, starting with genesis at 1."""


def status_validator_sets(view: ChainView) -> dict[str, list[dict[str, object]]]:
    """``{"validators": [...], "next_validators": [...]}`` for ``/v1/status``, from ``view``."""
    history = [(1, view.genesis.validators), *view.set_changes()]
    return {
        key: [
            {
                "address": v.address.hex(),
                "public_key": v.public_key.hex(),
                "power": v.power,
                "name": v.name,
                "votes_from": votes_from(history, height, v.address),
            }
            for v in view.validators(height).validators
        ]
        for key, height in (
            ("validators", view.height + 1),
            ("next_validators", view.height + 2),
        )
    }


def votes_from(history: SetHistory, height: int, address: bytes) -> int:
    """The first height of the unbroken run, up to ``height``, in which ``address`` votes.

    ``history`` must hold the set of ``height`` (its last entry starting at or
    before it); the validator must be in that set.
    """
    since = height
    for start, validators in reversed(history):
        if start > height:
            continue
        if validators.get(address) is None:
            break
        since = start
    return since


@dataclass(frozen=True)
class ShownValidator:
    """One validator as a node's ``/v1/status`` shows it."""

    address: str
    name: str
    power: int
    votes_from: int

    def to_json(self) -> dict[str, object]:
        """The JSON form ``net status --json`` prints."""
        return {
            "address": self.address,
            "name": self.name,
            "power": self.power,
            "votes_from": self.votes_from,
        }


ValidatorSets = tuple[tuple[ShownValidator, ...], tuple[ShownValidator, ...]]
"""The set of a node's height + 1 and the set of its height + 2."""


def shown_sets(answer: Mapping[str, Any]) -> ValidatorSets | None:
    """The current and next sets of a ``/v1/status`` answer; None when it has no valid pair.

    A node of an earlier version answers without ``next_validators``.
    """
    current = _shown(answer.get("validators"))
    upcoming = _shown(answer.get("next_validators"))
    return None if current is None or upcoming is None else (current, upcoming)


def _shown(items: object) -> tuple[ShownValidator, ...] | None:
    if not isinstance(items, list):
        return None
    shown = []
    for item in items:
        if not isinstance(item, dict):
            return None
        address, name = item.get("address"), item.get("name")
        power, since = item.get("power"), item.get("votes_from")
        if not isinstance(address, str) or not isinstance(name, str):
            return None
        if _whole(power) and _whole(since):
            shown.append(ShownValidator(address, name, power, since))
        else:
            return None
    return tuple(shown)


def _whole(value: object) -> TypeGuard[int]:
    return isinstance(value, int) and not isinstance(value, bool) and value >= 0


def set_changes(current: Sequence[ShownValidator], upcoming: Sequence[ShownValidator]) -> list[str]:
    """What differs from ``current`` to ``upcoming``, one phrase per validator, by address."""
    before = {v.address: v for v in current}
    after = {v.address: v for v in upcoming}
    changes = []
    for address in sorted(before.keys() | after.keys()):
        old, new = before.get(address), after.get(address)
        if old is None and new is not None:
            changes.append(f"{new.name or address} joins with power {new.power}")
        elif new is None and old is not None:
            changes.append(f"{old.name or address} leaves")
        elif old is not None and new is not None and old.power != new.power:
            changes.append(f"{new.name or address} power {old.power} -> {new.power}")
    return changes
