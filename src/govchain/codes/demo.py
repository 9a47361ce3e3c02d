"""Demo codes for tests and ``govchain net init``: valid by every check, deterministic, made up.

Nothing here is random or copied from a real register (see the "Demo data that
cannot be mistaken for real" rules of the enterprise set-up notes).
"""

from __future__ import annotations

from govchain.codes.citizen_id import check_citizen_id, citizen_check_digit
from govchain.codes.errors import CodeError
from govchain.codes.iso7064 import DIGITS
from govchain.codes.uscc import org_code_check_character, uscc_check_character

__all__ = ["DEMO_SUBJECT_MARKER", "demo_citizen_id", "demo_uscc"]

DEMO_SUBJECT_MARKER = "DEM"
"""The first three characters of the subject code of every demo credit code."""

_DEMO_USCC_SERIAL_MAX = 99_999
_DEMO_CITIZEN_SERIAL_MAX = 999


def _six_digits(region: str) -> str:
    if len(region) != 6 or any(c not in DIGITS for c in region):
        raise ValueError("a region code is 6 digits")
    return region


def demo_uscc(serial: int, region: str = "370102") -> str:
    """A valid credit code of an enterprise (``91``) for demo serial 0..99999.

    The code is ``91`` + ``region`` + the subject code ``DEM`` + the serial in
    5 digits + its GB 11714 check character, then the GB 32100 check
    character. Subject codes are organization codes assigned in numbered
    blocks, and those assigned with credit codes begin with ``M`` (``MA`` for
    enterprises); the marker ``DEM`` (for demo) is no assigned prefix, so a
    demo code is recognisably made up while passing every check. The same
    serial and region always give the same code; different serials give
    different codes. Raises ``ValueError`` for a serial out of range or a
    region that is not 6 digits.
    """
    if not 0 <= serial <= _DEMO_USCC_SERIAL_MAX:
        raise ValueError(f"a demo credit code serial is 0 to {_DEMO_USCC_SERIAL_MAX}")
    body = f"{DEMO_SUBJECT_MARKER}{serial:05d}"
    first17 = "91" + _six_digits(region) + body + org_code_check_character(body)
    return first17 + uscc_check_character(first17)


def demo_citizen_id(serial: int, birth: str = "19900101", region: str = "370102") -> str:
    """A citizen number with a valid check digit, for demo serial 0..999.

    ``region`` + the fixed test date ``birth`` (YYYYMMDD) + the serial as the
    3-digit sequence code + the MOD 11-2 check digit. Made by the algorithm,
    never taken from a person; any valid number has the shape of a real one,
    so demo numbers are still treated as personal data and kept off the
    chain, the logs and the API answers like any other. Raises ``ValueError``
    (without the number) for a serial out of range, a region that is not 6
    digits or a birth date the citizen-number check refuses.
    """
    if not 0 <= serial <= _DEMO_CITIZEN_SERIAL_MAX:
        raise ValueError(f"a demo citizen number serial is 0 to {_DEMO_CITIZEN_SERIAL_MAX}")
    first17 = _six_digits(region) + birth + f"{serial:03d}"
    if len(first17) != 17 or any(c not in DIGITS for c in first17):
        raise ValueError("a birth date is 8 digits, YYYYMMDD")
    number = first17 + citizen_check_digit(first17)
    try:
        check_citizen_id(number)
    except CodeError as exc:
        raise ValueError(f"no demo citizen number: {exc}") from None
    return number
