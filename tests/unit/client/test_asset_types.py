"""Asset type files (TOML) and field files (JSON): args of assets.type_define (issue 16, F-C1)."""

from __future__ import annotations

from pathlib import Path

import pytest

from govchain.client.asset_types import load_fields_file, load_type_file
from govchain.codes.demo import demo_citizen_id, demo_uscc
from govchain.contracts.assets.records import check_type_code
from govchain.contracts.assets.schema import FieldSchema, parse_schema
from govchain.types.errors import ValidationError

ISSUER = demo_uscc(1)
TYPE_CODE = demo_uscc(9001, region="110000") + "001"
HEAD = f"""
code = "{TYPE_CODE}"
name = "演示证照"
issuers = ["{ISSUER}"]
modes = ["window", "authority"]
validity = "days:365"
"""
FIELDS = """
[fields."名称"]
kind = "string"
max_length = 100
public = true
required = true

[fields."身份号码"]
kind = "string"
max_length = 18
pattern = '[0-9]{17}[0-9X]'
required = true

[fields."注册资本"]
kind = "integer"
minimum = 0
maximum = 100000
public = true

[fields."成立日期"]
kind = "date"
public = true

[fields."类型"]
kind = "enum"
values = ["甲", "乙"]
"""


def write(tmp_path: Path, text: str, name: str = "demo.toml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_f_c1_type_file_gives_the_type_define_args(tmp_path: Path) -> None:
    args = load_type_file(write(tmp_path, HEAD + FIELDS))
    assert sorted(args) == [
        "code",
        "issuers",
        "modes",
        "name",
        "regulator",
        "schema",
        "transfer",
        "validity",
    ]
    assert args["code"] == TYPE_CODE
    assert args["name"] == "演示证照"
    assert args["issuers"] == [ISSUER]
    assert args["modes"] == ["authority", "window"]  # the spec's order
    assert args["validity"] == "days:365"
    assert args["regulator"] == b""
    assert args["transfer"] == "none"
    assert args["schema"] == {
        "type": "object",
        "properties": {
            "名称": {"type": "string", "maxLength": 100, "public": True},
            "成立日期": {"type": "string", "format": "date", "public": True},
            "注册资本": {"type": "integer", "minimum": 0, "maximum": 100000, "public": True},
            "类型": {"enum": ["甲", "乙"], "public": False},
            "身份号码": {
                "type": "string",
                "maxLength": 18,
                "pattern": "[0-9]{17}[0-9X]",
                "public": False,
            },
        },
        "required": ["名称", "身份号码"],
    }
    assert parse_schema(args["schema"]).to_cbor() == args["schema"]


def test_f_c1_regulator_and_transfer_when_given(tmp_path: Path) -> None:
    extra = 'regulator = "' + "ab" * 20 + '"\ntransfer = "holders"\n'
    args = load_type_file(write(tmp_path, HEAD + extra + FIELDS))
    assert args["regulator"] == bytes.fromhex("ab" * 20)
    assert args["transfer"] == "holders"


@pytest.mark.parametrize("validity", ["long_term", "stated", "days:1", "days:36500"])
def test_f_c1_validity_rules_accepted(tmp_path: Path, validity: str) -> None:
    head = HEAD.replace('"days:365"', f'"{validity}"')
    assert load_type_file(write(tmp_path, head + FIELDS))["validity"] == validity


@pytest.mark.parametrize(
    ("replace", "by", "message"),
    [
        ('name = "演示证照"', 'name = ""', "name: expected text of 1..64 characters"),
        ('name = "演示证照"', "name = 5", "name: expected text of 1..64 characters"),
        (f'code = "{TYPE_CODE}"', f'code = "{TYPE_CODE[:-1]}"', "code: expected a credit code"),
        (f'code = "{TYPE_CODE}"', f'code = "{TYPE_CODE[:-1]}A"', "code: the last 3 characters"),
        (
            f'code = "{TYPE_CODE}"',
            'code = "91370102DEM000014X001"',
            "code: its first 18 characters",
        ),
        (f'issuers = ["{ISSUER}"]', "issuers = []", "issuers: expected a list of 1..32"),
        (f'issuers = ["{ISSUER}"]', f'issuers = "{ISSUER}"', "issuers: expected a list of 1..32"),
        (f'issuers = ["{ISSUER}"]', "issuers = [1]", "issuers[0]: expected a credit code (text)"),
        (f'issuers = ["{ISSUER}"]', f'issuers = ["{ISSUER[:-1]}Z"]', "issuers[0]: "),
        (
            f'issuers = ["{ISSUER}"]',
            f'issuers = ["{ISSUER}", "{ISSUER}"]',
            "issuers: a credit code is listed twice",
        ),
        ('modes = ["window", "authority"]', "modes = []", "modes: expected a non-empty list"),
        (
            'modes = ["window", "authority"]',
            'modes = ["post"]',
            "modes[0]: expected one of authority, window, department, self",
        ),
        ('modes = ["window", "authority"]', 'modes = ["self", "self"]', "modes: a mode is listed"),
        ('validity = "days:365"', 'validity = "days:0"', "validity: expected"),
        ('validity = "days:365"', 'validity = "days:36501"', "validity: expected"),
        ('validity = "days:365"', 'validity = "days:0365"', "validity: expected"),
        ('validity = "days:365"', 'validity = "days:"', "validity: expected"),
        ('validity = "days:365"', 'validity = "days:３"', "validity: expected"),
        ('validity = "days:365"', "validity = 365", "validity: expected"),
        ('validity = "days:365"', 'validity = "forever"', "validity: expected"),
    ],
)
def test_f_c1_top_level_errors_name_the_file_and_key(
    tmp_path: Path, replace: str, by: str, message: str
) -> None:
    path = write(tmp_path, HEAD.replace(replace, by) + FIELDS)
    with pytest.raises(ValidationError) as caught:
        load_type_file(path)
    assert str(caught.value).startswith(f"{path}: {message}")


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        ('regulator = "ab"\n', "regulator: expected an address (40 hex digits) or empty"),
        ('regulator = "' + "zz" * 20 + '"\n', "regulator: expected an address"),
        ('transfer = "anyone"\n', "transfer: expected one of none, issuer, holders"),
        ("version = 2\n", "version: unknown key (allowed: code, name, issuers,"),
    ],
)
def test_f_c1_optional_keys_refused_when_wrong(tmp_path: Path, extra: str, message: str) -> None:
    path = write(tmp_path, HEAD + extra + FIELDS)
    with pytest.raises(ValidationError) as caught:
        load_type_file(path)
    assert str(caught.value).startswith(f"{path}: {message}")


