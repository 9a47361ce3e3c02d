"""What the enterprise-setup demo lays out: its members, matters, files and options (pure).

The network's members are the seven departments of docs/spec/workflow.md
("Department systems (demo)"), the window (综合窗口) and a regulator, each
with a demo credit code ``demo_uscc(1..9)``. The first four run the
validators (``govchain net init`` gives node *i* the member ``demo_uscc(i + 1)``);
the other five are members without nodes.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from govchain.codes import demo_uscc
from govchain.types.errors import ValidationError

__all__ = [
    "APPLICANT_SERIAL_BASE",
    "ASSET_TYPE_FILES",
    "DEMO_MEMBERS",
    "DEMO_VALIDATORS",
    "MATTERS",
    "MAX_CASES",
    "PROCESS_CODE",
    "DemoMember",
    "DemoOptions",
    "MatterPlan",
    "applicant_code",
    "applicant_name",
    "department_of",
    "examples_dir",
]

DEMO_VALIDATORS = 4
"""Validators of the demo network: four, so one may fail (BFT), at about 1.3 s per block."""
DEMO_STORAGE_NODES = 2
MAX_CASES = 200
MAX_DELAY_MS = 60_000
PROCESS_CODE = "enterprise-setup"
APPLICANT_SERIAL_BASE = 20_001
"""Applicant *i* (from 0) is the enterprise ``demo_uscc(APPLICANT_SERIAL_BASE + i)``."""
_TRADE_NAMES = ("链信", "数安", "政通", "云启", "智汇", "融达", "泉城", "海岱", "历下", "明湖")


@dataclass(frozen=True, slots=True)
class DemoMember:
    """A member of the demo network: its role, credit code and (made-up) name."""

    role: str
    """``window``, ``regulator`` or a department kind (``licence``, ..., ``tax``)."""
    code: str
    name: str


@dataclass(frozen=True, slots=True)
class MatterPlan:
    """A matter of the matter list the demo defines: one per department (kind)."""

    kind: str
    code: str
    name: str
    matter_kind: str
    type_file: str
    """The file stem in examples/asset-types of the type the department issues."""
    fields: tuple[str, ...]


_ROLES_AND_NAMES = (
    ("window", "济南市演示政务服务中心综合窗口"),
    ("regulator", "济南市演示政务服务监督管理办公室"),
    ("licence", "济南市演示行政审批服务局"),
    ("tax", "济南市演示税务局"),
    ("seal", "济南市演示公安局"),
    ("social", "济南市演示社会保险事业中心"),
    ("medical", "济南市演示医疗保障服务中心"),
    ("housing", "济南演示住房公积金管理中心"),
    ("bank", "济南演示商业银行历下支行"),
)
DEMO_MEMBERS: tuple[DemoMember, ...] = tuple(
    DemoMember(role, demo_uscc(i + 1), name) for i, (role, name) in enumerate(_ROLES_AND_NAMES)
)
"""Genesis order: the first ``DEMO_VALIDATORS`` run the nodes (the window runs node0)."""

_SHARED = ("名称", "统一社会信用代码")
MATTERS: tuple[MatterPlan, ...] = (
    MatterPlan(
        "licence", "370102-DEMO-000105001000", "企业设立登记", "行政许可", "business_licence",
        ("名称", "类型", "注册资本", "营业期限", "住所", "经营范围", "所属区划", "法定代表人"),
    ),
    MatterPlan("seal", "370102-DEMO-000123002000", "公章刻制备案", "备案", "seal_filing",
               (*_SHARED, "印章名称", "法定代表人")),
    MatterPlan("social", "370102-DEMO-000111003000", "社会保险登记", "行政确认",
               "social_security", (*_SHARED, "单位类型", "所属行业", "联系人")),
    MatterPlan("medical", "370102-DEMO-000146004000", "参保单位登记", "行政确认",
               "medical_insurance", (*_SHARED, "单位类型", "所属行业", "联系人")),
    MatterPlan("housing", "370102-DEMO-000153005000", "单位住房公积金缴存登记", "公共服务",
               "housing_fund", (*_SHARED, "缴存比例", "法定代表人")),
    MatterPlan("bank", "370102-DEMO-000199006000", "银行预约开户", "公共服务", "bank_account",
               (*_SHARED, "法定代表人")),
    MatterPlan("tax", "370102-DEMO-000120007000", '新办纳税人"套餐式"服务', "行政确认",
               "tax_registration", (*_SHARED, "纳税人类型", "发票种类", "办税人员")),
)  # fmt: skip
"""In the order of examples/processes/enterprise-setup.toml; matter codes as there."""
ASSET_TYPE_FILES = tuple(matter.type_file for matter in MATTERS)


def department_of(kind: str) -> DemoMember:
    """The member that is the department of ``kind``; KeyError for an unknown kind."""
    for member in DEMO_MEMBERS:
        if member.role == kind:
            return member
    raise KeyError(kind)


def applicant_code(index: int) -> str:
    """The demo credit code of applicant ``index`` (from 0) as a registered subject."""
    return demo_uscc(APPLICANT_SERIAL_BASE + index)


def applicant_name(index: int) -> str:
    """A made-up enterprise name with 演示 in its trade name, different per ``index``."""
    trade = _TRADE_NAMES[index % len(_TRADE_NAMES)]
    return f"济南演示{trade}{index + 1:03d}信息技术有限公司"


def examples_dir() -> Path:
    """The repository's ``examples`` directory (asset types and the process file)."""
    return Path(__file__).resolve().parents[3] / "examples"


@dataclass(frozen=True, slots=True)
class DemoOptions:
    """How many cases to run and how the demo department systems answer."""

    cases: int = 3
    delay_ms: int = 0
    reject_rate: float = 0.0
    return_rate: float = 0.0
    seed: int = 0

    def validate(self) -> None:
        """Raise ValidationError naming the option out of its range."""
        if not 1 <= self.cases <= MAX_CASES:
            raise ValidationError(f"--cases: expected 1..{MAX_CASES}")
        if not 0 <= self.delay_ms <= MAX_DELAY_MS:
            raise ValidationError(f"--delay-ms: expected 0..{MAX_DELAY_MS}")
        for name, rate in (
            ("--reject-rate", self.reject_rate),
            ("--return-rate", self.return_rate),
        ):
            if not 0.0 <= rate <= 1.0:
                raise ValidationError(f"{name}: expected 0..1")
        if self.seed < 0:
            raise ValidationError("--seed: expected 0 or more")
