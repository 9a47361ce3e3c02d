"""Asset types' field schema: definition, canonical form, value checks (issue 16, F-C1, F-C7).

Every rule is tested both accepting and refusing. Values in these tests stand
for personal data: no error message may contain one.
"""

from __future__ import annotations

import contextlib
import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from govchain.codes.demo import demo_citizen_id
from govchain.contracts.assets.field_rules import FieldRule, is_calendar_date, is_field_name
from govchain.contracts.assets.schema import FieldSchema, parse_schema
from govchain.types.errors import ValidationError

ID_NUMBER = demo_citizen_id(16)


def schema_of(properties: dict[Any, Any], required: list[str] | None = None) -> dict[str, Any]:
    body: dict[str, Any] = {"type": "object", "properties": properties}
    if required is not None:
        body["required"] = required
    return body


LICENCE = schema_of(
    {
        "名称": {"type": "string", "maxLength": 100, "public": True},
        "统一社会信用代码": {
            "type": "string",
            "maxLength": 18,
            "pattern": "[0-9A-HJ-NPQRTUWXY]{18}",
            "public": True,
        },
        "注册资本": {"type": "integer", "minimum": 0, "maximum": 10_000_000, "public": True},
        "成立日期": {"type": "string", "format": "date", "public": True},
        "类型": {"enum": ["有限责任公司", "股份有限公司"], "public": True},
        "法定代表人": {"type": "string", "maxLength": 64},
        "身份号码": {"type": "string", "maxLength": 18, "pattern": r"\d{17}[\dX]"},
    },
    ["名称", "统一社会信用代码", "法定代表人"],
)
GOOD_FIELDS = {
    "名称": "济南演示链信信息技术有限公司",
    "统一社会信用代码": "91370102DEM0100129",
    "注册资本": 100,
    "成立日期": "2024-02-29",
    "类型": "有限责任公司",
    "法定代表人": "张某某",
    "身份号码": ID_NUMBER,
}


def refused(obj: object, message: str) -> None:
    with pytest.raises(ValidationError) as caught:
        parse_schema(obj)
    assert str(caught.value) == message


# --- definition -------------------------------------------------------------------------


def test_f_c1_a_schema_of_every_kind_parses_with_fields_in_name_order() -> None:
    schema = parse_schema(LICENCE)
    assert [rule.name for rule in schema.fields] == sorted(LICENCE["properties"])
    assert schema.required == tuple(sorted(["名称", "统一社会信用代码", "法定代表人"]))
    kinds = {rule.name: rule.kind for rule in schema.fields}
    assert kinds["注册资本"] == "integer"
    assert kinds["成立日期"] == "date"
    assert kinds["类型"] == "enum"
    assert kinds["名称"] == "string"


def test_f_c1_canonical_form_is_normalized_and_round_trips() -> None:
    loose = schema_of({"b": {"type": "integer"}, "a": {"enum": ["x"]}}, ["b", "a"])
    schema = parse_schema(loose)
    assert schema.to_cbor() == {
        "type": "object",
        "properties": {
            "a": {"enum": ["x"], "public": False},
            "b": {"type": "integer", "public": False},
        },
        "required": ["a", "b"],
    }
    assert parse_schema(schema.to_cbor()) == schema
    assert FieldSchema.from_cbor(schema.to_cbor()) == schema
    full = parse_schema(LICENCE)
    assert FieldSchema.from_cbor(full.to_cbor()) == full
    assert parse_schema(full.to_cbor()).to_cbor() == full.to_cbor()


def test_f_c1_required_may_be_left_out_and_properties_may_be_empty() -> None:
    assert parse_schema(schema_of({"a": {"type": "integer"}})).required == ()
    assert parse_schema(schema_of({})).fields == ()


@pytest.mark.parametrize(
    ("obj", "message"),
    [
        ([], "schema: expected a map"),
        ({"properties": {}}, 'schema.type: expected "object"'),
        ({"type": "array", "properties": {}}, 'schema.type: expected "object"'),
        ({"type": "object"}, "schema.properties: expected a map"),
        ({"type": "object", "properties": []}, "schema.properties: expected a map"),
        (
            {"type": "object", "properties": {}, "additionalProperties": False},
            "schema: unknown keyword 'additionalProperties' (allowed: type, properties, required)",
        ),
        ({1: "object"}, "schema: every keyword is text"),
    ],
)
def test_f_c1_top_level_shape_refused(obj: object, message: str) -> None:
    refused(obj, message)


