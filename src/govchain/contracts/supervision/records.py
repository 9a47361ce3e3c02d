"""The stored record of ``supervision``: a regulator's scope (docs/spec/supervision.md)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import ClassVar

from govchain.codes import CodeError, check_uscc
from govchain.contracts.assets.records import check_type_code
from govchain.contracts.registry.records import FieldRecord
from govchain.types.errors import ValidationError
from govchain.types.fields import check_bytes, check_list, check_text, check_uint
from govchain.types.validators import ADDRESS_SIZE

__all__ = ["MAX_SCOPE_ITEMS", "SCOPE_ID_SIZE", "SCOPE_STATUSES", "RegulatorScope"]

MAX_SCOPE_ITEMS = 64
SCOPE_ID_SIZE = 16
SCOPE_STATUSES = ("active", "removed")
_MATTER_CODE = re.compile(r"^[0-9A-Za-z._-]{1,64}$")
"""A matter code as docs/spec/workflow.md has it (not imported: workflow reads grants, which
reads this module)."""


def _sorted_distinct(what: str, items: tuple[str, ...]) -> None:
    check_list(what, list(items), max_items=MAX_SCOPE_ITEMS)
    if list(items) != sorted(set(items)):
        raise ValidationError(f"{what}: sorted and distinct")


@dataclass(frozen=True, slots=True)
class RegulatorScope(FieldRecord):
    """What one regulator supervises: asset types, departments, matters."""

    WHAT: ClassVar[str] = "scope"
    id: bytes
    regulator: bytes
    types: tuple[str, ...]
    departments: tuple[str, ...]
    matters: tuple[str, ...]
    status: str
    height: int
    reason: str

    def validate(self) -> None:
        """Raise ValidationError naming the first field that breaks its rule."""
        check_bytes("scope.id", self.id, size=SCOPE_ID_SIZE)
        check_bytes("scope.regulator", self.regulator, size=ADDRESS_SIZE)
        _sorted_distinct("scope.types", self.types)
        for code in self.types:
            check_type_code("scope.types", code)
        _sorted_distinct("scope.departments", self.departments)
        for code in self.departments:
            try:
                check_uscc(code)
            except CodeError as exc:
                raise ValidationError(f"scope.departments: {code}: {exc}") from None
        _sorted_distinct("scope.matters", self.matters)
        for code in self.matters:
            check_text("scope.matters", code, max_size=64, pattern=_MATTER_CODE)
        if not (self.types or self.departments or self.matters):
            raise ValidationError("scope: names at least one type, department or matter")
        if self.status not in SCOPE_STATUSES:
            raise ValidationError(f"scope.status: expected one of {SCOPE_STATUSES}")
        check_uint("scope.height", self.height)
        check_text("scope.reason", self.reason, max_size=256)
        if not self.reason.strip():
            raise ValidationError("scope.reason: must not be blank")