@pytest.mark.parametrize("key", ["code", "name", "issuers", "modes", "validity"])
def test_f_c1_a_missing_key_is_named(tmp_path: Path, key: str) -> None:
    head = "\n".join(line for line in HEAD.splitlines() if not line.startswith(key))
    path = write(tmp_path, head + FIELDS)
    with pytest.raises(ValidationError, match=f": {key}: missing \\(required\\)$"):
        load_type_file(path)


def test_f_c1_a_type_file_without_fields_is_refused(tmp_path: Path) -> None:
    path = write(tmp_path, HEAD)
    with pytest.raises(ValidationError, match=r": fields: missing \(required\)$"):
        load_type_file(path)


@pytest.mark.parametrize(
    ("table", "message"),
    [
        ('[fields."a"]\nmax_length = 3\n', "fields.a.kind: missing"),
        ('[fields."a"]\nkind = "text"\n', "fields.a.kind: expected one of string, integer, date,"),
        ('[fields."a"]\nkind = "string"\n', "fields.a.max_length: missing"),
        (
            '[fields."a"]\nkind = "string"\nmax_length = 0\n',
            "fields.a.max_length: expected an integer in 1..4096",
        ),
        (
            '[fields."a"]\nkind = "string"\nmax_length = 1.5\n',
            "fields.a.max_length: expected an integer",
        ),
        (
            '[fields."a"]\nkind = "string"\nmax_length = 3\npattern = "(x"\n',
            "fields.a.pattern: does not compile",
        ),
        (
            '[fields."a"]\nkind = "string"\nmax_length = 3\nminimum = 1\n',
            "fields.a.minimum: not "
            "a key of a string field (allowed: kind, max_length, pattern, public, required)",
        ),
        (
            '[fields."a"]\nkind = "integer"\nminimum = 3\nmaximum = 2\n',
            "fields.a.maximum: less than the minimum",
        ),
        (
            '[fields."a"]\nkind = "integer"\nmaximum = "9"\n',
            "fields.a.maximum: expected an integer",
        ),
        (
            '[fields."a"]\nkind = "date"\nmax_length = 10\n',
            "fields.a.max_length: not a key of a date field",
        ),
        ('[fields."a"]\nkind = "enum"\n', "fields.a.values: missing"),
        ('[fields."a"]\nkind = "enum"\nvalues = []\n', "fields.a.values: expected 1..64 values"),
        (
            '[fields."a"]\nkind = "enum"\nvalues = ["x", "x"]\n',
            "fields.a.values: a value is listed twice",
        ),
        (
            '[fields."a"]\nkind = "date"\npublic = "yes"\n',
            "fields.a.public: expected true or false",
        ),
        (
            '[fields."a"]\nkind = "date"\nrequired = 1\n',
            "fields.a.required: expected true or false",
        ),
        ('[fields."a-b"]\nkind = "date"\n', "fields: 'a-b' is not a field name"),
        ("fields = 3\n", 'fields: expected [fields."NAME"] tables'),
        ("[fields]\na = 3\n", "fields.a: expected a table (kind = ...)"),
    ],
)
def test_f_c1_field_table_errors_use_the_type_file_names(
    tmp_path: Path, table: str, message: str
) -> None:
    path = write(tmp_path, HEAD + table)
    with pytest.raises(ValidationError) as caught:
        load_type_file(path)
    assert str(caught.value).startswith(f"{path}: {message}")


