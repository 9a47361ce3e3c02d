"""Vote sets: the votes of one (height, round, type), counted by voting power."""

from __future__ import annotations

from dataclasses import dataclass, field

from govchain.types import Vote


@dataclass
class VoteSet:
    """At most one counted vote per validator; power summed per block hash (``b""`` is nil)."""

    votes: dict[bytes, Vote] = field(default_factory=dict)
    power_for: dict[bytes, int] = field(default_factory=dict)
    power: int = 0

    def add(self, vote: Vote, power: int) -> Vote | None:
        """Count ``vote`` unless its validator already voted here.

        Returns the earlier vote when the new one conflicts with it (a
        different block hash: equivocation); the conflicting vote is not counted.
        """
        earlier = self.votes.get(vote.validator)
        if earlier is not None:
            return earlier if earlier.block_hash != vote.block_hash else None
        self.votes[vote.validator] = vote
        self.power_for[vote.block_hash] = self.power_for.get(vote.block_hash, 0) + power
        self.power += power
        return None

    def has_quorum_for(self, block_hash: bytes, quorum: int) -> bool:
        """Whether votes for ``block_hash`` hold at least ``quorum`` power."""
        return self.power_for.get(block_hash, 0) >= quorum

    def quorum_value(self, quorum: int) -> bytes | None:
        """The block hash (or ``b""`` for nil) with ``quorum`` power, if any."""
        for block_hash in sorted(self.power_for):
            if self.power_for[block_hash] >= quorum:
                return block_hash
        return None
