"""The fault plan of a chaos run: which fault, on whom, for how long, all from one seed.

A plan is pure data drawn from ``random.Random(seed)``, so a seed names a run:
the same seed gives the same faults in the same order on the same validators.
Time on the machine still differs between runs (process start-up, scheduling),
so a seed replays the *plan*, not every interleaving.

The first faults of every plan are one kill, one stop and one partition in a
seeded order, so even a short run applies each at least once. After those the
kinds are drawn at random. Every fault takes down at most ``f`` validators,
except the marked ``halt`` fault, which takes down ``f + 1`` on purpose and
expects the chain to stop and then resume.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

from govchain.node.netinit import VALIDATOR_POWER

__all__ = [
    "DOWN_KINDS",
    "FAULT_KINDS",
    "Fault",
    "fault_tolerance",
    "plan_faults",
]

KILL = "kill"
"""SIGKILL validators, then restart them."""
KILL_TRUNCATE_WAL = "kill_truncate_wal"
"""SIGKILL, cut bytes off the end of the WAL (a torn last write), then restart."""
STOP = "stop"
"""SIGSTOP (a hung process), then SIGCONT."""
PARTITION_MINORITY = "partition_minority"
"""Cut every link between up to ``f`` validators and the rest."""
PARTITION_SPLIT = "partition_split"
"""Split the validators into a quorum side and the rest, members drawn at random."""
PARTITION_PAIR = "partition_pair"
"""Cut the link between two validators only; everyone still reaches a quorum."""
DELAY = "delay"
"""Add latency to every link."""
LOSS = "loss"
"""Stall a share of the chunks on every link, as a lost TCP segment does."""
HALT = "halt"
"""Marked phase: SIGKILL ``f + 1`` validators; the chain must halt, then resume."""
SET_POWER = "set_power"
"""The members vote a new power for one validator: the validator set changes (issue 15)."""

FAULT_KINDS = (
    KILL,
    KILL_TRUNCATE_WAL,
    STOP,
    PARTITION_MINORITY,
    PARTITION_SPLIT,
    PARTITION_PAIR,
    DELAY,
    LOSS,
    HALT,
    SET_POWER,
)
DOWN_KINDS = frozenset({KILL, KILL_TRUNCATE_WAL, HALT})
"""Kinds whose targets are killed and restarted."""
_RANDOM_KINDS = (
    KILL,
    KILL_TRUNCATE_WAL,
    STOP,
    PARTITION_MINORITY,
    PARTITION_SPLIT,
    PARTITION_PAIR,
    DELAY,
    LOSS,
)

HOLD_MS_MIN = 3_000
HOLD_MS_MAX = 6_000
DELAY_MS_MIN = 20
DELAY_MS_MAX = 200
LOSS_PER_MILLE_MIN = 20
LOSS_PER_MILLE_MAX = 150
POWER_STEP_MAX = 3
"""A set change moves one validator's power from ``VALIDATOR_POWER`` by 1 to this: well
within the third of the power that may change per height."""
WAL_CUT_MAX = 64
"""At most this many bytes are cut off a WAL; never past the start of its last record."""


@dataclass(frozen=True, slots=True)
class Fault:
    """One fault window.

    ``targets`` are validator indexes. For partitions, ``targets`` is one side
    and the other validators the other side; ``partition_pair`` cuts just the
    link between its two targets. ``amount`` is the delay in ms, the loss in
    per mille, the bytes to cut off the WAL, or the new power; 0 for the other kinds.
    """

    kind: str
    targets: tuple[int, ...]
    hold_ms: int
    amount: int = 0

    def validate(self, validators: int) -> None:
        """Raise ValueError if this fault breaks the plan's rules for ``validators``."""
        if self.kind not in FAULT_KINDS:
            raise ValueError(f"unknown fault kind {self.kind!r}")
        if any(not 0 <= t < validators for t in self.targets) or len(set(self.targets)) != len(
            self.targets
        ):
            raise ValueError(f"{self.kind}: bad targets {self.targets}")
        f = fault_tolerance(validators)
        if self.kind in DOWN_KINDS | {STOP, PARTITION_MINORITY}:
            limit = f + 1 if self.kind == HALT else f
            if len(self.targets) > limit:
                raise ValueError(f"{self.kind}: {len(self.targets)} targets, at most {limit}")
        if self.kind == SET_POWER and (len(self.targets) != 1 or self.amount < 1):
            raise ValueError(f"{self.kind}: one target and a power of at least 1")
        if self.hold_ms <= 0 or self.amount < 0:
            raise ValueError(f"{self.kind}: hold and amount must be positive")

    @property
    def marked(self) -> bool:
        """True for the phase that takes down more than ``f`` on purpose."""
        return self.kind == HALT

    def describe(self, names: list[str]) -> str:
        """One line for people, e.g. ``kill node2 for 4.2 s``."""
        who = ", ".join(names[t] for t in self.targets) or "all links"
        if self.kind == SET_POWER:
            return f"{self.kind} {who} to {self.amount}, by vote"
        extra = {DELAY: f", +{self.amount} ms", LOSS: f", {self.amount}‰ stalled"}.get(
            self.kind, f", cut {self.amount} bytes" if self.kind == KILL_TRUNCATE_WAL else ""
        )
        return f"{self.kind} {who} for {self.hold_ms / 1000:.1f} s{extra}"


