"""The code-check library's behaviour: errors, detection, parsing, demo codes (issue 14).

Requirements: F-B1 and F-B3 (credit codes of members and enterprises), F-C1
(licence identifiers), F-C7 (a citizen number is never shown).
"""

from __future__ import annotations

import pytest

from govchain import codes
from govchain.codes import (
    CodeError,
    CodeKind,
    CreditCode,
    LicenceId,
    build_licence_id,
    check,
    check_citizen_id,
    demo_citizen_id,
    demo_uscc,
    parse_licence_id,
    parse_uscc,
)
from govchain.codes.iso7064 import (
    ALPHANUMERIC,
    mod11_2_check_character,
    mod11_2_is_valid,
    mod37_36_check_character,
    mod37_36_is_valid,
)
from govchain.codes.licence_id import LICENCE_ID_LENGTH_MAX, SERIAL_LENGTH_MAX
from govchain.codes.uscc import USCC_ALPHABET, org_code_check_character
from govchain.types.errors import GovChainError

from . import codes_reference as reference

BUSINESS_LICENCE = "11100000MB0143028R001"


def _failure(code: str, kind: CodeKind | None = None) -> CodeError:
    with pytest.raises(CodeError) as failure:
        check(code, kind)
    return failure.value


def test_code_error_is_a_typed_operating_error() -> None:
    error = _failure("91370102DEM0000I4N", CodeKind.USCC)
    assert isinstance(error, GovChainError)
    assert error.code == "invalid_code"
    assert (error.kind, error.check, error.position) == (CodeKind.USCC, "alphabet", 16)
    assert "character 16" in str(error)


def test_every_exported_name_exists() -> None:
    assert sorted(codes.__all__) == codes.__all__
    for name in codes.__all__:
        assert hasattr(codes, name), name


def test_a_given_kind_is_not_guessed() -> None:
    number = demo_citizen_id(4)
    assert check(number) == CodeKind.CITIZEN
    assert _failure(number, CodeKind.USCC).kind == CodeKind.USCC
    assert _failure(demo_uscc(4), CodeKind.CITIZEN).check == "alphabet"
    assert _failure(demo_uscc(4), CodeKind.LICENCE).check == "prefix"


def test_credit_code_parts_and_names() -> None:
    parsed = parse_uscc("11100000MB0143028R")
    assert parsed == CreditCode("1", "1", "100000", "MB0143028", "R")
    assert (parsed.authority_name, parsed.category_name) == ("机构编制", "机关")
    assert parsed.text == "11100000MB0143028R"
    enterprise = parse_uscc(demo_uscc(12))
    assert (enterprise.authority_name, enterprise.category_name) == ("工商", "企业")
    parsed.validate()
    with pytest.raises(CodeError) as failure:
        CreditCode("1", "1", "100000", "MB0143028", "0").validate()
    assert failure.value.check == "check_character"


def test_the_embedded_organization_code_is_checked_on_its_own() -> None:
    good = demo_uscc(21)
    body = good[8:16]
    other = next(c for c in "0123456789X" if c != org_code_check_character(body))
    # the final check recomputed for the wrong organization check: only GB 11714 fails
    first17 = good[:16] + other
    tampered = first17 + next(
        c for c in USCC_ALPHABET if reference.gb32100_check_verifies(first17 + c)
    )
    error = _failure(tampered, CodeKind.USCC)
    assert (error.check, error.position) == ("org_code_check", 17)


def test_citizen_number_checks_in_order_and_never_echo() -> None:
    number = demo_citizen_id(7, birth="19841129")
    check_citizen_id(number)
    cases = {
        "length": number[:-1],
        "alphabet": number[:10] + "O" + number[11:],
        "birth_date": number[:10] + "1131" + number[14:],
        "check_digit": number[:17] + ("0" if number[17] != "0" else "1"),
    }
    for expected, text in cases.items():
        error = _failure(text, CodeKind.CITIZEN)
        assert error.check == expected
        for shown in (str(error), repr(error)):
            assert text not in shown
            assert text[6:14] not in shown


def test_birth_date_is_a_calendar_check_without_a_clock() -> None:
    # far future dates are calendar dates: the check never compares with today
    assert check(demo_citizen_id(1, birth="29991231")) == CodeKind.CITIZEN
    assert check(demo_citizen_id(1, birth="20240229")) == CodeKind.CITIZEN
    for birth in ("21000229", "20230229", "19900431", "19900001", "17991231"):
        first17 = "370102" + birth + "001"
        number = first17 + mod11_2_check_character(first17)
        assert _failure(number, CodeKind.CITIZEN).check == "birth_date", birth


def test_detection_prefers_a_citizen_number_and_falls_back_to_an_all_digit_credit_code() -> None:
    # 91370102 99xxxxxx: characters 7..14 ("02990000"...) are no date, so the
    # citizen check fails and the credit-code check decides
    all_digit = next(
        code for n in range(100_000) if (code := _uscc("91", "370102", f"99{n:06d}")).isdigit()
    )
    assert check(all_digit) == CodeKind.USCC
    assert _failure(all_digit, CodeKind.CITIZEN).check == "birth_date"
    broken = all_digit[:17] + ("0" if all_digit[17] != "0" else "1")
    # neither kind: the citizen failure is reported (the text is treated as personal data)
    assert _failure(broken).kind == CodeKind.CITIZEN


