"""The fields each kind of demo department issues, filled from the case's form (pure).

One builder per kind makes the fields of that department's output asset,
as the example asset types define them (``examples/asset-types/<file>.toml``):

| kind | output asset type | example file |
|---|---|---|
| ``licence`` | 营业执照 | ``business_licence`` |
| ``seal`` | 印章刻制备案 | ``seal_filing`` |
| ``social`` | 社会保险登记 | ``social_security`` |
| ``medical`` | 医疗保险参保单位登记 | ``medical_insurance`` |
| ``housing`` | 单位住房公积金缴存登记 | ``housing_fund`` |
| ``bank`` | 银行基本存款账户 | ``bank_account`` |
| ``tax`` | 新办纳税人税务登记 | ``tax_registration`` |

Every value is demo data: the enterprise's name must carry 演示 or 示例, a
credit code must be a demo code (subject code ``DEM``, from
:func:`govchain.codes.demo_uscc`), people are placeholders (张某某, 李某某) with
citizen numbers from :func:`govchain.codes.demo_citizen_id`, and every number
a department assigns is made from the system's serial. A form that cannot
make a valid output raises :class:`FormProblemError`, whose reason names the field
(never its value): the department returns the step for correction.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping

from govchain.codes import CodeError, check_uscc, demo_citizen_id, demo_uscc
from govchain.codes.demo import DEMO_SUBJECT_MARKER

__all__ = [
    "DEFAULT_REGION",
    "DEPARTMENT_NAMES",
    "KINDS",
    "FormProblemError",
    "output_fields",
]

KINDS = ("licence", "seal", "social", "medical", "housing", "bank", "tax")
"""The kinds of department system, in the order of the enterprise-setup process."""

DEPARTMENT_NAMES: dict[str, str] = {
    "licence": "济南市演示行政审批服务局",
    "seal": "济南市演示公安局",
    "social": "济南市演示社会保险事业中心",
    "medical": "济南市演示医疗保障服务中心",
    "housing": "济南演示住房公积金管理中心",
    "bank": "济南演示商业银行历下支行",
    "tax": "济南市演示税务局",
}
"""The made-up department behind each kind (演示 in every name)."""

DEFAULT_REGION = "370102"
"""历下区, the region of a licence whose form names none."""

_DEMO_WORDS = ("演示", "示例")
_COMPANY_TYPES = (
    "有限责任公司(自然人投资或控股)",
    "有限责任公司(自然人独资)",
    "股份有限公司",
    "个人独资企业",
    "合伙企业",
)
_UNIT_TYPES = ("企业", "机关", "事业单位", "社会团体", "民办非企业单位", "个体工商户")
_SEAL_NAMES = ("单位公章", "财务专用章", "发票专用章", "合同专用章", "法定代表人名章")
_TAXPAYER_TYPES = ("一般纳税人", "小规模纳税人")
_SCOPE = (
    "一般项目：技术服务、技术开发、技术咨询、技术交流、技术转让、技术推广；软件开发；"
    "信息系统集成服务。（除依法须经批准的项目外，凭营业执照依法自主开展经营活动）"
)
_LEGAL_REPRESENTATIVE = "张某某"
_TAX_OFFICER = "李某某"
_MAX_CAPITAL = 10**9  # 万元
_UNIT_SERIAL_DIGITS = 6


class FormProblemError(Exception):
    """The form cannot make this department's output; ``reason`` names the field, not its value."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def output_fields(
    kind: str, form: Mapping[str, object], serial: int, today: dt.date
) -> dict[str, object]:
    """The output fields of department ``kind`` for ``form``, numbered with ``serial``.

    ``serial`` (0..99999) is the system's running number for this answer; the
    same kind, form, serial and day always give the same fields. Raises
    :class:`FormProblemError` for a form that lacks or misstates what the output
    needs, and ``ValueError`` for an unknown kind or a serial out of range.
    """
    if kind not in _BUILDERS:
        raise ValueError(f"unknown department kind {kind!r}; expected one of {', '.join(KINDS)}")
    if not 0 <= serial <= 99_999:
        raise ValueError("a serial is 0 to 99999")
    return _BUILDERS[kind](form, serial, today)