def fault_tolerance(validators: int) -> int:
    """``f``: how many of ``validators`` equal-power validators may fail."""
    return (validators - 1) // 3


def plan_faults(seed: int, validators: int, count: int, *, halt: bool = False) -> list[Fault]:
    """``count`` faults for ``validators`` validators, from ``seed``.

    The first three are a kill, a stop and a partition (seeded order). With
    ``halt``, the marked halt phase comes right after them, so every run
    that asks for it applies it. Then comes one validator-set change
    (``set_power``), so every run changes the set once under load.
    Needs ``f >= 1`` (at least 4 validators): with fewer, any fault halts.
    """
    f = fault_tolerance(validators)
    if f < 1:
        raise ValueError(f"chaos needs at least 4 validators (f >= 1), got {validators}")
    if count < 3:
        raise ValueError("a plan has at least 3 faults: a kill, a stop and a partition")
    rng = random.Random(seed)
    first = [rng.choice((KILL, KILL_TRUNCATE_WAL)), STOP, PARTITION_MINORITY]
    rng.shuffle(first)
    kinds = first + [rng.choice(_RANDOM_KINDS) for _ in range(count - len(first))]
    if halt:
        kinds.insert(len(first), HALT)
    kinds.insert(len(first) + int(halt), SET_POWER)
    faults = [_draw(rng, kind, validators, f) for kind in kinds]
    for fault in faults:
        fault.validate(validators)
    return faults


def _draw(rng: random.Random, kind: str, validators: int, f: int) -> Fault:
    hold_ms = rng.randint(HOLD_MS_MIN, HOLD_MS_MAX)
    everyone = list(range(validators))
    if kind in (KILL, KILL_TRUNCATE_WAL, STOP, PARTITION_MINORITY):
        targets = tuple(sorted(rng.sample(everyone, rng.randint(1, f))))
        amount = rng.randint(1, WAL_CUT_MAX) if kind == KILL_TRUNCATE_WAL else 0
        return Fault(kind, targets, hold_ms, amount)
    if kind == PARTITION_SPLIT:
        quorum = 2 * f + 1
        return Fault(kind, tuple(sorted(rng.sample(everyone, quorum))), hold_ms)
    if kind == PARTITION_PAIR:
        return Fault(kind, tuple(sorted(rng.sample(everyone, 2))), hold_ms)
    if kind == DELAY:
        return Fault(kind, (), hold_ms, rng.randint(DELAY_MS_MIN, DELAY_MS_MAX))
    if kind == LOSS:
        return Fault(kind, (), hold_ms, rng.randint(LOSS_PER_MILLE_MIN, LOSS_PER_MILLE_MAX))
    if kind == SET_POWER:
        power = VALIDATOR_POWER + rng.choice((-1, 1)) * rng.randint(1, POWER_STEP_MAX)
        return Fault(kind, (rng.randrange(validators),), hold_ms, power)
    assert kind == HALT, kind
    return Fault(kind, tuple(sorted(rng.sample(everyone, f + 1))), hold_ms)
