"""One entry point for every code: check a code of a given kind, or find its kind first."""

from __future__ import annotations

from govchain.codes.citizen_id import CITIZEN_ID_LENGTH, check_citizen_id
from govchain.codes.errors import CodeError, CodeKind
from govchain.codes.iso7064 import DIGITS
from govchain.codes.licence_id import check_licence_id
from govchain.codes.uscc import check_uscc

__all__ = ["check", "looks_like_citizen_id"]

_CHECKS = {
    CodeKind.USCC: check_uscc,
    CodeKind.CITIZEN: check_citizen_id,
    CodeKind.LICENCE: check_licence_id,
}


def looks_like_citizen_id(code: str) -> bool:
    """True for 18 characters of which the first 17 are digits and the last a digit or X/x.

    Such a text is handled as personal data whatever it turns out to be.
    """
    return (
        len(code) == CITIZEN_ID_LENGTH
        and all(c in DIGITS for c in code[:-1])
        and code[-1] in DIGITS + "Xx"
    )


def check(code: str, kind: CodeKind | None = None) -> CodeKind:
    """Check ``code``; return its kind, or raise :class:`CodeError` naming the failed check.

    With ``kind`` given the code is checked as that kind and nothing is guessed.
    Without it the kind is found by this rule:

    1. a code containing a dot is a licence identifier (GB/T 36904);
    2. a code shaped like a citizen number (:func:`looks_like_citizen_id`: 17
       digits, then a digit or X) is checked as one; if that fails but the code
       is a valid credit code (a credit code may be all digits), it is a credit
       code; otherwise the citizen-number failure is raised, so a mistyped
       citizen number reports e.g. ``birth_date`` and is treated as personal data;
    3. anything else is checked as a credit code (GB 32100).

    Give ``kind`` when the caller knows it: an all-digit credit code that fails
    its own check is reported as a failed citizen number under rule 2.
    """
    if kind is not None:
        _CHECKS[kind](code)
        return kind
    if "." in code:
        check_licence_id(code)
        return CodeKind.LICENCE
    if looks_like_citizen_id(code):
        try:
            check_citizen_id(code)
        except CodeError as citizen_failure:
            try:
                check_uscc(code)
            except CodeError:
                raise citizen_failure from None
            return CodeKind.USCC
        return CodeKind.CITIZEN
    check_uscc(code)
    return CodeKind.USCC
