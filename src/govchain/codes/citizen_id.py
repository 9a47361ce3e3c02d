"""GB 11643-1999 公民身份号码: the citizen identity number.

Eighteen characters: a 6-digit address code (GB/T 2260 region), an 8-digit
birth date ``YYYYMMDD``, a 3-digit sequence code and the ISO/IEC 7064
MOD 11-2 check digit (``X`` for 10).

A citizen number is personal data (F-C7): nothing here puts it, or any part
of it, into an error message, a repr or a log line. Errors name the failed
check and the position only. The birth date is checked against the calendar
and never against today's date: the check reads no clock, so it gives the
same answer on every node at every height.
"""

from __future__ import annotations

import datetime as dt

from govchain.codes.errors import CodeError, CodeKind
from govchain.codes.iso7064 import DIGITS, mod11_2_check_character

__all__ = [
    "BIRTH_YEAR_MIN",
    "CITIZEN_ID_LENGTH",
    "check_citizen_id",
    "citizen_check_digit",
]

CITIZEN_ID_LENGTH = 18
BIRTH_YEAR_MIN = 1800
"""Earlier years are typing errors, not people (no clock is read to bound it above)."""

_BIRTH_DATE = slice(6, 14)


def citizen_check_digit(first17: str) -> str:
    """The MOD 11-2 check digit (``0``-``9`` or ``X``) of the first 17 digits.

    Raises ``ValueError`` (without the digits) when ``first17`` is not 17 digits.
    """
    if len(first17) != CITIZEN_ID_LENGTH - 1 or any(c not in DIGITS for c in first17):
        raise ValueError("give the first 17 digits of a citizen number")
    return mod11_2_check_character(first17)


def _fail(check: str, message: str, position: int | None = None) -> CodeError:
    return CodeError(CodeKind.CITIZEN, check, f"citizen number: {message}", position)


def _check_birth_date(number: str) -> None:
    text = number[_BIRTH_DATE]
    year, month, day = int(text[:4]), int(text[4:6]), int(text[6:])
    if year < BIRTH_YEAR_MIN:
        raise _fail("birth_date", f"the birth year (characters 7-10) is before {BIRTH_YEAR_MIN}", 7)
    try:
        dt.date(year, month, day)
    except ValueError:
        raise _fail("birth_date", "characters 7-14 are not a calendar date (YYYYMMDD)", 7) from None


def check_citizen_id(number: str) -> None:
    """Raise :class:`CodeError` naming the first GB 11643 check ``number`` fails.

    The checks, in order: ``length`` (18), ``alphabet`` (17 digits, then a
    digit or an upper-case ``X``), ``region`` (the address code cannot begin
    with 0: a structural check only, the code is not looked up in GB/T 2260),
    ``birth_date`` (a real calendar date from year 1800), ``check_digit``
    (MOD 11-2 over the first 17 digits). The error never contains the number.
    """
    if len(number) != CITIZEN_ID_LENGTH:
        raise _fail("length", f"has {len(number)} characters, not {CITIZEN_ID_LENGTH}")
    for position, character in enumerate(number, start=1):
        allowed = DIGITS + "X" if position == CITIZEN_ID_LENGTH else DIGITS
        if character not in allowed:
            what = "a digit or upper-case X" if position == CITIZEN_ID_LENGTH else "a digit"
            raise _fail("alphabet", f"character {position} is not {what}", position)
    if number[0] == "0":
        raise _fail("region", "the region code (characters 1-6) cannot begin with 0", 1)
    _check_birth_date(number)
    if mod11_2_check_character(number[:17]) != number[17]:
        raise _fail("check_digit", "character 18 is not the MOD 11-2 check digit", 18)
