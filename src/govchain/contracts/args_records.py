"""Argument records parsed field by field: the shape every service's ``txs`` may use.

A record is a frozen dataclass subclassing :class:`ParsedArgs`: ``TX_TYPE``
names its tx type, ``CHECKS`` maps each field to the check its value must
pass (a function of the field's name and value that returns the value or
raises ValidationError). ``from_args`` takes the required fields (no
default) and the optional ones present; ``to_args`` leaves optional fields
at their default out. A bad argument is a ContractError starting with
``invalid_args:``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import MISSING, fields
from typing import ClassVar, TypeVar

from govchain.execution.registry import ContractError
from govchain.types.errors import ValidationError

__all__ = ["Check", "ParsedArgs"]

Check = Callable[[str, object], object]
_A = TypeVar("_A", bound="ParsedArgs")


class ParsedArgs:
    """An argument record: ``TX_TYPE``, and per field the check its value must pass."""

    TX_TYPE: ClassVar[str]
    CHECKS: ClassVar[dict[str, Check]]

    @classmethod
    def from_args(cls: type[_A], args: Mapping[str, object]) -> _A:
        """Parse strictly; ContractError ``invalid_args`` names what is wrong."""
        declared = fields(cls)  # type: ignore[arg-type]
        required = {f.name for f in declared if f.default is MISSING}
        allowed = {f.name for f in declared}
        names = set(args)
        if not required <= names or not names <= allowed:
            raise ContractError(
                f"invalid_args: {cls.TX_TYPE} needs {sorted(required)} and may have "
                f"{sorted(allowed - required)} (missing {sorted(required - names)}, "
                f"unexpected {sorted(names - allowed)})"
            )
        try:
            values = {name: cls.CHECKS[name](name, args[name]) for name in sorted(names)}
        except ValidationError as exc:
            raise ContractError(f"invalid_args: {cls.TX_TYPE}: {exc}") from exc
        return cls(**values)

    def to_args(self) -> dict[str, object]:
        """The tx's args map (optional fields at their default left out)."""
        found: dict[str, object] = {}
        for f in fields(self):  # type: ignore[arg-type]
            value = getattr(self, f.name)
            if f.default is not MISSING and value == f.default:
                continue
            found[f.name] = list(value) if isinstance(value, tuple) else value
        return found
