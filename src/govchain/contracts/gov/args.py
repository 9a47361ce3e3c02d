"""Reading the arguments of a governance action: each refusal names the argument and the rule."""

from __future__ import annotations

import re
from collections.abc import Mapping

from govchain.codes.errors import CodeError
from govchain.codes.uscc import check_uscc
from govchain.execution.registry import ContractError
from govchain.types.validators import ADDRESS_SIZE

__all__ = ["ActionArgs"]


class ActionArgs:
    """The args map of one action; every getter raises ContractError naming the argument."""

    def __init__(self, action: str, args: Mapping[str, object], allowed: tuple[str, ...]) -> None:
        self.action = action
        self._args = args
        unknown = sorted(set(args) - set(allowed))
        if unknown:
            self.fail(f"unknown argument(s) {', '.join(unknown)} (takes {', '.join(allowed)})")

    def fail(self, message: str) -> ContractError:
        """Raise the refusal of this action."""
        raise ContractError(f"{self.action}: {message}")

    def _get(self, name: str, default: object = None) -> object:
        if name not in self._args:
            if default is None:
                self.fail(f"argument {name!r} is missing")
            return default
        return self._args[name]

    def text(
        self,
        name: str,
        *,
        max_size: int,
        pattern: re.Pattern[str] | None = None,
        default: str | None = None,
    ) -> str:
        """A text argument."""
        value = self._get(name, default)
        if not isinstance(value, str) or len(value) > max_size:
            self.fail(f"argument {name!r}: expected text of at most {max_size} characters")
        assert isinstance(value, str)
        if pattern is not None and not pattern.match(value):
            self.fail(f"argument {name!r}: not of the form {pattern.pattern}")
        return value

    def reason(self) -> str:
        """The ``reason`` argument: 1 to 256 characters."""
        value = self.text("reason", max_size=256)
        if not value.strip():
            self.fail("argument 'reason': must not be blank")
        return value

    def code(self, name: str = "code") -> str:
        """A credit code (GB 32100), checked."""
        value = self.text(name, max_size=18)
        try:
            check_uscc(value)
        except CodeError as exc:
            self.fail(f"argument {name!r}: {exc}")
        return value

    def uint(self, name: str, *, low: int, high: int, default: int | None = None) -> int:
        """An integer argument in ``low..high``."""
        value = self._get(name, default)
        if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
            self.fail(f"argument {name!r}: expected an integer in {low}..{high}")
        assert isinstance(value, int)
        return value

    def raw(self, name: str) -> object:
        """An argument of any type (checked by the caller)."""
        return self._get(name)

    def address(self, name: str = "address") -> bytes:
        """A 20-byte account address."""
        value = self._get(name)
        if not isinstance(value, bytes) or len(value) != ADDRESS_SIZE:
            self.fail(f"argument {name!r}: expected a {ADDRESS_SIZE}-byte address")
        assert isinstance(value, bytes)
        return value

    def byte_list(
        self,
        name: str,
        *,
        max_items: int,
        max_size: int,
        min_items: int = 0,
        default: list[bytes] | None = None,
    ) -> tuple[bytes, ...]:
        """A list of byte strings (``default`` when absent; required without one)."""
        value = self._get(name, default)
        if (
            not isinstance(value, list)
            or not min_items <= len(value) <= max_items
            or not all(isinstance(item, bytes) and 0 < len(item) <= max_size for item in value)
        ):
            self.fail(
                f"argument {name!r}: expected {min_items} to {max_items} byte strings of at most "
                f"{max_size} bytes"
            )
        assert isinstance(value, list)
        if len(set(value)) != len(value):
            self.fail(f"argument {name!r}: an item is listed twice")
        return tuple(value)

    def names(
        self, name: str, *, allowed: tuple[str, ...] | None = None, default: list[str] | None = None
    ) -> tuple[str, ...]:
        """A sorted list of distinct names (each one of ``allowed`` when given)."""
        value = self._get(name, default)
        if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
            self.fail(f"argument {name!r}: expected a list of names")
        assert isinstance(value, list)
        if value != sorted(set(value)):
            self.fail(f"argument {name!r}: names must be sorted and distinct")
        if allowed is not None:
            for item in value:
                if item not in allowed:
                    self.fail(f"argument {name!r}: {item!r} is not one of {', '.join(allowed)}")
        return tuple(value)
