"""Path and query parameters every router parses the same way: hashes as hex, and pages.

A list read is paged: ``limit`` (a default and a maximum per read) and an
opaque ``cursor`` taken from the ``next`` of the previous page. A bad cursor
is ``invalid_cursor`` (400); a limit outside 1..max is ``invalid_request``.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any, TypeVar

from fastapi import Path, Query

from govchain.api.errors import ApiError
from govchain.types.errors import ValidationError
from govchain.types.fields import HASH_SIZE

__all__ = [
    "HASH_PATTERN",
    "INDEX_CURSOR_PATTERN",
    "address_path",
    "cursor_query",
    "hash_path",
    "limit_query",
    "parse_cursor",
    "parse_hex",
    "parse_index_cursor",
]

HASH_PATTERN = rf"^[0-9a-fA-F]{{{2 * HASH_SIZE}}}$"
_HEX_DIGITS = frozenset("0123456789abcdefABCDEF")
_T = TypeVar("_T")


def address_path() -> Any:
    """A path parameter that is an account address (40 hex digits)."""
    return Path(
        description="the account address: 20 bytes as 40 hex digits",
        json_schema_extra={"pattern": r"^[0-9a-fA-F]{40}$"},
    )


def hash_path(what: str) -> Any:
    """The ``Path`` of a 32-byte hash parameter (documented as 64 hex digits)."""
    return Path(
        description=f"{what}: {HASH_SIZE} bytes as {2 * HASH_SIZE} hex digits",
        json_schema_extra={"pattern": HASH_PATTERN},
    )


def parse_hex(value: str, name: str, size: int) -> bytes:
    """Bytes of the ``size``-byte hex path parameter ``name``; ApiError ``invalid_hex`` if not."""
    if len(value) != 2 * size:
        raise ApiError(
            "invalid_hex",
            f"{name}: expected {2 * size} hex digits ({size} bytes), got {len(value)} characters",
        )
    if not _HEX_DIGITS.issuperset(value):
        raise ApiError("invalid_hex", f"{name}: only hex digits 0-9 and a-f are allowed")
    return bytes.fromhex(value)


def limit_query(default: int, maximum: int, what: str) -> Any:
    """The ``limit`` query parameter of a page of ``what``: 1 to ``maximum``."""
    assert 1 <= default <= maximum
    return Query(
        ge=1,
        le=maximum,
        description=f"the most {what} in the page: 1 to {maximum} (default {default})",
    )


def cursor_query(pattern: str, example: str) -> Any:
    """The ``cursor`` query parameter: the ``next`` of the previous page; absent: the start.

    ``pattern`` is documented, not enforced here: the read's own parser checks
    it, so a malformed cursor is ``invalid_cursor`` (400), not a 422.
    """
    return Query(
        description="where the page starts: the `next` of the previous page (absent: the first)",
        json_schema_extra={"pattern": pattern, "examples": [example]},
    )


def parse_cursor(parse: Callable[[str], _T], text: str) -> _T:
    """A cursor parsed by its read's ``parse``; ApiError ``invalid_cursor`` if malformed."""
    try:
        return parse(text)
    except ValidationError as exc:
        raise ApiError("invalid_cursor", str(exc)) from exc


INDEX_CURSOR_PATTERN = r"^[0-9]{1,10}$"


def parse_index_cursor(text: str) -> int:
    """A decimal list-index cursor (1 to 10 digits); ValidationError if malformed."""
    if not re.match(INDEX_CURSOR_PATTERN, text):
        raise ValidationError(f"cursor {text[:16]!r}: expected 1 to 10 decimal digits")
    return int(text)
