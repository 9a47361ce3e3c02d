"""Properties of the code checks over generated codes (issue 14, F-B1, F-B3, F-C1, F-C7).

Valid codes are generated here with codes_reference.py (check characters
found by trying every candidate), never with the library under test.
"""

from __future__ import annotations

import datetime as dt
import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from govchain.codes import (
    CodeError,
    CodeKind,
    build_licence_id,
    check,
    check_citizen_id,
    parse_licence_id,
)

from . import codes_reference as reference

USCC_CHARACTERS = "".join(reference.USCC_VALUES)
DIGITS = "0123456789"
# what a substitution may put in: every alphabet involved, a dot and a few strangers
REPLACEMENTS = reference.ALNUM36 + ".xa-９ "


def _first_valid(candidates: str, make: str, valid: object) -> str:
    assert callable(valid)
    [found] = [c for c in candidates if valid(make + c)]
    return found


@st.composite
def credit_codes(draw: st.DrawFn) -> str:
    """A valid GB 32100 code: table head, digit region, subject body, both checks."""
    authority = draw(st.sampled_from(sorted(reference.USCC_CATEGORIES)))
    category = draw(st.sampled_from(reference.USCC_CATEGORIES[authority]))
    region = draw(st.text(DIGITS, min_size=6, max_size=6))
    body = draw(st.text(USCC_CHARACTERS, min_size=8, max_size=8))
    org = body + _first_valid("0123456789X", body, reference.org_code_valid)
    first17 = authority + category + region + org
    return first17 + _first_valid(USCC_CHARACTERS, first17, reference.gb32100_check_verifies)


@st.composite
def citizen_numbers(draw: st.DrawFn) -> str:
    """A valid GB 11643 number with any calendar date from 1800 on."""
    region = draw(st.text("123456789", min_size=1, max_size=1)) + draw(
        st.text(DIGITS, min_size=5, max_size=5)
    )
    birth = draw(st.dates(min_value=dt.date(1800, 1, 1)))
    sequence = draw(st.text(DIGITS, min_size=3, max_size=3))
    first17 = region + f"{birth.year:04d}{birth.month:02d}{birth.day:02d}" + sequence
    return first17 + _first_valid("0123456789X", first17, reference.citizen_valid)


@st.composite
def licence_fields(draw: st.DrawFn) -> tuple[str, str, str, str]:
    """Type code, issuer code, serial and version of a valid identifier."""
    type_code = draw(credit_codes()) + draw(st.text(DIGITS, min_size=3, max_size=3))
    serial = draw(st.text(DIGITS, min_size=1, max_size=32))
    version = draw(st.text(DIGITS, min_size=3, max_size=3))
    return type_code, draw(credit_codes()), serial, version


@st.composite
def licence_ids(draw: st.DrawFn) -> str:
    """A valid GB/T 36904 identifier."""
    fields = draw(licence_fields())
    data = "".join(fields)
    return ".".join(("1.2.156.3005.2", *fields, reference.hybrid_36_check(data)))


def _substituted(draw: st.DrawFn, code: str) -> str:
    position = draw(st.integers(0, len(code) - 1))
    replacement = draw(st.sampled_from([c for c in REPLACEMENTS if c != code[position]]))
    return code[:position] + replacement + code[position + 1 :]


@given(credit_codes())
def test_every_generated_credit_code_checks(code: str) -> None:
    assert check(code, CodeKind.USCC) == CodeKind.USCC
    # without a kind an all-digit credit code is tried as a citizen number first
    assert check(code) == CodeKind.USCC or reference.citizen_valid(code)


@given(citizen_numbers())
def test_every_generated_citizen_number_checks(number: str) -> None:
    assert check(number, CodeKind.CITIZEN) == CodeKind.CITIZEN
    assert check(number) == CodeKind.CITIZEN


@given(licence_ids())
def test_every_generated_licence_identifier_checks(text: str) -> None:
    assert check(text, CodeKind.LICENCE) == CodeKind.LICENCE
    assert check(text) == CodeKind.LICENCE


@given(credit_codes(), st.data())
def test_a_single_substitution_in_a_credit_code_fails(code: str, data: st.DataObject) -> None:
    changed = _substituted(data.draw, code)
    assert not reference.uscc_valid(changed)
    with pytest.raises(CodeError) as failure:
        check(changed, CodeKind.USCC)
    assert failure.value.kind == CodeKind.USCC


@given(citizen_numbers(), st.data())
def test_a_single_substitution_in_a_citizen_number_fails(number: str, data: st.DataObject) -> None:
    changed = _substituted(data.draw, number)
    assert not reference.citizen_valid(changed)
    with pytest.raises(CodeError) as failure:
        check(changed, CodeKind.CITIZEN)
    assert failure.value.kind == CodeKind.CITIZEN


@given(licence_ids(), st.data())
def test_a_single_substitution_in_a_licence_identifier_fails(
    text: str, data: st.DataObject
) -> None:
    changed = _substituted(data.draw, text)
    assert not reference.licence_valid(changed)
    with pytest.raises(CodeError) as failure:
        check(changed, CodeKind.LICENCE)
    assert failure.value.kind == CodeKind.LICENCE


@given(licence_fields())
def test_build_then_parse_gives_the_same_fields(fields: tuple[str, str, str, str]) -> None:
    built = build_licence_id(*fields)
    assert parse_licence_id(built.text) == built
    assert built.text == ".".join(("1.2.156.3005.2", *fields, built.check_character))
    assert reference.licence_valid(built.text)


def _assert_not_revealed(number: str, exc: CodeError) -> None:
    for shown in (str(exc), repr(exc), *map(str, exc.args)):
        assert number not in shown
        # apart from the standards' numbers, no run of 5+ digits: no region, no birth date
        without_standards = re.sub(r"GB(/T)? [0-9]+", "GB", shown)
        assert not re.search(r"[0-9]{5}", without_standards), shown


@given(citizen_numbers(), st.data())
def test_a_failed_citizen_number_is_never_in_the_error(number: str, data: st.DataObject) -> None:
    changed = _substituted(data.draw, number)
    for kind in (CodeKind.CITIZEN, None):
        try:
            check(changed, kind)
        except CodeError as exc:
            _assert_not_revealed(changed, exc)


def _verdict(text: str, kind: CodeKind | None) -> tuple[CodeKind, str | None]:
    """(kind found, None) for a valid code, (kind checked, check name) for a failed one."""
    try:
        return check(text, kind), None
    except CodeError as exc:
        return exc.kind, exc.check


@given(st.text(max_size=200))
def test_any_text_gives_a_verdict_or_a_code_error(text: str) -> None:
    for kind in (None, *CodeKind):
        found, failed_check = _verdict(text, kind)
        assert kind is None or found == kind
        assert failed_check != ""


@given(st.from_regex(r"[0-9]{17}[0-9Xx]", fullmatch=True))
def test_citizen_shaped_text_never_reaches_an_error_message(text: str) -> None:
    try:
        check_citizen_id(text)
    except CodeError as exc:
        _assert_not_revealed(text, exc)
    try:
        check(text)
    except CodeError as exc:
        _assert_not_revealed(text, exc)
