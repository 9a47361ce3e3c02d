"""One field of an asset type's schema: its kind, its limits and the check of a value.

Pure and deterministic: the chain checks public values with these rules, so
there are no floats, no clock and no Unicode-database lookups (a name's
alphabet is a fixed list of code point ranges). A ``pattern`` is evaluated
only when the caller asks (the client); the chain never runs one.

Every error names the field and the rule it breaks and never repeats the
value: a value may be personal data (a citizen number, a name).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from govchain.types.errors import ValidationError

__all__ = [
    "INT_MAX",
    "INT_MIN",
    "KINDS",
    "MAX_ENUM_VALUES",
    "MAX_ENUM_VALUE_CHARS",
    "MAX_NAME_CHARS",
    "MAX_PATTERN_CHARS",
    "MAX_STRING_LENGTH",
    "FieldRule",
    "check_field_name",
    "compile_pattern",
    "is_calendar_date",
    "is_field_name",
]

KINDS = ("string", "integer", "date", "enum")
MAX_NAME_CHARS = 64
MAX_STRING_LENGTH = 4096
MAX_PATTERN_CHARS = 128
MAX_ENUM_VALUES = 64
MAX_ENUM_VALUE_CHARS = 256
INT_MIN, INT_MAX = -(2**63), 2**63 - 1
"""Every integer value and bound is a signed 64-bit integer."""

_NAME_RANGES = (
    (0x30, 0x39),  # 0-9
    (0x41, 0x5A),  # A-Z
    (0x5F, 0x5F),  # _
    (0x61, 0x7A),  # a-z
    (0x3400, 0x4DBF),  # CJK Unified Ideographs Extension A
    (0x4E00, 0x9FFF),  # CJK Unified Ideographs
    (0xF900, 0xFAFF),  # CJK Compatibility Ideographs
    (0x20000, 0x2FA1F),  # Extensions B-F and the Compatibility Supplement
    (0x30000, 0x323AF),  # Extensions G and H
)
_DIGITS = "0123456789"
_DAYS_IN_MONTH = (31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)
_ENUM_LISTED_CHARS = 200
"""An enum error lists the allowed values when they fit in this many characters."""


def _name_char(c: str) -> bool:
    point = ord(c)
    return any(low <= point <= high for low, high in _NAME_RANGES)


def is_field_name(name: object) -> bool:
    """Whether ``name`` is 1..64 ASCII letters, ASCII digits, ``_`` or CJK ideographs."""
    return (
        isinstance(name, str)
        and 1 <= len(name) <= MAX_NAME_CHARS
        and all(_name_char(c) for c in name)
    )


def check_field_name(path: str, name: object) -> str:
    """``name`` if it is a field name, else ValidationError at ``path``."""
    if not is_field_name(name):
        shown = repr(name)[:80] if isinstance(name, str) else type(name).__name__
        raise ValidationError(
            f"{path}: {shown} is not a field name (1..{MAX_NAME_CHARS} letters, digits, _ or CJK)"
        )
    assert isinstance(name, str)
    return name


def is_calendar_date(text: str) -> bool:
    """Whether ``text`` is ``YYYY-MM-DD`` (ASCII digits) naming a real Gregorian date, year 1+."""
    if len(text) != 10 or text[4] != "-" or text[7] != "-":
        return False
    digits = text[:4] + text[5:7] + text[8:]
    if any(c not in _DIGITS for c in digits):
        return False
    year, month, day = int(text[:4]), int(text[5:7]), int(text[8:])
    if year < 1 or not 1 <= month <= 12:
        return False
    leap = year % 4 == 0 and (year % 100 != 0 or year % 400 == 0)
    days = 29 if month == 2 and leap else _DAYS_IN_MONTH[month - 1]
    return 1 <= day <= days


def compile_pattern(path: str, pattern: str) -> re.Pattern[str]:
    """``pattern`` compiled by Python ``re``; ValidationError at ``path`` if it does not compile."""
    try:
        return re.compile(pattern)
    except re.error as exc:
        raise ValidationError(f"{path}: does not compile ({exc.msg}, at {exc.pos})") from None
    except (OverflowError, RecursionError, ValueError):
        raise ValidationError(f"{path}: does not compile (a repeat or nesting too large)") from None


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


@dataclass(frozen=True, slots=True)
class FieldRule:
    """One property of a field schema.

    ``kind`` is ``string`` (``max_length``, optional ``pattern``), ``integer``
    (optional ``minimum``, ``maximum``), ``date`` (``YYYY-MM-DD``) or ``enum``
    (``values``); the attributes of the other kinds keep their defaults.
    ``public`` fields are not personal: the chain keeps them in clear.
    """

    name: str
    kind: str
    public: bool = False
    max_length: int = 0
    pattern: str = ""
    minimum: int | None = None
    maximum: int | None = None
    values: tuple[str, ...] = ()

    def validate(self, path: str) -> None:
        """Raise ValidationError naming ``path`` and the keyword that breaks its rule.

        ``path`` is the property's path (``schema.properties.NAME``). A pattern
        is checked for its length only; :func:`compile_pattern` compiles it.
        """
        check_field_name(path, self.name)
        if self.kind not in KINDS:
            raise ValidationError(f"{path}: unknown kind (expected one of {', '.join(KINDS)})")
        if not isinstance(self.public, bool):
            raise ValidationError(f"{path}.public: expected true or false")
        self._validate_unused(path)
        if self.kind == "string":
            if not _is_int(self.max_length) or not 1 <= self.max_length <= MAX_STRING_LENGTH:
                raise ValidationError(f"{path}.maxLength: expected an integer in 1..4096")
            if not isinstance(self.pattern, str) or len(self.pattern) > MAX_PATTERN_CHARS:
                raise ValidationError(f"{path}.pattern: at most {MAX_PATTERN_CHARS} characters")
        elif self.kind == "integer":
            for keyword, bound in (("minimum", self.minimum), ("maximum", self.maximum)):
                if bound is not None and (not _is_int(bound) or not INT_MIN <= bound <= INT_MAX):
                    raise ValidationError(f"{path}.{keyword}: expected a 64-bit integer")
            low, high = self.minimum, self.maximum
            if low is not None and high is not None and low > high:
                raise ValidationError(f"{path}.maximum: less than the minimum")
        elif self.kind == "enum":
            self._validate_values(path)

    def _validate_unused(self, path: str) -> None:
        """The attributes of the other kinds keep their defaults."""
        used = {
            "string": ("max_length", "pattern"),
            "integer": ("minimum", "maximum"),
            "date": (),
            "enum": ("values",),
        }[self.kind]
        defaults = {"max_length": 0, "pattern": "", "minimum": None, "maximum": None, "values": ()}
        for attribute, default in defaults.items():
            if attribute not in used and getattr(self, attribute) != default:
                raise ValidationError(f"{path}: a {self.kind} field has no {attribute}")

    def _validate_values(self, path: str) -> None:
        if not isinstance(self.values, tuple) or not 1 <= len(self.values) <= MAX_ENUM_VALUES:
            raise ValidationError(f"{path}.enum: expected 1..{MAX_ENUM_VALUES} values")
        for value in self.values:
            if not isinstance(value, str) or not 1 <= len(value) <= MAX_ENUM_VALUE_CHARS:
                raise ValidationError(
                    f"{path}.enum: every value is text of 1..{MAX_ENUM_VALUE_CHARS} characters"
                )
        if len(set(self.values)) != len(self.values):
            raise ValidationError(f"{path}.enum: a value is listed twice")

    def to_cbor(self) -> dict[str, object]:
        """The property in canonical form: its kind's keywords, ``public`` always present."""
        if self.kind == "string":
            shape: dict[str, object] = {"type": "string", "maxLength": self.max_length}
            if self.pattern:
                shape["pattern"] = self.pattern
        elif self.kind == "integer":
            shape = {"type": "integer"}
            if self.minimum is not None:
                shape["minimum"] = self.minimum
            if self.maximum is not None:
                shape["maximum"] = self.maximum
        elif self.kind == "date":
            shape = {"type": "string", "format": "date"}
        else:
            shape = {"enum": list(self.values)}
        return {**shape, "public": self.public}

    def check_value(self, path: str, value: object, *, with_pattern: bool) -> None:
        """Raise ValidationError at ``path`` if ``value`` breaks this field's rule.

        The message names the rule and never the value. ``with_pattern``
        (client only) also matches the whole value against the pattern.
        """
        if self.kind == "integer":
            if not _is_int(value):
                raise ValidationError(f"{path}: expected an integer")
            assert isinstance(value, int)
            if self.minimum is not None and value < self.minimum:
                raise ValidationError(f"{path}: below the minimum {self.minimum}")
            if self.maximum is not None and value > self.maximum:
                raise ValidationError(f"{path}: above the maximum {self.maximum}")
            if not INT_MIN <= value <= INT_MAX:
                raise ValidationError(f"{path}: not a 64-bit integer")
            return
        if not isinstance(value, str):
            raise ValidationError(f"{path}: expected text")
        if self.kind == "string":
            if len(value) > self.max_length:
                raise ValidationError(f"{path}: longer than maxLength {self.max_length}")
            if with_pattern and self.pattern and re.fullmatch(self.pattern, value) is None:
                raise ValidationError(f"{path}: does not match the pattern {self.pattern}")
        elif self.kind == "date":
            if not is_calendar_date(value):
                raise ValidationError(f"{path}: expected a calendar date YYYY-MM-DD")
        elif value not in self.values:
            raise ValidationError(f"{path}: not one of {self._allowed()}")

    def _allowed(self) -> str:
        listed = ", ".join(self.values)
        if len(listed) <= _ENUM_LISTED_CHARS:
            return f"the enum's values ({listed})"
        return f"the enum's {len(self.values)} values"
