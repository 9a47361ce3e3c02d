"""Limits the decoder enforces before it allocates anything."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Limits:
    """Upper bounds for one decode call.

    ``max_bytes`` bounds the whole input, ``max_depth`` the nesting of arrays
    and maps, ``max_items`` the number of entries in any one array or map, and
    ``max_string_bytes`` the length of any one byte or text string.
    """

    max_bytes: int = 4 * 1024 * 1024
    max_depth: int = 32
    max_items: int = 65_536
    max_string_bytes: int = 4 * 1024 * 1024

    def __post_init__(self) -> None:
        for name in ("max_bytes", "max_depth", "max_items", "max_string_bytes"):
            if getattr(self, name) < 1:
                raise ValueError(f"Limits.{name} must be at least 1")


DEFAULT_LIMITS = Limits()
