"""The kinds of code this package checks, and the one error a failed check raises."""

from __future__ import annotations

from enum import StrEnum

from govchain.types.errors import GovChainError

__all__ = ["CodeError", "CodeKind"]


class CodeKind(StrEnum):
    """A kind of identifier, by the name the CLI and the API use for it."""

    USCC = "uscc"
    """GB 32100-2015 统一社会信用代码 (unified social credit code)."""
    CITIZEN = "citizen"
    """GB 11643-1999 公民身份号码 (citizen identity number): personal data (F-C7)."""
    LICENCE = "licence"
    """GB/T 36904-2018 电子证照标识 (e-licence identifier)."""


class CodeError(GovChainError):
    """A code fails one of its standard's checks.

    ``check`` is a stable short name of the failed check (``length``,
    ``alphabet``, ``check_character``, ``birth_date``, ...), ``position`` the
    1-based character position it concerns when there is one. The message names
    the check and the position and never repeats the code itself: a citizen
    number is personal data (F-C7), and one message shape serves every kind.
    """

    code = "invalid_code"

    def __init__(
        self, kind: CodeKind, check: str, message: str, position: int | None = None
    ) -> None:
        super().__init__(message)
        self.kind = kind
        self.check = check
        self.position = position
