"""Reads of ``workflow``: a case with its steps and timeline, matters and processes, proven.

The case record comes with its state fact; each step's state and each
timeline entry with theirs would make a page heavy, so a case read carries
the case's fact and the steps' and timeline's values read at the same
height (the same snapshot), and a client proves any of them by its key.
A case read also carries its process version and the adapter account of
each step's department (empty: none), and a process read the adapters of
its departments: what an adapter and an applicant's SDK need to address
the case grants (docs/spec/workflow.md "Case grants").
One step read (for a follower such as the supervisor) carries the step's
own fact and that of its department's adapter; a process's statistics carry
each step's fact.
"""

from __future__ import annotations

from dataclasses import dataclass

from govchain.contracts.facts import ProvenValue, list_page, prove_key
from govchain.contracts.proving_reader import ProvingReader
from govchain.contracts.state_lists import list_count
from govchain.contracts.workflow.records import Case, Matter, Process, StepState, TimelineEntry
from govchain.contracts.workflow.state import (
    MATTERS,
    PROCESSES,
    adapter_key,
    case_key,
    latest_version,
    matter_key,
    process_key,
    read_adapter,
    read_case,
    read_matter,
    read_process,
    read_step,
    step_key,
    timeline,
    version_key,
)
from govchain.contracts.workflow.stats import StepStats, stats_key
from govchain.types.errors import LedgerCorruptError

__all__ = [
    "TIMELINE_MAX",
    "ProvenCase",
    "ProvenDefinition",
    "ProvenStats",
    "ProvenStep",
    "case_with_fact",
    "definition_with_fact",
    "definitions_page",
    "stats_with_facts",
    "step_with_facts",
    "timeline_with_facts",
]

TIMELINE_MAX = 200
"""Timeline entries one case read carries."""


@dataclass(frozen=True, slots=True)
class ProvenCase:
    """A case (None: none), the fact of its key, its steps in process order, its timeline."""

    case: Case | None
    proven: ProvenValue
    steps: tuple[StepState, ...]
    timeline: tuple[TimelineEntry, ...]
    process: Process | None = None
    adapters: tuple[tuple[str, bytes], ...] = ()


@dataclass(frozen=True, slots=True)
class ProvenDefinition:
    """The latest version of a matter or process (None: none) and the fact of its key."""

    record: Matter | Process | None
    proven: ProvenValue
    adapters: tuple[tuple[str, bytes], ...] = ()


def case_with_fact(reader: ProvingReader, case_id: bytes) -> ProvenCase:
    """A case with its fact, its steps and the first ``TIMELINE_MAX`` timeline entries."""
    proven = prove_key(reader, case_key(case_id))
    if proven.value is None:
        return ProvenCase(None, proven, (), ())
    case = Case.from_stored(proven.value)
    process = read_process(reader.get, case.process, case.version)
    if process is None:
        raise LedgerCorruptError(f"workflow: case {case_id.hex()} names a missing process")
    steps = []
    for step_id in process.order:
        state = read_step(reader.get, case_id, step_id)
        if state is None:
            raise LedgerCorruptError(f"workflow: case {case_id.hex()} lacks step {step_id}")
        steps.append(state)
    raws, _ = list_page(reader, timeline(case_id), 0, TIMELINE_MAX)
    entries = tuple(TimelineEntry.from_stored(raw) for raw in raws)
    return ProvenCase(case, proven, tuple(steps), entries, process, adapters_of(reader, process))


def adapters_of(reader: ProvingReader, process: Process) -> tuple[tuple[str, bytes], ...]:
    """``(department, adapter address)`` of each department of the process, sorted (empty
    address: no adapter set)."""
    departments: set[str] = set()
    for step in process.steps:
        matter = read_matter(reader.get, str(step["matter"]))
        if matter is None:
            raise LedgerCorruptError(f"workflow: process {process.code} names a missing matter")
        departments.add(matter.department)
    return tuple((d, read_adapter(reader.get, d)) for d in sorted(departments))


