"""State keys of ``workflow`` and the reads of their records (docs/spec/workflow.md)."""

from __future__ import annotations

from govchain.contracts.state_lists import ListKeys
from govchain.contracts.workflow.records import Case, Matter, Process, StepState
from govchain.execution.registry import ReadState
from govchain.types.errors import ValidationError

__all__ = [
    "CASES",
    "MATTERS",
    "PROCESSES",
    "WORKFLOW_KEY_PREFIX",
    "adapter_key",
    "case_key",
    "latest_version",
    "matter_key",
    "process_key",
    "read_adapter",
    "read_case",
    "read_matter",
    "read_process",
    "read_step",
    "step_key",
    "timeline",
    "version_key",
]

WORKFLOW_KEY_PREFIX = b"workflow/"
CASES = ListKeys(WORKFLOW_KEY_PREFIX + b"cases/")
MATTERS = ListKeys(WORKFLOW_KEY_PREFIX + b"matters/")
"""Every matter code, in the order first defined (the matter list, 事项清单)."""
PROCESSES = ListKeys(WORKFLOW_KEY_PREFIX + b"processes/")
"""Every process code, in the order first published."""


def matter_key(code: str) -> bytes:
    """State key of a matter's latest version number."""
    return WORKFLOW_KEY_PREFIX + b"matter/" + code.encode("ascii")


def process_key(code: str) -> bytes:
    """State key of a process's latest version number."""
    return WORKFLOW_KEY_PREFIX + b"process/" + code.encode("ascii")


def version_key(key: bytes, version: int) -> bytes:
    """State key of one version of a matter or process."""
    return key + b"/" + version.to_bytes(4, "big")


def case_key(case_id: bytes) -> bytes:
    """State key of a case."""
    return WORKFLOW_KEY_PREFIX + b"case/" + case_id


def step_key(case_id: bytes, step: str) -> bytes:
    """State key of one step of a case."""
    return case_key(case_id) + b"/s/" + step.encode("ascii")


def timeline(case_id: bytes) -> ListKeys:
    """A case's timeline, a state list of entries."""
    return ListKeys(case_key(case_id) + b"/t/")


def adapter_key(department: str) -> bytes:
    """State key of a department's adapter account."""
    return WORKFLOW_KEY_PREFIX + b"adapter/" + department.encode("ascii")


def latest_version(read: ReadState, key: bytes) -> int:
    """The latest version under ``key`` (0: none)."""
    raw = read(key)
    if raw is None:
        return 0
    if len(raw) != 4:
        raise ValidationError(f"version: expected 4 bytes, got {len(raw)}")
    return int.from_bytes(raw, "big")


def read_matter(read: ReadState, code: str, version: int | None = None) -> Matter | None:
    """A matter version (None: latest), or None."""
    number = latest_version(read, matter_key(code)) if version is None else version
    raw = read(version_key(matter_key(code), number)) if number else None
    return None if raw is None else Matter.from_stored(raw)


def read_process(read: ReadState, code: str, version: int | None = None) -> Process | None:
    """A process version (None: latest), or None."""
    number = latest_version(read, process_key(code)) if version is None else version
    raw = read(version_key(process_key(code), number)) if number else None
    return None if raw is None else Process.from_stored(raw)


def read_case(read: ReadState, case_id: bytes) -> Case | None:
    """A case, or None."""
    raw = read(case_key(case_id))
    return None if raw is None else Case.from_stored(raw)


def read_step(read: ReadState, case_id: bytes, step: str) -> StepState | None:
    """One step of a case, or None."""
    raw = read(step_key(case_id, step))
    return None if raw is None else StepState.from_stored(raw)


def read_adapter(read: ReadState, department: str) -> bytes:
    """A department's adapter address (empty: none set)."""
    return read(adapter_key(department)) or b""
