"""The example asset types of enterprise setup load, and their sample fields pass (issue 16, F-C1).

examples/asset-types/README.md says how the codes were made; these tests hold
the files to it: demo codes from govchain.codes.demo, issuers that every fresh
``govchain net init`` network has, personal data only in private fields.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from govchain.client.asset_types import load_fields_file, load_type_file
from govchain.codes import check_citizen_id, check_uscc, looks_like_citizen_id
from govchain.codes.demo import demo_citizen_id, demo_uscc
from govchain.contracts.assets.schema import FieldSchema, parse_schema
from govchain.node.netinit import init_network

EXAMPLES = Path(__file__).resolve().parents[3] / "examples" / "asset-types"
NAMES = (
    "business_licence",
    "seal_filing",
    "social_security",
    "medical_insurance",
    "housing_fund",
    "bank_account",
    "tax_registration",
)
HOLDER = demo_uscc(1001)
PEOPLE = ("张某某", "李某某")


def test_f_c1_the_seven_types_and_only_they_are_there() -> None:
    tomls = sorted(p.stem for p in EXAMPLES.glob("*.toml"))
    assert tomls == sorted(NAMES)
    fields_files = sorted(p.name for p in EXAMPLES.glob("*.fields.json"))
    assert fields_files == sorted(f"{name}.fields.json" for name in NAMES)


@pytest.mark.parametrize("name", NAMES)
def test_f_c1_example_type_loads_and_its_fields_pass(name: str) -> None:
    args = load_type_file(EXAMPLES / f"{name}.toml")
    schema = parse_schema(args["schema"])
    assert schema.to_cbor() == args["schema"]
    fields = load_fields_file(EXAMPLES / f"{name}.fields.json")
    schema.check_fields(fields)
    public = schema.public_part(fields)
    assert public
    schema.check_public(public)
    assert FieldSchema.from_cbor(args["schema"]) == schema


def test_f_c1_type_codes_are_the_licence_code_and_demo_department_codes() -> None:
    codes = [load_type_file(EXAMPLES / f"{name}.toml")["code"] for name in NAMES]
    assert codes[0] == "11100000MB0143028R001"
    departments = [demo_uscc(9001 + k, region="110000") + "001" for k in range(6)]
    assert codes[1:] == departments
    readme = (EXAMPLES / "README.md").read_text(encoding="utf-8")
    for code in codes:
        assert f"`{code}`" in readme


@pytest.mark.parametrize("name", NAMES)
def test_f_c7_demo_data_cannot_be_mistaken_for_real(name: str) -> None:
    args = load_type_file(EXAMPLES / f"{name}.toml")
    schema = parse_schema(args["schema"])
    fields = load_fields_file(EXAMPLES / f"{name}.fields.json")
    credit_codes = [v for v in fields.values() if isinstance(v, str) and len(v) == 18]
    for value in credit_codes:
        if looks_like_citizen_id(value):
            check_citizen_id(value)
            assert value in (demo_citizen_id(1), demo_citizen_id(2))
        else:
            check_uscc(value)
            assert value == HOLDER
    assert HOLDER in fields.values()
    names = [v for v in fields.values() if isinstance(v, str) and "有限公司" in v]
    assert names
    assert all("演示" in v for v in names)
    for field, value in fields.items():
        rule = schema.rule(field)
        assert rule is not None
        personal = value in PEOPLE or (isinstance(value, str) and looks_like_citizen_id(value))
        if personal or field in ("住所", "账号"):
            assert not rule.public, f"{name}: {field} is personal and must not be public"


def test_f_c1_issuers_are_members_of_a_fresh_net_init_network(tmp_path: Path) -> None:
    init_network(tmp_path / "net", validators=1)
    network = json.loads((tmp_path / "net" / "network.json").read_text(encoding="utf-8"))
    members = {member["code"] for member in network["members"]}
    for name in NAMES:
        issuers = load_type_file(EXAMPLES / f"{name}.toml")["issuers"]
        assert isinstance(issuers, list)
        assert set(issuers) <= members, name