LIST_PAGE_MAX = 100
"""Matters or processes one list page carries."""
TIMELINE_PAGE_MAX = 25
"""Timeline entries one proven timeline page carries (each with its own state fact)."""


def timeline_with_facts(
    reader: ProvingReader, case_id: bytes, start: int
) -> tuple[list[tuple[TimelineEntry, ProvenValue]], int | None] | None:
    """A case's timeline entries from ``start``, each with the state fact of its key, and the
    next page's start; None when there is no such case."""
    if read_case(reader.get, case_id) is None:
        return None
    keys = timeline(case_id)
    count = list_count(reader.get, keys)
    end = min(count, start + TIMELINE_PAGE_MAX)
    found = []
    for index in range(start, end):
        proven = prove_key(reader, keys.item_key(index))
        if proven.value is None:
            raise LedgerCorruptError(f"workflow: case {case_id.hex()} lacks timeline entry {index}")
        found.append((TimelineEntry.from_stored(proven.value), proven))
    return found, (end if end < count else None)


def definitions_page(
    reader: ProvingReader, kind: str, start: int, limit: int = LIST_PAGE_MAX
) -> tuple[list[Matter | Process], int | None]:
    """The latest versions of the matters (``kind`` "matter") or processes from ``start``, in
    the order first defined, and the next page's start (each proven by its own read)."""
    keys = MATTERS if kind == "matter" else PROCESSES
    codes, following = list_page(reader, keys, start, min(limit, LIST_PAGE_MAX))
    found: list[Matter | Process] = []
    for raw in codes:
        code = raw.decode("ascii")
        record: Matter | Process | None = (
            read_matter(reader.get, code) if kind == "matter" else read_process(reader.get, code)
        )
        if record is None:
            raise LedgerCorruptError(f"workflow: listed {kind} {code} is missing")
        found.append(record)
    return found, following


def definition_with_fact(reader: ProvingReader, kind: str, code: str) -> ProvenDefinition:
    """The latest matter (``kind`` "matter") or process with the fact of its version's key."""
    base = matter_key(code) if kind == "matter" else process_key(code)
    record_type = Matter if kind == "matter" else Process
    version = latest_version(reader.get, base)
    proven = prove_key(reader, version_key(base, max(version, 1)))
    record = None if proven.value is None or version == 0 else record_type.from_stored(proven.value)
    if isinstance(record, Process):
        return ProvenDefinition(record, proven, adapters_of(reader, record))
    return ProvenDefinition(record, proven)


@dataclass(frozen=True, slots=True)
class ProvenStep:
    """One step of a case (None: none) with its fact, and its department's adapter with its fact
    (an empty address: none set)."""

    step: StepState | None
    proven: ProvenValue
    adapter: bytes
    adapter_proven: ProvenValue | None


def step_with_facts(reader: ProvingReader, case_id: bytes, step: str) -> ProvenStep:
    """A step of a case and its department's adapter, each with the fact of its key."""
    proven = prove_key(reader, step_key(case_id, step))
    if proven.value is None:
        return ProvenStep(None, proven, b"", None)
    state = StepState.from_stored(proven.value)
    adapter = prove_key(reader, adapter_key(state.department))
    return ProvenStep(state, proven, adapter.value or b"", adapter)


@dataclass(frozen=True, slots=True)
class ProvenStats:
    """The latest version of a process (None: none) and each of its steps' statistics, in the
    process's order, with the fact of each statistics key (absent: no case reached it yet)."""

    process: Process | None
    steps: tuple[tuple[StepStats, ProvenValue], ...]


def stats_with_facts(reader: ProvingReader, code: str) -> ProvenStats:
    """The statistics of the steps of the latest version of process ``code``, each proven."""
    process = read_process(reader.get, code)
    if process is None:
        return ProvenStats(None, ())
    found = []
    for step in process.order:
        proven = prove_key(reader, stats_key(code, step))
        stats = (
            StepStats.empty(code, step)
            if proven.value is None
            else StepStats.from_stored(proven.value)
        )
        found.append((stats, proven))
    return ProvenStats(process, tuple(found))