def test_f_c1_at_most_64_properties() -> None:
    parse_schema(schema_of({f"f{i}": {"type": "integer"} for i in range(64)}))
    refused(
        schema_of({f"f{i}": {"type": "integer"} for i in range(65)}),
        "schema.properties: at most 64 fields",
    )


@pytest.mark.parametrize("name", ["a", "A_1", "注册资本", "㐀", "𠀀名", "x" * 64, "_"])
def test_f_c1_field_names_accepted(name: str) -> None:
    assert is_field_name(name)
    parse_schema(schema_of({name: {"type": "integer"}}))


@pytest.mark.parametrize(
    "name", ["", "x" * 65, "a-b", "a b", "名.称", "é", "ａ", "٣", "名称（一）"]
)
def test_f_c1_field_names_refused(name: str) -> None:
    assert not is_field_name(name)
    with pytest.raises(ValidationError, match=r"^schema\.properties: .* is not a field name"):
        parse_schema(schema_of({name: {"type": "integer"}}))


def test_f_c1_a_property_name_that_is_not_text_is_refused() -> None:
    refused(
        schema_of({5: {"type": "integer"}}),
        "schema.properties: int is not a field name (1..64 letters, digits, _ or CJK)",
    )


@pytest.mark.parametrize(
    ("prop", "message"),
    [
        ("x", ": expected a map"),
        ({}, '.type: expected "string" or "integer" (or an "enum")'),
        ({"type": "number"}, '.type: expected "string" or "integer" (or an "enum")'),
        ({"type": "boolean"}, '.type: expected "string" or "integer" (or an "enum")'),
        ({"type": "string"}, ".maxLength: missing (a string field needs one)"),
        ({"type": "string", "maxLength": 0}, ".maxLength: expected an integer in 1..4096"),
        ({"type": "string", "maxLength": 4097}, ".maxLength: expected an integer in 1..4096"),
        ({"type": "string", "maxLength": True}, ".maxLength: expected an integer"),
        ({"type": "string", "maxLength": 1.5}, ".maxLength: expected an integer"),
        ({"type": "string", "maxLength": "9"}, ".maxLength: expected an integer"),
        (
            {"type": "string", "maxLength": 9, "minLength": 1},
            ": unknown keyword 'minLength' (allowed: type, maxLength, pattern, public)",
        ),
        (
            {"type": "string", "maxLength": 9, "pattern": ""},
            ".pattern: expected a non-empty regular expression",
        ),
        (
            {"type": "string", "maxLength": 9, "pattern": 7},
            ".pattern: expected a non-empty regular expression",
        ),
        (
            {"type": "string", "maxLength": 9, "pattern": "a" * 129},
            ".pattern: at most 128 characters",
        ),
        (
            {"type": "string", "maxLength": 9, "pattern": "(a"},
            ".pattern: does not compile (missing ), unterminated subpattern, at 0)",
        ),
        (
            {"type": "string", "maxLength": 9, "pattern": "a{99999999999}"},
            ".pattern: does not compile (a repeat or nesting too large)",
        ),
        ({"type": "string", "maxLength": 9, "public": 1}, ".public: expected true or false"),
        ({"type": "string", "format": "date-time"}, '.format: expected "date"'),
        (
            {"type": "string", "format": "date", "maxLength": 10},
            ": unknown keyword 'maxLength' (allowed: type, format, public)",
        ),
        ({"type": "integer", "minimum": 1.0}, ".minimum: expected an integer"),
        ({"type": "integer", "maximum": True}, ".maximum: expected an integer"),
        ({"type": "integer", "minimum": 2**63}, ".minimum: expected a 64-bit integer"),
        ({"type": "integer", "maximum": -(2**63) - 1}, ".maximum: expected a 64-bit integer"),
        ({"type": "integer", "minimum": 5, "maximum": 4}, ".maximum: less than the minimum"),
        (
            {"type": "integer", "maxLength": 4},
            ": unknown keyword 'maxLength' (allowed: type, minimum, maximum, public)",
        ),
        ({"enum": []}, ".enum: expected 1..64 values"),
        ({"enum": "ab"}, ".enum: expected a list of 1..64 values"),
        ({"enum": [str(i) for i in range(65)]}, ".enum: expected a list of 1..64 values"),
        ({"enum": ["a", "a"]}, ".enum: a value is listed twice"),
        ({"enum": ["a", 1]}, ".enum: every value is text"),
        ({"enum": [""]}, ".enum: every value is text of 1..256 characters"),
        ({"enum": ["x" * 257]}, ".enum: every value is text of 1..256 characters"),
        ({"enum": ["a"], "type": "string"}, ".type: an enum property has no type"),
        ({"enum": ["a"], "default": "a"}, ": unknown keyword 'default' (allowed: enum, public)"),
    ],
)
def test_f_c1_property_rules_refused_naming_the_path(prop: object, message: str) -> None:
    refused(schema_of({"注册资本": prop}), f"schema.properties.注册资本{message}")


