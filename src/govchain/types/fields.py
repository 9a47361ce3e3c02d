"""Checks shared by the records' ``validate()`` and ``from_cbor()``.

Every failure raises :class:`ValidationError` naming the record and field,
so a peer or client learns exactly what was wrong with what it sent.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from govchain.types.errors import ValidationError

HASH_SIZE = 32
UINT64_MAX = 2**64 - 1
NAME_PATTERN = re.compile(r"^[a-z][a-z0-9_-]*(\.[a-z][a-z0-9_-]*)*$")
CHAIN_ID_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")


def fields_of(what: str, obj: object, names: tuple[str, ...]) -> dict[str, Any]:
    """``obj`` as a map with exactly the keys ``names`` (no more, no fewer).

    The values are unchecked (``Any``): the caller builds its record and then
    runs ``validate()`` on it.
    """
    if not isinstance(obj, Mapping):
        raise ValidationError(f"{what}: expected a map, got {type(obj).__name__}")
    keys = set(obj)
    if keys != set(names):
        missing = sorted(set(names) - keys)
        extra = sorted(map(str, keys - set(names)))
        raise ValidationError(f"{what}: wrong fields (missing {missing}, unexpected {extra})")
    return dict(obj)


def check_uint(what: str, value: object, *, maximum: int = UINT64_MAX) -> int:
    """A non-negative integer (never a bool) no larger than ``maximum``."""
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= maximum:
        raise ValidationError(f"{what}: expected an integer in 0..{maximum}, got {value!r}")
    return value


def check_bytes(
    what: str, value: object, *, size: int | None = None, max_size: int = 2**20
) -> bytes:
    """A byte string of exactly ``size`` bytes, or at most ``max_size``."""
    if not isinstance(value, bytes):
        raise ValidationError(f"{what}: expected bytes, got {type(value).__name__}")
    if size is not None and len(value) != size:
        raise ValidationError(f"{what}: expected {size} bytes, got {len(value)}")
    if len(value) > max_size:
        raise ValidationError(f"{what}: {len(value)} bytes is over the limit of {max_size}")
    return value


def check_hash(what: str, value: object, *, allow_empty: bool = False) -> bytes:
    """A 32-byte hash (or ``b""`` where the field may be empty, e.g. at genesis)."""
    if allow_empty and value == b"":
        return b""
    return check_bytes(what, value, size=HASH_SIZE)


def check_text(
    what: str, value: object, *, max_size: int = 256, pattern: re.Pattern[str] | None = None
) -> str:
    """A text string of at most ``max_size`` characters, matching ``pattern`` if given."""
    if not isinstance(value, str):
        raise ValidationError(f"{what}: expected text, got {type(value).__name__}")
    if len(value) > max_size:
        raise ValidationError(f"{what}: {len(value)} characters is over the limit of {max_size}")
    if pattern is not None and not pattern.match(value):
        raise ValidationError(f"{what}: {value!r} is not of the form {pattern.pattern}")
    return value


def check_list(what: str, value: object, *, max_items: int) -> list[object]:
    """An array of at most ``max_items`` entries."""
    if not isinstance(value, (list, tuple)):
        raise ValidationError(f"{what}: expected an array, got {type(value).__name__}")
    if len(value) > max_items:
        raise ValidationError(f"{what}: {len(value)} entries is over the limit of {max_items}")
    return list(value)


def check_map(what: str, value: object, *, max_items: int = 64) -> dict[str, object]:
    """A map with text keys (e.g. tx arguments or event attributes)."""
    if not isinstance(value, Mapping):
        raise ValidationError(f"{what}: expected a map, got {type(value).__name__}")
    if len(value) > max_items:
        raise ValidationError(f"{what}: {len(value)} entries is over the limit of {max_items}")
    for key in value:
        check_text(f"{what} key", key, max_size=64)
    return dict(value)
