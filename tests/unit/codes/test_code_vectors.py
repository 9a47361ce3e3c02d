"""Code-check vectors with failure cases (tests/vectors/codes.json; issue 14, F-B1, F-B3, F-C1).

Each case is run through govchain.codes and through codes_reference.py, which
is written from the standards' text without the library, so the two must agree.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from govchain.codes import CodeError, CodeKind, check, citizen_check_digit, uscc_check_character
from govchain.codes.iso7064 import mod11_2_check_character, mod37_36_check_character
from govchain.codes.uscc import org_code_check_character

from . import codes_reference as reference

DATA = json.loads(
    (Path(__file__).resolve().parents[2] / "vectors" / "codes.json").read_text(encoding="utf-8")
)

REFERENCE_VALID: dict[str, Callable[[str], bool]] = {
    "uscc": reference.uscc_valid,
    "citizen": reference.citizen_valid,
    "licence": reference.licence_valid,
}
LIBRARY_CHECK: dict[str, Callable[[str], str]] = {
    "mod11-2": mod11_2_check_character,
    "mod37-36": mod37_36_check_character,
    "gb11714": org_code_check_character,
    "gb32100": uscc_check_character,
}
REFERENCE_VERIFY: dict[str, Callable[[str], bool]] = {
    "mod11-2": reference.mod11_2_valid,
    "mod37-36": reference.hybrid_36_verifies,
    "gb11714": reference.org_code_valid,
    "gb32100": reference.gb32100_check_verifies,
}


def _case_id(case: dict[str, Any]) -> str:
    return f"{case['kind'] or 'detect'}-{case['name']}"


def test_vectors_cover_every_check_name() -> None:
    failing = {(c["expect_kind"], c["check"]) for c in DATA["cases"] if not c["valid"]}
    assert failing >= {
        ("uscc", name)
        for name in (
            "length", "alphabet", "registration_authority", "category", "region",
            "org_code_check", "check_character",
        )
    }  # fmt: skip
    assert failing >= {
        ("citizen", name) for name in ("length", "alphabet", "region", "birth_date", "check_digit")
    }
    assert failing >= {
        ("licence", name)
        for name in (
            "length", "prefix", "structure", "type_code", "issuer_code", "serial", "version",
            "check_character",
        )
    }  # fmt: skip
    assert {c["expect_kind"] for c in DATA["cases"] if c["kind"] is None} == {
        "uscc",
        "citizen",
        "licence",
    }


@pytest.mark.parametrize("case", DATA["cases"], ids=_case_id)
def test_library_gives_the_expected_verdict(case: dict[str, Any]) -> None:
    kind = None if case["kind"] is None else CodeKind(case["kind"])
    if case["valid"]:
        assert check(case["code"], kind) == CodeKind(case["expect_kind"])
        return
    with pytest.raises(CodeError) as failure:
        check(case["code"], kind)
    assert failure.value.check == case["check"]
    assert failure.value.kind == CodeKind(case["expect_kind"])


@pytest.mark.parametrize("case", DATA["cases"], ids=_case_id)
def test_reference_agrees(case: dict[str, Any]) -> None:
    assert REFERENCE_VALID[case["expect_kind"]](case["code"]) is case["valid"]


@pytest.mark.parametrize(
    "known", DATA["check_characters"], ids=lambda k: f"{k['system']}-{k['data']}"
)
def test_check_character_known_answers(known: dict[str, str]) -> None:
    assert LIBRARY_CHECK[known["system"]](known["data"]) == known["check"]
    assert REFERENCE_VERIFY[known["system"]](known["data"] + known["check"])


def test_citizen_check_digit_matches_the_standards_table() -> None:
    for case in DATA["cases"]:
        if case["expect_kind"] == "citizen" and case["valid"]:
            assert citizen_check_digit(case["code"][:17]) == case["code"][17]