@pytest.mark.parametrize(
    "prop",
    [
        {"type": "string", "maxLength": 1},
        {"type": "string", "maxLength": 4096, "pattern": "a" * 128, "public": False},
        {"type": "integer", "minimum": -(2**63), "maximum": 2**63 - 1},
        {"type": "integer", "minimum": 3, "maximum": 3, "public": True},
        {"type": "string", "format": "date", "public": True},
        {"enum": [str(i) for i in range(64)]},
        {"enum": ["x" * 256]},
    ],
)
def test_f_c1_property_rules_at_their_limits_accepted(prop: dict[str, Any]) -> None:
    parse_schema(schema_of({"f": prop}))


def test_f_c1_the_spec_example_message() -> None:
    bad = schema_of({"注册资本": {"type": "integer", "maximum": "100"}})
    refused(bad, "schema.properties.注册资本.maximum: expected an integer")


@pytest.mark.parametrize(
    ("required", "message"),
    [
        ("a", "schema.required: expected a list of at most 64 names"),
        (["b"], "schema.required: 'b' is not a declared property"),
        ([1], "schema.required: int is not a declared property"),
        (["a", "a"], "schema.required: a name is listed twice"),
    ],
)
def test_f_c1_required_names_must_be_declared(required: object, message: str) -> None:
    refused(
        {"type": "object", "properties": {"a": {"type": "integer"}}, "required": required}, message
    )


def test_f_c1_from_cbor_does_not_compile_but_definition_does() -> None:
    stored = {
        "type": "object",
        "properties": {"a": {"type": "string", "maxLength": 3, "pattern": "(", "public": False}},
        "required": [],
    }
    assert FieldSchema.from_cbor(stored).fields[0].pattern == "("
    with pytest.raises(ValidationError, match="does not compile"):
        parse_schema(stored)


def test_f_c1_validate_refuses_hand_built_schemas() -> None:
    with pytest.raises(ValidationError, match="names must be distinct and in order"):
        FieldSchema((FieldRule("b", "date"), FieldRule("a", "date"))).validate()
    with pytest.raises(ValidationError, match="'c' is not a declared property"):
        FieldSchema((FieldRule("a", "date"),), ("c",)).validate()
    with pytest.raises(ValidationError, match="a date field has no max_length"):
        FieldSchema((FieldRule("a", "date", max_length=3),)).validate()
    with pytest.raises(ValidationError, match="unknown kind"):
        FieldSchema((FieldRule("a", "float"),)).validate()
    FieldSchema((FieldRule("a", "date"), FieldRule("b", "integer")), ("a",)).validate()


# --- values -------------------------------------------------------------------------


def licence() -> FieldSchema:
    return parse_schema(LICENCE)


def test_f_c1_good_fields_pass_and_the_public_part_passes_the_chain() -> None:
    schema = licence()
    schema.check_fields(GOOD_FIELDS)
    public = schema.public_part(GOOD_FIELDS)
    assert sorted(public) == ["名称", "成立日期", "注册资本", "类型", "统一社会信用代码"]
    assert list(public) == sorted(public)
    assert "法定代表人" not in public
    assert "身份号码" not in public
    schema.check_public(public)


