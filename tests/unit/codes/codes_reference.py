"""The code standards written out from their published text, for tests only.

Independent of govchain.codes on purpose: tables typed in from the standards
instead of computed, check characters found by trying every candidate against
the standard's verification rule instead of by formula, and our own
leap-year rule. A bug in the library cannot validate itself against these.
Each function answers only valid or not.
"""

from __future__ import annotations

import re

# GB 11643-1999: weights W_i of positions 1..17 and the check digit by sum mod 11.
CITIZEN_WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
CITIZEN_CHECK_BY_REMAINDER = "10X98765432"

# GB 32100-2015 table of character values (no I, O, S, V, Z) and weights 3^(i-1) mod 31.
USCC_VALUES = {
    **{str(d): d for d in range(10)},
    **{"A": 10, "B": 11, "C": 12, "D": 13, "E": 14, "F": 15, "G": 16, "H": 17, "J": 18},
    **{"K": 19, "L": 20, "M": 21, "N": 22, "P": 23, "Q": 24, "R": 25, "T": 26, "U": 27},
    **{"W": 28, "X": 29, "Y": 30},
}
USCC_WEIGHTS = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28]
USCC_CATEGORIES = {
    "1": "1239", "2": "19", "3": "123459", "4": "19", "5": "1239", "6": "129",
    "7": "129", "8": "19", "9": "123", "A": "19", "N": "1239", "Y": "1",
}  # fmt: skip

# GB 11714: weights of the 8 body characters; letters count A = 10 .. Z = 35.
ORG_CODE_WEIGHTS = [3, 7, 9, 10, 5, 8, 4, 2]

ALNUM36 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"


def citizen_valid(number: str) -> bool:
    """GB 11643: 17 digits, a real birth date at 7..14 (year >= 1800), the check digit."""
    if not re.fullmatch(r"[1-9][0-9]{16}[0-9X]", number):
        return False
    year, month, day = int(number[6:10]), int(number[10:12]), int(number[12:14])
    leap = (year % 4 == 0 and year % 100 != 0) or year % 400 == 0
    days = [31, 29 if leap else 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31]
    if year < 1800 or not 1 <= month <= 12 or not 1 <= day <= days[month - 1]:
        return False
    remainder = sum(int(c) * w for c, w in zip(number, CITIZEN_WEIGHTS, strict=False)) % 11
    return CITIZEN_CHECK_BY_REMAINDER[remainder] == number[17]


def org_code_valid(code9: str) -> bool:
    """GB 11714: C9 = 11 - MOD(sum C_i * W_i, 11), 10 written X and 11 written 0."""
    values = [int(c) if c.isdigit() else ord(c) - ord("A") + 10 for c in code9[:8]]
    c9 = 11 - sum(v * w for v, w in zip(values, ORG_CODE_WEIGHTS, strict=True)) % 11
    return code9[8] == {10: "X", 11: "0"}.get(c9, str(c9))


def uscc_valid(code: str) -> bool:
    """GB 32100: alphabet, authority and category, digit region, GB 11714 part, check."""
    if len(code) != 18 or any(c not in USCC_VALUES for c in code):
        return False
    if code[1] not in USCC_CATEGORIES.get(code[0], ""):
        return False
    if not code[2:8].isascii() or not code[2:8].isdigit() or not org_code_valid(code[8:17]):
        return False
    return gb32100_check_verifies(code)


def gb32100_check_verifies(code: str) -> bool:
    """GB 32100: C18 = 31 - MOD(sum C_i * W_i, 31), with 31 written as 0."""
    c18 = 31 - sum(USCC_VALUES[c] * w for c, w in zip(code, USCC_WEIGHTS, strict=False)) % 31
    return USCC_VALUES[code[17]] == c18 % 31


def hybrid_36_verifies(text: str) -> bool:
    """ISO/IEC 7064 hybrid MOD 37,36 verification: the last interim sum mod 36 is 1."""
    product = 36
    interim = 0
    for c in text:
        interim = (product + ALNUM36.index(c)) % 36
        product = (interim or 36) * 2 % 37
    return interim == 1


def hybrid_36_check(data: str) -> str:
    """The one character that makes ``data + c`` verify (tried, not computed)."""
    [found] = [c for c in ALNUM36 if hybrid_36_verifies(data + c)]
    return found


def licence_valid(text: str) -> bool:
    """GB/T 36904 with GovChain's serial rule (1..32 digits)."""
    match = re.fullmatch(
        r"1\.2\.156\.3005\.2\.([0-9A-Z]{18})([0-9]{3})\.([0-9A-Z]{18})\.([0-9]{1,32})"
        r"\.([0-9]{3})\.([0-9A-Z])",
        text,
    )
    if match is None:
        return False
    department, number, issuer, serial, version, check = match.groups()
    if not uscc_valid(department) or not uscc_valid(issuer):
        return False
    return hybrid_36_verifies(department + number + issuer + serial + version + check)


def mod11_2_valid(text: str) -> bool:
    """ISO/IEC 7064 MOD 11-2 over any length: sum of value * 2^(i-1) (i from the right) = 1."""
    values = [10 if c == "X" else int(c) for c in text]
    total = sum(v * pow(2, i, 11) for i, v in enumerate(reversed(values)))
    return total % 11 == 1
