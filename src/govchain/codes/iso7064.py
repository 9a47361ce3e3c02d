"""ISO/IEC 7064 (GB/T 17710-2008) check character systems used by Chinese codes.

Two systems, computed with integers only:

- MOD 11-2, a pure system over the digits with the supplementary character
  ``X`` for the value 10: the check digit of a GB 11643 citizen number.
- MOD 37,36, a hybrid system over ``0-9A-Z`` (values 0..35): the check
  character of a GB/T 36904 e-licence identifier.

Both detect every single substitution and every transposition of adjacent
characters. The functions take text already known to be in the system's
alphabet and raise ``ValueError`` otherwise (callers check the alphabet first
and report it as a ``CodeError``).
"""

from __future__ import annotations

__all__ = [
    "ALPHANUMERIC",
    "DIGITS",
    "mod11_2_check_character",
    "mod11_2_is_valid",
    "mod37_36_check_character",
    "mod37_36_is_valid",
]

DIGITS = "0123456789"
"""The data alphabet of MOD 11-2; a character's value is its index."""

ALPHANUMERIC = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
"""The alphabet of MOD 37,36; a character's value is its index (A = 10, Z = 35)."""

_MOD11_2_CHECK = "0123456789X"


def _value(alphabet: str, character: str) -> int:
    value = alphabet.find(character)
    if value < 0:
        raise ValueError(f"{character!r} is not in the alphabet {alphabet}")
    return value


def mod11_2_check_character(digits: str) -> str:
    """The MOD 11-2 check character (``0``-``9`` or ``X``) of a string of digits.

    Parameters: ``digits``, the data characters, ``0``-``9`` only.
    Returns: the character that makes the weighted sum, with weight 2^(i-1)
    mod 11 at position i counted from the right (the check at i = 1),
    congruent to 1 mod 11.
    """
    running = 0
    for character in digits:
        # Horner's rule: each step doubles the weight of everything before it.
        running = (running + _value(DIGITS, character)) * 2 % 11
    return _MOD11_2_CHECK[(12 - running) % 11]


def mod11_2_is_valid(text: str) -> bool:
    """True when the last character of ``text`` is the MOD 11-2 check of the rest."""
    return len(text) >= 2 and mod11_2_check_character(text[:-1]) == text[-1]


def mod37_36_check_character(text: str) -> str:
    """The ISO/IEC 7064 MOD 37,36 check character of ``text`` (``0-9A-Z``).

    The hybrid system with M = 36: start with P = M; for each character,
    S = (P + value) mod M, taken as M when it is 0, and P = 2S mod (M + 1);
    the check is the character whose value is (M + 1 - P) mod M.
    """
    product = 36
    for character in text:
        total = (product + _value(ALPHANUMERIC, character)) % 36 or 36
        product = total * 2 % 37
    return ALPHANUMERIC[(37 - product) % 36]


def mod37_36_is_valid(text: str) -> bool:
    """True when the last character of ``text`` is the MOD 37,36 check of the rest."""
    return len(text) >= 2 and mod37_36_check_character(text[:-1]) == text[-1]
