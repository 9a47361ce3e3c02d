"""Vote sets: the votes of one (height, round, type), counted by voting power.

Counting follows the paper's rules (Algorithm 1): "2f + 1 PREVOTE for
id(v)" counts the validators that voted for ``v``, and "2f + 1 PREVOTE"
(of any value) counts each validator once. A validator that equivocates
therefore adds its power to each value it voted for, which safety allows
(two quorums still share an honest validator), and which liveness needs:
an honest validator may be locked on a polka that holds a faulty
validator's vote, and the others must be able to count that vote when it
is relayed to them, even if the same validator sent them another first.

Memory stays bounded: the first vote of each validator always counts; a
later, conflicting one counts only for a value the caller declares
``countable`` (nil, or a block proposed at this height), so a faulty
validator cannot make the set grow by voting for invented hashes.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from govchain.types import Vote


@dataclass
class VoteSet:
    """Votes per value (``b""`` is nil), with power summed per value and over voters."""

    first: dict[bytes, Vote] = field(default_factory=dict)
    """Each validator's first counted vote."""
    by_value: dict[bytes, dict[bytes, Vote]] = field(default_factory=dict)
    power_for: dict[bytes, int] = field(default_factory=dict)
    power: int = 0
    """Power of the distinct validators that voted (any value)."""

    def add(self, vote: Vote, power: int, countable: bool = True) -> Vote | None:
        """Count ``vote``; return the validator's first vote when this one conflicts with it.

        A conflicting vote (equivocation) is counted for its own value only if
        ``countable``; either way the first vote is returned as evidence.
        """
        earlier = self.first.get(vote.validator)
        if earlier is None:
            self.first[vote.validator] = vote
            self.power += power
            self._count(vote, power)
            return None
        if earlier.block_hash == vote.block_hash:
            return None
        if countable:
            self._count(vote, power)
        return earlier

    def _count(self, vote: Vote, power: int) -> None:
        voters = self.by_value.setdefault(vote.block_hash, {})
        if vote.validator not in voters:
            voters[vote.validator] = vote
            self.power_for[vote.block_hash] = self.power_for.get(vote.block_hash, 0) + power

    def has_quorum_for(self, block_hash: bytes, quorum: int) -> bool:
        """Whether votes for ``block_hash`` hold at least ``quorum`` power."""
        return self.power_for.get(block_hash, 0) >= quorum

    def quorum_value(self, quorum: int) -> bytes | None:
        """The block hash (or ``b""`` for nil) with ``quorum`` power, if any."""
        for block_hash in sorted(self.power_for):
            if self.power_for[block_hash] >= quorum:
                return block_hash
        return None

    def votes_for(self, block_hash: bytes) -> list[Vote]:
        """The votes for ``block_hash``, one per validator, sorted by validator address."""
        voters = self.by_value.get(block_hash, {})
        return [voters[address] for address in sorted(voters)]

    def counted_votes(self) -> list[Vote]:
        """Every counted vote (an equivocator's counted conflicting votes too), in a fixed
        order: by value, then by validator address."""
        return [
            self.by_value[value][address]
            for value in sorted(self.by_value)
            for address in sorted(self.by_value[value])
        ]