def _licence(form: Mapping[str, object], serial: int, today: dt.date) -> dict[str, object]:
    region = _text(form, "所属区划", DEFAULT_REGION, 6)
    if len(region) != 6 or not region.isascii() or not region.isdigit():
        raise FormProblemError("form field 所属区划: expected a 6-digit region code")
    code = demo_uscc(serial, region)
    try:
        check_uscc(code)
    except CodeError as exc:  # a region the code checks refuse
        reason = f"form field 所属区划: no credit code can be made ({exc.check})"
        raise FormProblemError(reason) from None
    return {
        "名称": _enterprise_name(form),
        "统一社会信用代码": code,
        "类型": _choice(form, "类型", _COMPANY_TYPES, _COMPANY_TYPES[0]),
        "法定代表人": _text(form, "法定代表人", _LEGAL_REPRESENTATIVE, 64),
        "注册资本": _integer(form, "注册资本", 100, 0, _MAX_CAPITAL),
        "成立日期": today.isoformat(),
        "营业期限": _text(form, "营业期限", "长期", 32),
        "住所": _text(form, "住所", "山东省济南市历下区演示路1号", 200),
        "经营范围": _text(form, "经营范围", _SCOPE, 4096),
        "登记机关": DEPARTMENT_NAMES["licence"],
        "发照日期": today.isoformat(),
    }


def _seal(form: Mapping[str, object], serial: int, today: dt.date) -> dict[str, object]:
    return {
        "单位名称": _enterprise_name(form),
        "统一社会信用代码": _credit_code(form),
        "印章名称": _choice(form, "印章名称", _SEAL_NAMES, _SEAL_NAMES[0]),
        "防伪编码": f"DEMO{serial:012d}",
        "刻制单位": "济南演示印章刻制有限公司",
        "备案日期": today.isoformat(),
        "法定代表人": _text(form, "法定代表人", _LEGAL_REPRESENTATIVE, 64),
        "法定代表人公民身份号码": demo_citizen_id(1),
    }


def _social(form: Mapping[str, object], serial: int, today: dt.date) -> dict[str, object]:
    code = _credit_code(form)
    region = _region_of(code)
    return {
        "单位名称": _enterprise_name(form),
        "统一社会信用代码": code,
        "社会保险登记编号": f"DEMO-SI-{region}-{serial:0{_UNIT_SERIAL_DIGITS}d}",
        "单位类型": _choice(form, "单位类型", _UNIT_TYPES, _UNIT_TYPES[0]),
        "所属区划": region,
        "所属行业": _text(form, "所属行业", "软件和信息技术服务业", 100),
        "经办机构": DEPARTMENT_NAMES["social"],
        "登记日期": today.isoformat(),
        "联系人": _text(form, "联系人", _LEGAL_REPRESENTATIVE, 64),
    }


def _medical(form: Mapping[str, object], serial: int, today: dt.date) -> dict[str, object]:
    code = _credit_code(form)
    region = _region_of(code)
    return {
        "单位名称": _enterprise_name(form),
        "统一社会信用代码": code,
        "单位医保编号": f"DEMO-MI-{region}-{serial:0{_UNIT_SERIAL_DIGITS}d}",
        "单位类型": _choice(form, "单位类型", _UNIT_TYPES, _UNIT_TYPES[0]),
        "所属区划": region,
        "经办机构": DEPARTMENT_NAMES["medical"],
        "参保日期": today.isoformat(),
        "联系人": _text(form, "联系人", _LEGAL_REPRESENTATIVE, 64),
    }


def _housing(form: Mapping[str, object], serial: int, today: dt.date) -> dict[str, object]:
    code = _credit_code(form)
    region = _region_of(code)
    return {
        "单位名称": _enterprise_name(form),
        "统一社会信用代码": code,
        "单位公积金账号": f"DEMO-HF-{region}-{serial:0{_UNIT_SERIAL_DIGITS}d}",
        "缴存比例": _integer(form, "缴存比例", 12, 5, 12),
        "起缴月份": _next_month(today),
        "受托银行": DEPARTMENT_NAMES["bank"],
        "经办机构": DEPARTMENT_NAMES["housing"],
        "登记日期": today.isoformat(),
        "法定代表人": _text(form, "法定代表人", _LEGAL_REPRESENTATIVE, 64),
    }


