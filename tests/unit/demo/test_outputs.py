"""Each demo department answers with fields its example asset type accepts (issue 18 item 6)."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest

from govchain.client.asset_types import load_type_file
from govchain.codes import check_citizen_id, check_uscc
from govchain.codes.demo import DEMO_SUBJECT_MARKER
from govchain.codes.uscc import org_code_check_character, uscc_check_character
from govchain.contracts.assets.schema import parse_schema
from govchain.demo import KINDS
from govchain.demo.outputs import output_fields

from .demo_requests import CREDIT_CODE, DAY, NAME, answer, body, form_for, system

EXAMPLES = Path(__file__).resolve().parents[3] / "examples" / "asset-types"
TYPE_FILES = {
    "licence": "business_licence",
    "seal": "seal_filing",
    "social": "social_security",
    "medical": "medical_insurance",
    "housing": "housing_fund",
    "bank": "bank_account",
    "tax": "tax_registration",
}


def test_every_kind_has_a_type_file() -> None:
    assert set(TYPE_FILES) == set(KINDS)


@pytest.mark.parametrize("kind", KINDS)
def test_approved_output_passes_the_asset_types_schema(kind: str) -> None:
    type_args = load_type_file(EXAMPLES / f"{TYPE_FILES[kind]}.toml")
    schema = parse_schema(type_args["schema"])
    reply = answer(system(kind), body(kind))
    assert reply["outcome"] == "approved", reply
    output = reply["output"]
    assert isinstance(output, dict)
    schema.check_fields(output)
    sample = json.loads((EXAMPLES / f"{TYPE_FILES[kind]}.fields.json").read_text("utf-8"))
    assert set(output) == set(sample)  # every field of the example, none more


@pytest.mark.parametrize("kind", KINDS)
def test_output_names_the_enterprise_of_the_form(kind: str) -> None:
    output = output_fields(kind, form_for(kind), 12345, DAY)
    names = [v for k, v in output.items() if k in ("名称", "单位名称", "存款人名称", "纳税人名称")]
    assert names == [NAME]
    codes = [v for k, v in output.items() if k in ("统一社会信用代码", "纳税人识别号")]
    assert len(codes) == 1
    assert isinstance(codes[0], str)
    check_uscc(codes[0])
    if kind != "licence":
        assert codes[0] == CREDIT_CODE
    for value in output.values():
        if isinstance(value, str) and len(value) == 18 and value[:17].isdigit():
            check_citizen_id(value)  # a made-up citizen number, still a valid one


def test_licence_makes_a_demo_credit_code_from_the_serial() -> None:
    first = output_fields("licence", form_for("licence"), 10000, DAY)
    second = output_fields("licence", form_for("licence"), 10001, DAY)
    for output in (first, second):
        code = output["统一社会信用代码"]
        assert isinstance(code, str)
        check_uscc(code)
        assert code[8:11] == DEMO_SUBJECT_MARKER
        assert code[2:8] == "370102"
    assert first["统一社会信用代码"] != second["统一社会信用代码"]
    assert first["成立日期"] == first["发照日期"] == "2024-03-15"


def test_licence_takes_its_region_from_the_form() -> None:
    form = {**form_for("licence"), "所属区划": "370103"}
    code = output_fields("licence", form, 10000, DAY)["统一社会信用代码"]
    assert isinstance(code, str)
    assert code[2:8] == "370103"


@pytest.mark.parametrize(
    ("kind", "form", "field"),
    [
        ("licence", {}, "名称"),
        ("licence", {"名称": "济南链信信息技术有限公司"}, "名称"),  # no 演示: could be real
        ("licence", {"名称": NAME, "注册资本": -1}, "注册资本"),
        ("licence", {"名称": NAME, "类型": "无限公司"}, "类型"),
        ("licence", {"名称": NAME, "所属区划": "37010"}, "所属区划"),
        ("seal", {"名称": NAME}, "统一社会信用代码"),
        ("social", {"名称": NAME, "统一社会信用代码": CREDIT_CODE[:-1] + "0"}, "统一社会信用代码"),
        ("housing", {**form_for("housing"), "缴存比例": 13}, "缴存比例"),
        ("bank", {**form_for("bank"), "法定代表人": 7}, "法定代表人"),
    ],
)
def test_a_form_that_cannot_make_the_output_is_returned_naming_the_field(
    kind: str, form: dict[str, object], field: str
) -> None:
    reply = answer(system(kind), {**body(kind), "form": form})
    assert reply["outcome"] == "returned"
    assert field in str(reply["reason"])
    assert "output" not in reply


def test_a_valid_code_that_is_not_a_demo_code_is_returned() -> None:
    subject = "TXT00001"  # no assigned prefix, made up here
    first17 = "91370102" + subject + org_code_check_character(subject)
    code = first17 + uscc_check_character(first17)
    check_uscc(code)
    reply = answer(system("tax"), {**body("tax"), "form": {"名称": NAME, "统一社会信用代码": code}})
    assert reply["outcome"] == "returned"
    assert "only demo codes" in str(reply["reason"])
    assert code not in json.dumps(reply, ensure_ascii=False)


def test_housing_contributions_start_the_next_month() -> None:
    december = output_fields("housing", form_for("housing"), 10000, dt.date(2024, 12, 31))
    assert december["起缴月份"] == "2025-01"
    assert output_fields("housing", form_for("housing"), 10000, DAY)["起缴月份"] == "2024-04"


def test_unknown_kind_and_serial_out_of_range_are_refused() -> None:
    with pytest.raises(ValueError, match="unknown department kind"):
        output_fields("court", form_for("seal"), 10000, DAY)
    with pytest.raises(ValueError, match="serial"):
        output_fields("seal", form_for("seal"), 100_000, DAY)
