"""Why a contract did not build: each error's text is one line an operator can act on."""

from __future__ import annotations

from govchain.types.errors import GovChainError

__all__ = ["BadProjectError", "BuildError", "CompileFailedError", "CompilerMissingError"]


class BuildError(GovChainError):
    """A contract did not build; ``str(error)`` says why in one line."""

    code = "build_failed"


class BadProjectError(BuildError):
    """The directory is not a contract project this command builds."""


class CompilerMissingError(BuildError):
    """The language's compiler is not installed here."""


class CompileFailedError(BuildError):
    """The compiler ran and refused the source; the message has its first lines."""
