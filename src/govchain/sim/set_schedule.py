"""The schedule of validator-set changes a simulated run makes, and the tx that makes each.

docs/spec/consensus.md, "The simulator". Pure: from a seeded random
stream, the genesis set and the candidates (the validators and the spare
instances), ``make_schedule`` draws 1 to ``MAX_CHANGES`` changes: add a
validator outside the set (a spare, or one removed before), remove a member
(the Byzantine one with even odds when it may go), change a member's power.
Each change is allowed from the set the changes before it made:

- the chain's limits (``contracts.registry.validators``): never an empty
  set, at most a third of the set's power changed by one block;
- the simulator's rule on faulty power: in every set, the Byzantine
  validators hold less than a third of the power (``3 * faulty < total``),
  the bound the protocol needs at each height.

Each change enters the chain as a ``sim.set_validator`` tx, the simulator's
stand-in for the governance actions ``node.add``, ``node.remove`` and
``node.set_power``; its handler calls the registry's ``set_validator`` or
``unset_validator``, so the limits are checked by the chain's own code. The
state counts the changes made (``SET_CHANGES_MADE_KEY``), so each is made
once, in schedule order, one per block.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass

from govchain.contracts.registry.validators import changed_power, set_validator, unset_validator
from govchain.crypto import CryptoSuite
from govchain.execution import ContractError, Registry, TxContext
from govchain.ledger import records
from govchain.ledger.validator_sets import VALIDATOR_SET_KEY, encode_set
from govchain.types import Tx, Validator, ValidatorSet
from govchain.types.errors import ValidationError
from govchain.types.validators import MAX_VALIDATORS

__all__ = [
    "ADD",
    "POWER",
    "REMOVE",
    "SET_CHANGES_MADE_KEY",
    "SET_CHANGE_TX",
    "Candidate",
    "SetChange",
    "SetChangeOptions",
    "allowed",
    "changes_made",
    "faulty_power",
    "initial_state",
    "make_schedule",
    "register_set_changes",
    "schedule_for_run",
]

ADD, REMOVE, POWER = "add", "remove", "power"
OPS = (ADD, REMOVE, POWER)
SET_CHANGE_TX = "sim.set_validator"
SET_CHANGES_MADE_KEY = b"sim/set_changes_made"
"""State key: how many changes of the schedule the chain has made (4 bytes, big-endian)."""
MAX_CHANGES = 4
"""The most changes one run's schedule holds."""
MAX_SPARES = 8


@dataclass(frozen=True, slots=True)
class SetChangeOptions:
    """Set changes of a run: ``spares`` validator instances outside the genesis set, and
    every change due within the first ``due_within_ms`` of the run."""

    spares: int
    due_within_ms: int

    def validate(self) -> None:
        """Raise ValueError if a field is out of range."""
        if not 0 <= self.spares <= MAX_SPARES:
            raise ValueError(f"spares: expected 0..{MAX_SPARES}, got {self.spares}")
        if self.due_within_ms < 0:
            raise ValueError("due_within_ms: must not be negative")


@dataclass(frozen=True, slots=True)
class Candidate:
    """A validator instance the schedule may put in or take out of the set."""

    name: str
    address: bytes
    public_key: bytes
    byzantine: bool


@dataclass(frozen=True, slots=True)
class SetChange:
    """One change: from ``due_ms`` on, proposers add the tx that makes it."""

    index: int
    due_ms: int
    op: str
    name: str
    address: bytes
    public_key: bytes
    power: int
    """The validator's power after the change (0 when removed)."""

    def validate(self) -> None:
        """Raise ValueError if the change is malformed."""
        if self.op not in OPS:
            raise ValueError(f"op: expected one of {OPS}, got {self.op!r}")
        if (self.power == 0) != (self.op == REMOVE):
            raise ValueError("power: 0 exactly when the validator is removed")
        if self.index < 0 or self.due_ms < 0 or self.power < 0:
            raise ValueError("index, due_ms and power must not be negative")

    def apply(self, validators: ValidatorSet) -> ValidatorSet:
        """The set after this change (not checked against the limits: see ``allowed``)."""
        others = [v for v in validators.validators if v.address != self.address]
        if self.op != REMOVE:
            others.append(Validator(self.address, self.public_key, self.power))
        return ValidatorSet(tuple(sorted(others, key=lambda v: v.address)))

    def describe(self) -> str:
        """One line for a report."""
        what = {ADD: "add", REMOVE: "remove", POWER: "set the power of"}[self.op]
        power = "" if self.op == REMOVE else f" to {self.power}" if self.op == POWER else ""
        with_power = f" with power {self.power}" if self.op == ADD else power
        return f"set change {self.index} (due {self.due_ms} ms): {what} {self.name}{with_power}"


def faulty_power(validators: ValidatorSet, faulty: frozenset[bytes]) -> int:
    """The power of the Byzantine validators in ``validators``."""
    return sum(v.power for v in validators.validators if v.address in faulty)


