"""Checks of the national codes every service takes as input (issue 14, F-B1, F-B3, F-C1, F-C7).

A pure library: no I/O, no clock, no floats. Each check raises one typed
error, :class:`CodeError`, whose ``check`` names the rule that failed and
whose message never repeats the code (a citizen number is personal data).

- :mod:`~govchain.codes.iso7064`: ISO/IEC 7064 MOD 11-2 and MOD 37,36;
- :mod:`~govchain.codes.uscc`: GB 32100 credit codes with the embedded GB 11714 code;
- :mod:`~govchain.codes.citizen_id`: GB 11643 citizen numbers with the birth date;
- :mod:`~govchain.codes.licence_id`: GB/T 36904 e-licence identifiers;
- :func:`check`: any of them, finding the kind when it is not given;
- :mod:`~govchain.codes.demo`: deterministic made-up codes for tests and demo networks.
"""

from __future__ import annotations

from govchain.codes.citizen_id import check_citizen_id, citizen_check_digit
from govchain.codes.demo import demo_citizen_id, demo_uscc
from govchain.codes.detect import check, looks_like_citizen_id
from govchain.codes.errors import CodeError, CodeKind
from govchain.codes.licence_id import (
    LicenceId,
    build_licence_id,
    check_licence_id,
    parse_licence_id,
)
from govchain.codes.uscc import CreditCode, check_uscc, parse_uscc, uscc_check_character

__all__ = [
    "CodeError",
    "CodeKind",
    "CreditCode",
    "LicenceId",
    "build_licence_id",
    "check",
    "check_citizen_id",
    "check_licence_id",
    "check_uscc",
    "citizen_check_digit",
    "demo_citizen_id",
    "demo_uscc",
    "looks_like_citizen_id",
    "parse_licence_id",
    "parse_uscc",
    "uscc_check_character",
]