@pytest.mark.parametrize(
    ("name", "value", "rule"),
    [
        ("名称", "演" * 101, "longer than maxLength 100"),
        ("名称", 5, "expected text"),
        ("名称", None, "expected text"),
        ("注册资本", -1, "below the minimum 0"),
        ("注册资本", 10_000_001, "above the maximum 10000000"),
        ("注册资本", True, "expected an integer"),
        ("注册资本", 100.0, "expected an integer"),
        ("注册资本", "100", "expected an integer"),
        ("成立日期", "2023-02-29", "expected a calendar date YYYY-MM-DD"),
        ("成立日期", "2024-13-01", "expected a calendar date YYYY-MM-DD"),
        ("成立日期", "2024-1-01", "expected a calendar date YYYY-MM-DD"),
        ("成立日期", "20240101", "expected a calendar date YYYY-MM-DD"),
        ("成立日期", 20240101, "expected text"),
        ("类型", "合伙企业", "not one of the enum's values (有限责任公司, 股份有限公司)"),
    ],
)
def test_f_c1_values_checked_by_kind_on_chain_and_in_client(
    name: str, value: object, rule: str
) -> None:
    schema = licence()
    with pytest.raises(ValidationError) as on_chain:
        schema.check_public({**schema.public_part(GOOD_FIELDS), name: value})
    assert str(on_chain.value) == f"metadata.{name}: {rule}"
    with pytest.raises(ValidationError) as in_client:
        schema.check_fields({**GOOD_FIELDS, name: value})
    assert str(in_client.value) == f"fields.{name}: {rule}"


def test_f_c1_pattern_is_checked_by_the_client_only() -> None:
    schema = licence()
    lowercase = {**GOOD_FIELDS, "统一社会信用代码": "91370102dem0100129"}
    with pytest.raises(ValidationError, match=r"^fields\.统一社会信用代码: does not match"):
        schema.check_fields(lowercase)
    schema.check_public(schema.public_part(lowercase))  # the chain runs no pattern


def test_f_c1_pattern_must_match_the_whole_value() -> None:
    prop = {"type": "string", "maxLength": 10, "pattern": r"\d{6}"}
    schema = parse_schema(schema_of({"区划": prop}))
    schema.check_fields({"区划": "370102"})
    for value in ("3701020", "x370102", "37010"):
        with pytest.raises(ValidationError, match=r"^fields\.区划: does not match"):
            schema.check_fields({"区划": value})


def test_f_c1_chain_refuses_private_unknown_and_missing_fields() -> None:
    schema = licence()
    public = schema.public_part(GOOD_FIELDS)
    with pytest.raises(ValidationError, match=r"^metadata\.法定代表人: not a public field"):
        schema.check_public({**public, "法定代表人": "张某某"})
    with pytest.raises(ValidationError, match=r"^metadata: a key is not a field of the type"):
        schema.check_public({**public, "备注": "x"})
    with pytest.raises(ValidationError, match=r"^metadata\.名称: missing \(required\)$"):
        schema.check_public({k: v for k, v in public.items() if k != "名称"})
    without_optional = {k: v for k, v in public.items() if k != "注册资本"}
    schema.check_public(without_optional)
    # a required private field is the client's business, not the chain's
    schema.check_public(public)


def test_f_c1_client_refuses_unknown_and_missing_fields() -> None:
    schema = licence()
    with pytest.raises(ValidationError) as caught:
        schema.check_fields({**GOOD_FIELDS, "备注": "x"})
    names = ", ".join(sorted(LICENCE["properties"]))
    assert str(caught.value) == f"fields: a key is not a field of the type (its fields: {names})"
    many = parse_schema(schema_of({f"field_{i:02d}": {"type": "integer"} for i in range(64)}))
    with pytest.raises(ValidationError) as caught:
        many.check_fields({"备注": 1})
    assert str(caught.value) == "fields: a key is not a field of the type (see its schema)"
    with pytest.raises(ValidationError, match=r"^fields\.法定代表人: missing \(required\)$"):
        schema.check_fields({k: v for k, v in GOOD_FIELDS.items() if k != "法定代表人"})


