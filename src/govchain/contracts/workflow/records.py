"""The stored records of ``workflow``: matters, processes, cases, steps and timeline entries.

docs/spec/workflow.md, "State keys". Each is a :class:`FieldRecord` (stored
as its fields) with ``validate()``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, ClassVar

from govchain.codes import CodeError, check_uscc
from govchain.contracts.assets.records import CONTENT_ID_SIZE, check_type_code
from govchain.contracts.registry.records import FieldRecord
from govchain.types.errors import ValidationError
from govchain.types.fields import check_bytes, check_hash, check_list, check_text, check_uint
from govchain.types.validators import ADDRESS_SIZE

__all__ = [
    "CASE_STATES",
    "MATTER_KINDS",
    "MATTER_PATTERN",
    "STEP_STATES",
    "Case",
    "Matter",
    "Process",
    "StepState",
    "TimelineEntry",
    "check_credit_code",
]

MATTER_KINDS = ("行政许可", "行政确认", "备案", "公共服务", "其他")
CASE_STATES = ("open", "completed", "rejected")
STEP_STATES = ("waiting", "ready", "returned", "done", "rejected")
MATTER_PATTERN = re.compile(r"^[0-9A-Za-z._-]{1,64}$")
MAX_TYPES = 16
MAX_FIELDS = 64
MAX_FORM = 64
MAX_GRANTS = 64


def check_credit_code(what: str, code: object) -> str:
    """A member's credit code (GB 32100, checked)."""
    text = check_text(what, code, max_size=18)
    try:
        check_uscc(text)
    except CodeError as exc:
        raise ValidationError(f"{what}: not a credit code: {exc}") from None
    return text


def _types(what: str, codes: tuple[str, ...]) -> None:
    items = check_list(what, list(codes), max_items=MAX_TYPES)
    if len(set(items)) != len(items):
        raise ValidationError(f"{what}: each type once")
    for code in items:
        check_type_code(what, code)


@dataclass(frozen=True, slots=True)
class Matter(FieldRecord):
    """One version of a matter (事项) of the implementation list."""

    WHAT: ClassVar[str] = "matter"
    code: str
    version: int
    name: str
    kind: str
    department: str
    time_limit_days: int
    materials: tuple[str, ...]
    outputs: tuple[str, ...]
    fields: tuple[str, ...]
    owner: str
    height: int

    def validate(self) -> None:
        """Raise ValidationError naming the first field that breaks its rule."""
        check_text("matter.code", self.code, max_size=64, pattern=MATTER_PATTERN)
        if check_uint("matter.version", self.version, maximum=2**32 - 1) < 1:
            raise ValidationError("matter.version: versions start at 1")
        if not check_text("matter.name", self.name, max_size=128).strip():
            raise ValidationError("matter.name: must not be blank")
        if self.kind not in MATTER_KINDS:
            raise ValidationError(f"matter.kind: expected one of {MATTER_KINDS}")
        check_credit_code("matter.department", self.department)
        if not check_uint("matter.time_limit_days", self.time_limit_days, maximum=365) >= 1:
            raise ValidationError("matter.time_limit_days: expected 1..365")
        _types("matter.materials", self.materials)
        _types("matter.outputs", self.outputs)
        for name in check_list("matter.fields", list(self.fields), max_items=MAX_FIELDS):
            check_text("matter.fields", name, max_size=64)
        check_credit_code("matter.owner", self.owner)
        check_uint("matter.height", self.height)


@dataclass(frozen=True, slots=True)
class Process(FieldRecord):
    """One version of a process definition: its steps (as ``graph.StepDef`` maps) in order."""

    WHAT: ClassVar[str] = "process"
    code: str
    version: int
    name: str
    steps: tuple[dict[str, Any], ...]
    order: tuple[str, ...]
    owner: str
    height: int

    def validate(self) -> None:
        """Raise ValidationError naming the first field that breaks its rule."""
        check_text("process.code", self.code, max_size=64, pattern=MATTER_PATTERN)
        if check_uint("process.version", self.version, maximum=2**32 - 1) < 1:
            raise ValidationError("process.version: versions start at 1")
        if not check_text("process.name", self.name, max_size=128).strip():
            raise ValidationError("process.name: must not be blank")
        check_list("process.steps", list(self.steps), max_items=32)
        check_list("process.order", list(self.order), max_items=32)
        check_credit_code("process.owner", self.owner)
        check_uint("process.height", self.height)


