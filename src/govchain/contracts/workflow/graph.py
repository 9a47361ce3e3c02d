"""The process graph of ``workflow.process_publish`` and its checks (docs/spec/workflow.md).

A process is a list of steps; each step waits for the steps named in its
``after`` (a join waits for all of them). Everything here is pure and
deterministic, since it runs in consensus: orders are chosen by step id,
never by set or hash order, and no result depends on iteration over a set.

- :class:`StepDef` is one step as the tx carries it; :func:`steps_from_args`
  parses the ``steps`` argument.
- :func:`topological_order` checks the structure (every ``after`` a step,
  a start step, no cycle) and gives Kahn's order, taking the smallest ready
  id first; :func:`check_graph` adds the checks on asset types (every output
  made by one step, every input a material or an output upstream).
- :func:`ancestors` and :func:`ready_after` are what the case handlers ask.
"""

from __future__ import annotations

import heapq
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from govchain.contracts.assets.records import check_type_code
from govchain.types.errors import ValidationError
from govchain.types.fields import check_list, check_text, fields_of

__all__ = [
    "CODE_PATTERN",
    "MAX_LINKS",
    "MAX_STEPS",
    "MAX_TIME_LIMIT_MINUTES",
    "STEP_FIELDS",
    "STEP_ID_PATTERN",
    "StepDef",
    "ancestors",
    "check_graph",
    "ready_after",
    "steps_from_args",
    "topological_order",
]

STEP_ID_PATTERN = re.compile(r"^[a-z0-9_]{1,32}$")
CODE_PATTERN = re.compile(r"^[0-9A-Za-z._-]{1,64}$")
"""A matter's implementation code (and a process code)."""
MAX_STEPS = 32
MAX_LINKS = 16
"""At most this many entries in each of a step's ``after``, ``inputs`` and ``outputs``."""
MAX_TIME_LIMIT_MINUTES = 525_600
STEP_FIELDS = ("id", "matter", "after", "inputs", "outputs", "time_limit_minutes")


@dataclass(frozen=True, slots=True)
class StepDef:
    """One step of a process: a matter, the steps it waits for, its asset types and limit."""

    id: str
    matter: str
    after: tuple[str, ...]
    inputs: tuple[str, ...]
    outputs: tuple[str, ...]
    time_limit_minutes: int

    def validate(self) -> None:
        """Raise ValidationError naming the step and the first field that breaks its rule."""
        if not isinstance(self.id, str) or not STEP_ID_PATTERN.match(self.id):
            raise ValidationError(
                f"step {self.id!r}: id: expected 1..32 characters of a-z, 0-9 and _"
            )
        what = f"step {self.id}"
        if not isinstance(self.matter, str) or not CODE_PATTERN.match(self.matter):
            raise ValidationError(
                f"{what}: matter: expected a matter code of 1..64 characters of 0-9A-Za-z-_."
            )
        for name in ("after", "inputs", "outputs"):
            _links(f"{what}: {name}", getattr(self, name), is_step=name == "after")
        minutes = self.time_limit_minutes
        if isinstance(minutes, bool) or not isinstance(minutes, int):
            raise ValidationError(f"{what}: time_limit_minutes: expected an integer")
        if not 1 <= minutes <= MAX_TIME_LIMIT_MINUTES:
            raise ValidationError(
                f"{what}: time_limit_minutes: expected 1..{MAX_TIME_LIMIT_MINUTES}, got {minutes}"
            )

    def to_cbor(self) -> dict[str, object]:
        """The map carried in the tx and stored in the process record."""
        return {
            "id": self.id,
            "matter": self.matter,
            "after": list(self.after),
            "inputs": list(self.inputs),
            "outputs": list(self.outputs),
            "time_limit_minutes": self.time_limit_minutes,
        }

    @classmethod
    def from_cbor(cls, obj: object, what: str = "step") -> StepDef:
        """A checked step from its map; ValidationError naming ``what`` and the field."""
        found: dict[str, Any] = fields_of(what, obj, STEP_FIELDS)
        if isinstance(found["id"], str) and STEP_ID_PATTERN.match(found["id"]):
            what = f"step {found['id']}"
        for name in ("after", "inputs", "outputs"):
            items = check_list(f"{what}: {name}", found[name], max_items=MAX_LINKS)
            found[name] = tuple(check_text(f"{what}: {name}", item, max_size=64) for item in items)
        step = cls(**found)
        step.validate()
        return step


def _links(what: str, items: object, *, is_step: bool) -> None:
    if not isinstance(items, tuple):
        raise ValidationError(f"{what}: expected a tuple")
    if len(items) > MAX_LINKS:
        raise ValidationError(f"{what}: {len(items)} entries is over the limit of {MAX_LINKS}")
    for item in items:
        if is_step:
            _step_id(what, item)
        else:
            check_type_code(what, item)
    if len(set(items)) != len(items):
        raise ValidationError(f"{what}: an entry is listed twice")


def _step_id(what: str, value: object) -> str:
    if not isinstance(value, str) or not STEP_ID_PATTERN.match(value):
        raise ValidationError(f"{what}: {value!r} is not a step id (1..32 of a-z, 0-9, _)")
    return value


