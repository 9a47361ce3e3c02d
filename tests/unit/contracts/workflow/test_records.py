"""The workflow records: each rule, and a stored record reads back equal (F-D3..D6)."""

from __future__ import annotations

import dataclasses

import pytest

from govchain.codes.demo import demo_uscc
from govchain.contracts.workflow.records import Case, Matter, Process, StepState, TimelineEntry
from govchain.types.errors import ValidationError

LICENCE = "11100000MB0143028R001"
DEPT = demo_uscc(1)

MATTER = Matter(
    "370102-0001-XK", 1, "企业设立登记(演示)", "行政许可", DEPT, 5, (), (LICENCE,),
    ("名称", "住所"), DEPT, 3,
)  # fmt: skip
PROCESS = Process(
    "enterprise-setup", 1, "企业开办(演示)",
    ({"id": "licence", "matter": MATTER.code, "after": [], "inputs": [], "outputs": [LICENCE],
      "time_limit_minutes": 24},),
    ("licence",), DEPT, 4,
)  # fmt: skip
CASE = Case(
    b"\x01" * 16, "enterprise-setup", 1, b"\x02" * 20, b"\x03" * 20, {"名称": "济南演示有限公司"},
    (b"\x04" * 16,), "open", 1_790_000_000_000, 0, "", 5,
)  # fmt: skip
STEP = StepState(b"\x01" * 16, "licence", DEPT, "ready", 1, 86_400_001, 0, (), False, 0, 0, "")
ENTRY = TimelineEntry("licence", "ready", b"\x03" * 20, False, 1, 5, b"\x05" * 32, "")


@pytest.mark.parametrize("record", [MATTER, PROCESS, CASE, STEP, ENTRY])
def test_records_read_back_equal(record: object) -> None:
    record.validate()  # type: ignore[attr-defined]
    again = type(record).from_stored(record.encode())  # type: ignore[attr-defined]
    assert again == record


@pytest.mark.parametrize(
    ("record", "change", "message"),
    [
        (MATTER, {"kind": "许可"}, "matter.kind"),
        (MATTER, {"department": "91370102DEM000014X"}, "credit code"),
        (MATTER, {"time_limit_days": 0}, "time_limit_days"),
        (MATTER, {"outputs": (LICENCE, LICENCE)}, "each type once"),
        (MATTER, {"code": "has space"}, "matter.code"),
        (CASE, {"state": "closed"}, "case.state"),
        (CASE, {"materials": (b"\x04" * 15,)}, "case.materials"),
        (STEP, {"state": "late"}, "step.state"),
        (STEP, {"overdue": 1}, "step.overdue"),
        (ENTRY, {"manual": "no"}, "timeline.manual"),
    ],
)
def test_each_rule_names_its_field(record: object, change: dict[str, object], message: str) -> None:
    broken = dataclasses.replace(record, **change)  # type: ignore[type-var]
    with pytest.raises(ValidationError, match=message):
        broken.validate()