def _bank(form: Mapping[str, object], serial: int, today: dt.date) -> dict[str, object]:
    return {
        "存款人名称": _enterprise_name(form),
        "统一社会信用代码": _credit_code(form),
        "账户性质": "基本存款账户",
        "开户银行": DEPARTMENT_NAMES["bank"],
        "账号": f"0000{serial:012d}",  # leading zeros: no bank's account number
        "开户日期": today.isoformat(),
        "法定代表人": _text(form, "法定代表人", _LEGAL_REPRESENTATIVE, 64),
    }


def _tax(form: Mapping[str, object], serial: int, today: dt.date) -> dict[str, object]:
    del serial  # the taxpayer number is the credit code itself
    return {
        "纳税人名称": _enterprise_name(form),
        "纳税人识别号": _credit_code(form),
        "纳税人类型": _choice(form, "纳税人类型", _TAXPAYER_TYPES, "小规模纳税人"),
        "主管税务机关": DEPARTMENT_NAMES["tax"],
        "登记日期": today.isoformat(),
        "发票种类": _text(form, "发票种类", "增值税电子普通发票", 200),
        "办税人员": _text(form, "办税人员", _TAX_OFFICER, 64),
        "办税人员公民身份号码": demo_citizen_id(2),
    }


_BUILDERS: dict[str, Callable[[Mapping[str, object], int, dt.date], dict[str, object]]] = {
    "licence": _licence,
    "seal": _seal,
    "social": _social,
    "medical": _medical,
    "housing": _housing,
    "bank": _bank,
    "tax": _tax,
}


def _enterprise_name(form: Mapping[str, object]) -> str:
    name = form.get("名称")
    if not isinstance(name, str) or not name.strip():
        raise FormProblemError("form field 名称 (the enterprise's name) is missing")
    if len(name) > 100:
        raise FormProblemError("form field 名称: at most 100 characters")
    if not any(word in name for word in _DEMO_WORDS):
        reason = "form field 名称: a demo department registers only names with 演示 or 示例"
        raise FormProblemError(reason)
    return name


def _credit_code(form: Mapping[str, object]) -> str:
    code = form.get("统一社会信用代码")
    if not isinstance(code, str) or not code:
        raise FormProblemError("form field 统一社会信用代码 is missing (the licence step makes it)")
    try:
        check_uscc(code)
    except CodeError as exc:
        reason = f"form field 统一社会信用代码: not a valid credit code ({exc.check})"
        raise FormProblemError(reason) from None
    if code[8:11] != DEMO_SUBJECT_MARKER:
        raise FormProblemError(
            "form field 统一社会信用代码: a demo department takes only demo codes"
        )
    return code


def _region_of(credit_code: str) -> str:
    """The registration region inside a credit code (its characters 3 to 8)."""
    return credit_code[2:8]


def _text(form: Mapping[str, object], name: str, default: str, max_length: int) -> str:
    value = form.get(name, default)
    if not isinstance(value, str) or not value:
        raise FormProblemError(f"form field {name}: expected text")
    if len(value) > max_length:
        raise FormProblemError(f"form field {name}: at most {max_length} characters")
    return value


def _choice(form: Mapping[str, object], name: str, values: tuple[str, ...], default: str) -> str:
    value = form.get(name, default)
    if value not in values:
        raise FormProblemError(f"form field {name}: expected one of {', '.join(values)}")
    assert isinstance(value, str)
    return value


def _integer(form: Mapping[str, object], name: str, default: int, low: int, high: int) -> int:
    value = form.get(name, default)
    if not isinstance(value, int) or isinstance(value, bool) or not low <= value <= high:
        raise FormProblemError(f"form field {name}: expected an integer from {low} to {high}")
    return value


def _next_month(today: dt.date) -> str:
    """``YYYY-MM`` of the month after ``today``: contributions start there."""
    if today.month == 12:
        return f"{today.year + 1:04d}-01"
    return f"{today.year:04d}-{today.month + 1:02d}"