@dataclass(frozen=True, slots=True)
class Case(FieldRecord):
    """A case (办件): one application through one process version."""

    WHAT: ClassVar[str] = "case"
    id: bytes
    process: str
    version: int
    applicant: bytes
    window: bytes
    form: dict[str, Any]
    materials: tuple[bytes, ...]
    state: str
    opened: int
    closed: int
    reason: str
    height: int

    def validate(self) -> None:
        """Raise ValidationError naming the first field that breaks its rule."""
        check_bytes("case.id", self.id, size=16)
        check_text("case.process", self.process, max_size=64, pattern=MATTER_PATTERN)
        check_uint("case.version", self.version)
        check_bytes("case.applicant", self.applicant, size=ADDRESS_SIZE)
        check_bytes("case.window", self.window, size=ADDRESS_SIZE)
        if not isinstance(self.form, dict) or len(self.form) > MAX_FORM:
            raise ValidationError(f"case.form: expected a map of at most {MAX_FORM} fields")
        for content_id in check_list("case.materials", list(self.materials), max_items=MAX_TYPES):
            check_bytes("case.materials", content_id, size=CONTENT_ID_SIZE)
        if self.state not in CASE_STATES:
            raise ValidationError(f"case.state: expected one of {CASE_STATES}")
        check_uint("case.opened", self.opened)
        check_uint("case.closed", self.closed)
        check_text("case.reason", self.reason, max_size=256)
        check_uint("case.height", self.height)


@dataclass(frozen=True, slots=True)
class StepState(FieldRecord):
    """Where one step of one case stands."""

    WHAT: ClassVar[str] = "step"
    case: bytes
    step: str
    department: str
    state: str
    ready_at: int
    deadline: int
    done_at: int
    outputs: tuple[bytes, ...]
    overdue: bool
    interventions: int
    attempts: int
    reason: str
    grants: tuple[bytes, ...] = ()

    def validate(self) -> None:
        """Raise ValidationError naming the first field that breaks its rule."""
        check_bytes("step.case", self.case, size=16)
        check_text("step.step", self.step, max_size=32)
        check_credit_code("step.department", self.department)
        if self.state not in STEP_STATES:
            raise ValidationError(f"step.state: expected one of {STEP_STATES}")
        for name in ("ready_at", "deadline", "done_at", "interventions", "attempts"):
            check_uint(f"step.{name}", getattr(self, name))
        for content_id in check_list("step.outputs", list(self.outputs), max_items=MAX_TYPES):
            check_bytes("step.outputs", content_id, size=CONTENT_ID_SIZE)
        if not isinstance(self.overdue, bool):
            raise ValidationError("step.overdue: expected true or false")
        check_text("step.reason", self.reason, max_size=256)
        for grant_id in check_list("step.grants", list(self.grants), max_items=MAX_GRANTS):
            check_bytes("step.grants", grant_id, size=16)


@dataclass(frozen=True, slots=True)
class TimelineEntry(FieldRecord):
    """One event in a case's life: who did what to which step, manually or not, when."""

    WHAT: ClassVar[str] = "timeline entry"
    step: str
    action: str
    by: bytes
    manual: bool
    time: int
    height: int
    tx_hash: bytes
    reason: str

    def validate(self) -> None:
        """Raise ValidationError naming the first field that breaks its rule."""
        check_text("timeline.step", self.step, max_size=32)
        check_text("timeline.action", self.action, max_size=32)
        check_bytes("timeline.by", self.by, size=ADDRESS_SIZE)
        if not isinstance(self.manual, bool):
            raise ValidationError("timeline.manual: expected true or false")
        check_uint("timeline.time", self.time)
        check_uint("timeline.height", self.height)
        check_hash("timeline.tx_hash", self.tx_hash)
        check_text("timeline.reason", self.reason, max_size=256)