def allowed(old: ValidatorSet, new: ValidatorSet, faulty: frozenset[bytes]) -> bool:
    """Whether one block may change ``old`` into ``new``: the chain's limits (a valid,
    non-empty set; at most a third of the old power changed) and the simulator's rule
    (the Byzantine power stays below a third of the new total)."""
    if not 1 <= len(new.validators) <= MAX_VALIDATORS:
        return False
    try:
        new.validate()
    except ValidationError:
        return False
    if 3 * changed_power(old, new) > old.total_power:
        return False
    return 3 * faulty_power(new, faulty) < new.total_power


def make_schedule(
    rng: random.Random,
    genesis_set: ValidatorSet,
    candidates: Sequence[Candidate],
    due_within_ms: int,
) -> tuple[SetChange, ...]:
    """1 to ``MAX_CHANGES`` changes, each allowed from the set the ones before it made."""
    faulty = frozenset(c.address for c in candidates if c.byzantine)
    times = sorted(rng.randint(0, due_within_ms) for _ in range(rng.randint(1, MAX_CHANGES)))
    current, changes = genesis_set, []
    for index, due_ms in enumerate(times):
        options = _options(rng, current, candidates, index, due_ms)
        valid = {
            op: [c for c in found if allowed(current, c.apply(current), faulty)]
            for op, found in options.items()
        }
        ops = [op for op in OPS if valid[op]]
        if not ops:
            break
        op = rng.choice(ops)
        chosen = valid[op]
        byzantine = [c for c in chosen if c.address in faulty]
        if op == REMOVE and byzantine and rng.randrange(2):
            chosen = byzantine  # the removed Byzantine validator keeps signing: see keeps_signing
        change = rng.choice(chosen)
        changes.append(change)
        current = change.apply(current)
    return tuple(changes)


def _options(
    rng: random.Random,
    current: ValidatorSet,
    candidates: Sequence[Candidate],
    index: int,
    due_ms: int,
) -> dict[str, list[SetChange]]:
    """Every change of each kind to consider, before the limits are checked."""
    third = max(1, current.total_power // 3)
    options: dict[str, list[SetChange]] = {op: [] for op in OPS}
    for c in candidates:
        member = current.get(c.address)
        if member is None:
            power = rng.randint(1, third)
            options[ADD].append(
                SetChange(index, due_ms, ADD, c.name, c.address, c.public_key, power)
            )
            continue
        options[REMOVE].append(SetChange(index, due_ms, REMOVE, c.name, c.address, c.public_key, 0))
        delta = rng.randint(1, third) * rng.choice((-1, 1))
        power = max(1, member.power + delta)
        if power != member.power:
            options[POWER].append(
                SetChange(index, due_ms, POWER, c.name, c.address, c.public_key, power)
            )
    return options


def initial_state(genesis_set: ValidatorSet) -> dict[bytes, bytes]:
    """The genesis state of a chain whose set can change: the set itself."""
    return {VALIDATOR_SET_KEY: encode_set(genesis_set)}


def register_set_changes(registry: Registry, suite: CryptoSuite) -> None:
    """Add the ``sim.set_validator`` tx: make change ``index`` of the schedule, if it is next."""

    def handle(ctx: TxContext, tx: Tx) -> None:
        index, op = tx.args.get("index"), tx.args.get("op")
        public_key, power = tx.args.get("public_key"), tx.args.get("power")
        if not isinstance(index, int) or not isinstance(power, int) or op not in OPS:
            raise ContractError("sim.set_validator needs an int index and power and a known op")
        if not isinstance(public_key, bytes):
            raise ContractError("sim.set_validator needs a bytes public_key")
        made = changes_made(ctx.get(SET_CHANGES_MADE_KEY))
        if index != made:
            raise ContractError(f"set change {index} is not the next one ({made} made)")
        address = records.address_of(suite, public_key)
        if op == REMOVE:
            unset_validator(ctx, address)
        else:
            set_validator(ctx, Validator(address, public_key, power))
        ctx.put(SET_CHANGES_MADE_KEY, (made + 1).to_bytes(4, "big"))

    registry.register(SET_CHANGE_TX, handle)


def changes_made(raw: bytes | None) -> int:
    """The count ``SET_CHANGES_MADE_KEY`` holds (0 before the first change)."""
    if raw is None:
        return 0
    if len(raw) != 4:
        raise ContractError("the count of set changes made is malformed")
    return int.from_bytes(raw, "big")


def schedule_for_run(
    seed: int,
    options: SetChangeOptions,
    genesis_set: ValidatorSet,
    byzantine: Sequence[int],
    spares: Sequence[bytes],
    suite: CryptoSuite,
) -> tuple[SetChange, ...]:
    """The schedule of seed ``seed``: validator ``i`` of the genesis set is ``v{i}`` (Byzantine
    if ``i`` is in ``byzantine``), spare ``j`` (its public key) is ``s{j}``."""
    options.validate()
    candidates = [
        Candidate(f"v{i}", v.address, v.public_key, i in byzantine)
        for i, v in enumerate(genesis_set.validators)
    ]
    for j, public_key in enumerate(spares):
        address = records.address_of(suite, public_key)
        candidates.append(Candidate(f"s{j}", address, public_key, False))
    rng = random.Random(f"{seed}/sets")
    return make_schedule(rng, genesis_set, candidates, options.due_within_ms)