@pytest.mark.parametrize(
    ("metadata", "message"),
    [
        ([], "metadata: expected a map"),
        ({1: 2}, "metadata: every key is a field name (text)"),
        ({f"f{i}": 1 for i in range(65)}, "metadata: more than 64 fields"),
        ({"a b": 1}, "metadata: a key is not a field of the type (its fields: "),
    ],
)
def test_f_c1_metadata_shape_refused(metadata: object, message: str) -> None:
    with pytest.raises(ValidationError) as caught:
        licence().check_public(metadata)
    assert str(caught.value).startswith(message)


def test_f_c1_integer_without_bounds_is_a_64_bit_integer() -> None:
    schema = parse_schema(schema_of({"n": {"type": "integer", "public": True}}))
    schema.check_public({"n": 2**63 - 1})
    schema.check_public({"n": -(2**63)})
    with pytest.raises(ValidationError, match="not a 64-bit integer"):
        schema.check_public({"n": 2**63})


def test_f_c1_string_length_counts_characters_not_bytes() -> None:
    schema = parse_schema(schema_of({"s": {"type": "string", "maxLength": 3, "public": True}}))
    schema.check_public({"s": "演示链"})  # 9 bytes in UTF-8, 3 characters
    with pytest.raises(ValidationError, match="longer than maxLength 3"):
        schema.check_public({"s": "演示链信"})


# --- personal data ---------------------------------------------------------------------


def test_f_c7_a_bad_value_never_appears_in_the_message() -> None:
    secret = ID_NUMBER
    schema = parse_schema(
        schema_of(
            {
                "身份号码": {"type": "string", "maxLength": 18, "pattern": r"\d{17}[\dX]"},
                "短": {"type": "string", "maxLength": 5, "public": True},
                "日": {"type": "string", "format": "date", "public": True},
                "类": {"enum": ["a"], "public": True},
            }
        )
    )
    attempts: list[Callable[[], None]] = [
        lambda: schema.check_fields({"身份号码": secret + "1"}),
        lambda: schema.check_fields({"身份号码": "A" + secret[1:]}),
        lambda: schema.check_public({"短": secret}),
        lambda: schema.check_public({"日": secret}),
        lambda: schema.check_public({"类": secret}),
        lambda: schema.check_public({"身份号码": secret}),
        lambda: schema.check_public({secret + "-": 1}),
        lambda: schema.check_public({secret: 1}),
        lambda: schema.check_fields({secret: 1}),
        lambda: schema.check_fields({"短": [secret]}),
    ]
    for attempt in attempts:
        with pytest.raises(ValidationError) as caught:
            attempt()
        assert secret not in str(caught.value)
        assert secret[:6] + secret[-4:] not in str(caught.value)


json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**70), max_value=2**70)
    | st.floats(allow_nan=True)
    | st.text(max_size=20)
    | st.sampled_from(["2024-02-29", "2023-02-29", "有限责任公司", "0000-01-01", "9999-12-31"]),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=5), inner, max_size=4)
    ),
    max_leaves=12,
)
metadata_like = st.dictionaries(
    st.sampled_from(sorted(LICENCE["properties"])) | st.text(max_size=8), json_values, max_size=8
)


@given(st.one_of(metadata_like, json_values))
def test_f_c1_check_public_raises_only_validation_error(metadata: object) -> None:
    with contextlib.suppress(ValidationError):
        licence().check_public(metadata)


@given(st.one_of(metadata_like, json_values))
def test_f_c1_check_fields_raises_only_validation_error(fields: object) -> None:
    with contextlib.suppress(ValidationError):
        licence().check_fields(fields)


@given(st.dates(min_value=dt.date(1, 1, 1)) | st.text(alphabet="0123456789-", max_size=11))
def test_f_c1_calendar_dates_agree_with_the_standard_library(value: object) -> None:
    text = value.isoformat() if isinstance(value, dt.date) else str(value)
    try:
        expected = len(text) == 10 and dt.date.fromisoformat(text).isoformat() == text
    except ValueError:
        expected = False
    assert is_calendar_date(text) == expected


@given(
    st.recursive(
        json_values,
        lambda inner: st.dictionaries(st.text(max_size=9), inner, max_size=5),
        max_leaves=20,
    )
)
def test_f_c1_parse_schema_raises_only_validation_error(obj: object) -> None:
    with contextlib.suppress(ValidationError):
        parse_schema({"type": "object", "properties": obj})