def steps_from_args(obj: object) -> tuple[StepDef, ...]:
    """The ``steps`` argument: 1..32 checked steps with distinct ids, in the order given."""
    items = check_list("steps", obj, max_items=MAX_STEPS)
    if not items:
        raise ValidationError("steps: a process has at least one step")
    steps: list[StepDef] = []
    seen: set[str] = set()
    for index, item in enumerate(items):
        if not isinstance(item, Mapping):
            raise ValidationError(f"steps[{index}]: expected a map")
        step = StepDef.from_cbor(item, f"steps[{index}]")
        if step.id in seen:
            raise ValidationError(f"step {step.id}: id: two steps have this id")
        seen.add(step.id)
        steps.append(step)
    return tuple(steps)


def topological_order(steps: tuple[StepDef, ...]) -> tuple[str, ...]:
    """The step ids in Kahn's order (smallest ready id first); ValidationError on a bad shape.

    Refused: two steps with one id, an ``after`` that names no step, no
    start step (one without ``after``), a cycle (its steps named in order).
    """
    by_id = _by_id(steps)
    for step in steps:
        for before in step.after:
            if before not in by_id:
                raise ValidationError(
                    f"step {step.id}: after names {before!r}, which is no step of the process"
                )
    if not any(not step.after for step in steps):
        raise ValidationError("no start step: every step waits for another")
    waiting = {step.id: len(step.after) for step in steps}
    followers: dict[str, list[str]] = {step.id: [] for step in steps}
    for step in steps:
        for before in step.after:
            followers[before].append(step.id)
    ready = [step_id for step_id, count in waiting.items() if count == 0]
    heapq.heapify(ready)
    order: list[str] = []
    while ready:
        step_id = heapq.heappop(ready)
        order.append(step_id)
        for follower in followers[step_id]:
            waiting[follower] -= 1
            if waiting[follower] == 0:
                heapq.heappush(ready, follower)
    if len(order) != len(steps):
        placed = set(order)
        left = {step.id: step for step in steps if step.id not in placed}
        raise ValidationError(f"a cycle: {' -> '.join(_cycle(left))}")
    return tuple(order)


def _by_id(steps: tuple[StepDef, ...]) -> dict[str, StepDef]:
    by_id: dict[str, StepDef] = {}
    for step in steps:
        if step.id in by_id:
            raise ValidationError(f"step {step.id}: id: two steps have this id")
        by_id[step.id] = step
    return by_id


def _cycle(left: dict[str, StepDef]) -> list[str]:
    """A cycle among the steps Kahn's algorithm could not place, in the order they run.

    Each such step waits for at least one other such step; following the
    smallest such ``after`` from the smallest id must come back to a step
    already seen, and the loop from there is a cycle.
    """
    path: list[str] = []
    position: dict[str, int] = {}
    current = min(left)
    while current not in position:
        position[current] = len(path)
        path.append(current)
        current = min(before for before in left[current].after if before in left)
    loop = path[position[current] :]
    loop.reverse()
    start = loop.index(min(loop))
    loop = loop[start:] + loop[:start]
    return [*loop, loop[0]]


def check_graph(steps: tuple[StepDef, ...], materials: frozenset[str]) -> tuple[str, ...]:
    """Check a process graph and give its topological order (docs/spec/workflow.md).

    Beyond :func:`topological_order`: every output type is produced by one
    step only, and every input is in ``materials`` (the asset types of the
    application's materials) or an output of a step it waits for, directly
    or not. Raises ValidationError naming the problem.
    """
    order = topological_order(steps)
    by_id = {step.id: step for step in steps}
    producer: dict[str, str] = {}
    for step_id in order:
        for output in by_id[step_id].outputs:
            if output in producer:
                first, second = sorted((producer[output], step_id))
                raise ValidationError(
                    f"output {output} is produced by two steps: {first} and {second}"
                )
            producer[output] = step_id
    for step_id in order:
        upstream = set(ancestors(steps, step_id))
        for wanted in by_id[step_id].inputs:
            if wanted in materials or producer.get(wanted) in upstream:
                continue
            raise ValidationError(
                f"step {step_id}: input {wanted} is neither a material of the process "
                "nor an output of a step it waits for"
            )
    return order


def ancestors(steps: tuple[StepDef, ...], step_id: str) -> tuple[str, ...]:
    """The ids of every step ``step_id`` waits for, directly or not, sorted.

    Names in ``after`` that are no step are skipped; a cycle ends the walk
    (:func:`check_graph` refuses both before a process is stored).
    """
    by_id = {step.id: step for step in steps}
    if step_id not in by_id:
        raise ValidationError(f"step {step_id!r}: no step of the process has this id")
    found: set[str] = set()
    pending = list(by_id[step_id].after)
    while pending:
        current = pending.pop()
        if current in found or current not in by_id:
            continue
        found.add(current)
        pending.extend(by_id[current].after)
    found.discard(step_id)
    return tuple(sorted(found))


def ready_after(steps: tuple[StepDef, ...], done: frozenset[str]) -> tuple[str, ...]:
    """The ids, sorted, of the steps not in ``done`` whose ``after`` are all in ``done``."""
    return tuple(
        sorted(
            step.id
            for step in steps
            if step.id not in done and all(before in done for before in step.after)
        )
    )
