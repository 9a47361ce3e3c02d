"""Proposer selection: smooth weighted round-robin, periodic and stateless (spec: consensus.md)."""

from __future__ import annotations

from functools import reduce
from math import gcd

from govchain.types import ValidatorSet


class ProposerSchedule:
    """Who proposes at ``(height, round)``: element ``(height - 1 + round) mod W`` of one cycle.

    Powers are divided by their gcd, giving the cycle length ``W``. In one
    cycle every validator is picked as often as its (reduced) power, spread
    out as evenly as the weights allow. A cycle is computed once.
    """

    def __init__(self, validators: ValidatorSet) -> None:
        members = validators.validators
        divisor = reduce(gcd, (v.power for v in members))
        powers = [v.power // divisor for v in members]
        total = sum(powers)
        priorities = [0] * len(members)
        cycle: list[bytes] = []
        for _ in range(total):
            for i, power in enumerate(powers):
                priorities[i] += power
            # highest priority; ties go to the lowest address (members are sorted)
            best = max(range(len(members)), key=lambda i: (priorities[i], -i))
            priorities[best] -= total
            cycle.append(members[best].address)
        self.cycle = tuple(cycle)

    def proposer(self, height: int, round_: int) -> bytes:
        """The address of the proposer of ``(height, round)``."""
        return self.cycle[(height - 1 + round_) % len(self.cycle)]