def _uscc(head: str, region: str, body: str) -> str:
    first17 = head + region + body + org_code_check_character(body)
    return first17 + next(c for c in USCC_ALPHABET if reference.gb32100_check_verifies(first17 + c))


def test_licence_identifier_is_built_parsed_and_validated() -> None:
    issuer = demo_uscc(30)
    built = build_licence_id(BUSINESS_LICENCE, issuer, "2024000123", "001")
    assert isinstance(built, LicenceId)
    assert built.text.startswith(f"1.2.156.3005.2.{BUSINESS_LICENCE}.{issuer}.2024000123.001.")
    assert parse_licence_id(built.text) == built
    assert reference.licence_valid(built.text)
    built.validate()
    with pytest.raises(CodeError) as failure:
        LicenceId(BUSINESS_LICENCE, issuer, "2024000123", "002", built.check_character).validate()
    assert failure.value.check == "check_character"


@pytest.mark.parametrize(
    ("fields", "expected"),
    [
        ((BUSINESS_LICENCE[:-1], "ISSUER", "1", "001"), "type_code"),
        ((BUSINESS_LICENCE, "11100000MB0143028A", "1", "001"), "issuer_code"),
        ((BUSINESS_LICENCE, "ISSUER", "1" * (SERIAL_LENGTH_MAX + 1), "001"), "serial"),
        ((BUSINESS_LICENCE, "ISSUER", "-1", "001"), "serial"),
        ((BUSINESS_LICENCE, "ISSUER", "1", "1"), "version"),
    ],
)
def test_build_names_the_field_that_breaks_its_rule(
    fields: tuple[str, str, str, str], expected: str
) -> None:
    filled = tuple(demo_uscc(30) if f == "ISSUER" else f for f in fields)
    with pytest.raises(CodeError) as failure:
        build_licence_id(*filled)
    assert failure.value.check == expected
    assert failure.value.kind == CodeKind.LICENCE


def test_licence_failure_positions_point_at_the_field() -> None:
    issuer = demo_uscc(30)
    text = build_licence_id(BUSINESS_LICENCE, issuer, "77", "001").text
    bad_issuer = text.replace(issuer, issuer[:17] + ("0" if issuer[17] != "0" else "1"))
    error = _failure(bad_issuer, CodeKind.LICENCE)
    assert error.check == "issuer_code"
    assert error.position == text.index(issuer) + 1
    assert _failure(text + "9" * LICENCE_ID_LENGTH_MAX, CodeKind.LICENCE).check == "length"


def test_demo_credit_codes_are_deterministic_distinct_and_marked() -> None:
    made = [demo_uscc(n) for n in range(200)]
    assert made == [demo_uscc(n) for n in range(200)]
    assert len(set(made)) == len(made)
    for code in made:
        assert code.startswith("91370102")
        assert code[8:11] == codes.demo.DEMO_SUBJECT_MARKER
        assert reference.uscc_valid(code)
    assert demo_uscc(5, region="110105").startswith("91110105DEM00005")
    for bad in ((-1, "370102"), (100_000, "370102"), (1, "37010"), (1, "37O102")):
        with pytest.raises(ValueError, match=r"serial|region"):
            demo_uscc(*bad)


def test_demo_citizen_numbers_are_deterministic_and_valid() -> None:
    made = [demo_citizen_id(n) for n in range(1000)]
    assert made == [demo_citizen_id(n) for n in range(1000)]
    assert len(set(made)) == 1000
    assert all(reference.citizen_valid(n) and n[6:14] == "19900101" for n in made)
    assert demo_citizen_id(3, birth="20000229", region="110105")[:17] == "11010520000229003"
    for args in ((1000, "19900101", "370102"), (1, "19900230", "370102"), (1, "1990011", "370102")):
        with pytest.raises(ValueError, match=r"serial|birth date|calendar") as failure:
            demo_citizen_id(*args)
        assert "370102" not in str(failure.value)


def test_check_character_building_blocks_refuse_foreign_characters() -> None:
    assert mod37_36_is_valid("ABC" + mod37_36_check_character("ABC"))
    assert mod11_2_is_valid("0794" + mod11_2_check_character("0794"))
    for bad in (lambda: mod11_2_check_character("12A"), lambda: mod37_36_check_character("ab")):
        with pytest.raises(ValueError, match="alphabet"):
            bad()
    with pytest.raises(ValueError, match="organization code"):
        org_code_check_character("MB01430")


def test_every_single_substitution_of_a_demo_code_fails() -> None:
    """Exhaustive over positions and characters for one code of each kind."""
    issuer = demo_uscc(9)
    samples = {
        CodeKind.USCC: (issuer, USCC_ALPHABET),
        CodeKind.CITIZEN: (demo_citizen_id(9), "0123456789X"),
        CodeKind.LICENCE: (
            build_licence_id(BUSINESS_LICENCE, issuer, "2024", "001").text,
            ALPHANUMERIC + ".",
        ),
    }
    for kind, (code, alphabet) in samples.items():
        for position, original in enumerate(code):
            for replacement in alphabet:
                if replacement != original:
                    changed = code[:position] + replacement + code[position + 1 :]
                    assert _failure(changed, kind).kind == kind
