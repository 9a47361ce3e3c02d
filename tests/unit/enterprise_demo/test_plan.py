"""What the demo lays out: members, matters, applicants, options (issue 18 item 7, F-D3)."""

from __future__ import annotations

from pathlib import Path

import pytest

from govchain.client.process_files import load_process_file
from govchain.codes import check_uscc
from govchain.demo import DEPARTMENT_NAMES, KINDS
from govchain.enterprise_demo.children import adapter_command, department_command
from govchain.enterprise_demo.plan import (
    DEMO_MEMBERS,
    MATTERS,
    DemoOptions,
    applicant_code,
    applicant_name,
    department_of,
    examples_dir,
)
from govchain.types.errors import ValidationError


def test_members_are_the_seven_departments_the_window_and_a_regulator() -> None:
    roles = [m.role for m in DEMO_MEMBERS]
    assert sorted(roles) == sorted((*KINDS, "window", "regulator"))
    assert len({m.code for m in DEMO_MEMBERS}) == 9
    for member in DEMO_MEMBERS:
        check_uscc(member.code)
        assert "演示" in member.name
    for kind in KINDS:
        assert department_of(kind).name == DEPARTMENT_NAMES[kind]


def test_matters_are_those_of_the_shipped_process_one_per_department() -> None:
    process = load_process_file(examples_dir() / "processes" / "enterprise-setup.toml")
    steps = {str(s["id"]): s for s in process["steps"]}  # type: ignore[attr-defined]
    assert [m.kind for m in MATTERS] == list(KINDS)
    for matter in MATTERS:
        assert steps[matter.kind]["matter"] == matter.code
        assert (examples_dir() / "asset-types" / f"{matter.type_file}.toml").is_file()


def test_applicants_are_demo_enterprises_with_distinct_codes() -> None:
    codes = {applicant_code(i) for i in range(200)}
    assert len(codes) == 200
    for i in (0, 1, 199):
        check_uscc(applicant_code(i))
        assert "演示" in applicant_name(i)
    assert applicant_name(0) != applicant_name(1)


@pytest.mark.parametrize(
    ("options", "named"),
    [
        (DemoOptions(cases=0), "--cases"),
        (DemoOptions(cases=201), "--cases"),
        (DemoOptions(delay_ms=-1), "--delay-ms"),
        (DemoOptions(reject_rate=1.5), "--reject-rate"),
        (DemoOptions(return_rate=-0.1), "--return-rate"),
    ],
)
def test_options_out_of_range_are_refused_naming_the_option(
    options: DemoOptions, named: str
) -> None:
    with pytest.raises(ValidationError, match=named):
        options.validate()


def test_child_command_lines() -> None:
    assert department_command("seal", ("--delay-ms", "5")) == [
        "demo", "department", "--kind", "seal", "--port", "0", "--delay-ms", "5",
    ]  # fmt: skip
    command = adapter_command(
        ("http://a", "http://b"),
        Path("k.pem"),
        Path("pw"),
        "91X",
        "http://d",
        Path("s"),
        Path("g.json"),
    )
    assert command == [
        "adapter", "run", "--node", "http://a,http://b", "--key", "k.pem",
        "--locker-password-file", "pw", "--department", "91X", "--endpoint", "http://d",
        "--state-dir", "s", "--genesis", "g.json", "--poll-s", "0.3",
    ]  # fmt: skip