def test_f_c1_more_than_64_fields_refused(tmp_path: Path) -> None:
    tables = "".join(f'[fields."f{i}"]\nkind = "date"\n' for i in range(65))
    with pytest.raises(ValidationError, match=r": fields: at most 64 fields$"):
        load_type_file(write(tmp_path, HEAD + tables))


def test_f_c1_unreadable_or_malformed_type_files(tmp_path: Path) -> None:
    missing = tmp_path / "none.toml"
    with pytest.raises(ValidationError, match=f"^{missing}: cannot read"):
        load_type_file(missing)
    with pytest.raises(ValidationError, match=": not TOML: "):
        load_type_file(write(tmp_path, "code = \n"))
    binary = tmp_path / "bin.toml"
    binary.write_bytes(b"\xff\xfe")
    with pytest.raises(ValidationError, match=r": not UTF-8 text$"):
        load_type_file(binary)
    big = write(tmp_path, "#" * (1024 * 1024 + 1), "big.toml")
    with pytest.raises(ValidationError, match=r": larger than 1048576 bytes$"):
        load_type_file(big)


@pytest.mark.parametrize(
    ("code", "ok"),
    [
        ("11100000MB0143028R001", True),
        (demo_uscc(5) + "999", True),
        (demo_uscc(5), False),
        (demo_uscc(5) + "0001", False),
        (demo_uscc(5) + "0a1", False),
        ("11100000MB0143028S001", False),
        (None, False),
    ],
)
def test_f_c1_type_codes(code: object, ok: bool) -> None:
    if ok:
        assert check_type_code("code", code) == code
    else:
        with pytest.raises(ValidationError, match=r"credit code|3 characters"):
            check_type_code("code", code)


# --- field files --------------------------------------------------------------------


def test_f_c1_fields_file_is_a_json_object(tmp_path: Path) -> None:
    number = demo_citizen_id(3)
    path = write(tmp_path, f'{{"名称": "演示", "身份号码": "{number}", "注册资本": 5}}', "f.json")
    fields = load_fields_file(path)
    assert fields == {"名称": "演示", "身份号码": number, "注册资本": 5}
    schema = FieldSchema.from_cbor(load_type_file(write(tmp_path, HEAD + FIELDS))["schema"])
    schema.check_fields(fields)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("[1, 2]", "expected a JSON object of field values"),
        ('{"a": 1,', "not JSON (Expecting property name enclosed in double quotes, line 1"),
        ('{"a": 1, "a": 2}', "a key is given twice"),
        ("", "not JSON (Expecting value, line 1 column 1)"),
    ],
)
def test_f_c1_fields_file_errors(tmp_path: Path, text: str, message: str) -> None:
    path = write(tmp_path, text, "f.json")
    with pytest.raises(ValidationError) as caught:
        load_fields_file(path)
    assert str(caught.value).startswith(f"{path}: {message}")


def test_f_c7_a_malformed_fields_file_error_shows_no_value(tmp_path: Path) -> None:
    number = demo_citizen_id(4)
    for text in (
        f'{{"身份号码": "{number}" "x": 1}}',
        f'{{"身份号码": "{number}", "身份号码": 1}}',
    ):
        with pytest.raises(ValidationError) as caught:
            load_fields_file(write(tmp_path, text, "f.json"))
        assert number not in str(caught.value)


def test_f_c1_fields_file_missing_or_oversize(tmp_path: Path) -> None:
    with pytest.raises(ValidationError, match="cannot read"):
        load_fields_file(tmp_path / "none.json")
    big = write(tmp_path, '{"a": "' + "x" * (2 * 1024 * 1024) + '"}', "big.json")
    with pytest.raises(ValidationError, match="larger than 2097152 bytes"):
        load_fields_file(big)
