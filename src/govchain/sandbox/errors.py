"""The sandbox's typed errors: a module refused at submission, a call that cannot start.

A call that starts never raises one of these: its failures are outcomes
(``call.CallOutcome``) with a reason code, the same on every node.
"""

from __future__ import annotations

SUBMISSION_CODES = (
    "not_wasm",
    "too_large",
    "bad_import",
    "floats_forbidden",
    "no_entry",
    "bad_export",
)
"""The refusal codes of the module rules (docs/spec/contracts.md, "Module rules")."""


class SandboxError(ValueError):
    """Something the sandbox refuses, with a stable ``code`` and a reason for people."""

    code: str = "sandbox_error"

    def __init__(self, code: str, reason: str) -> None:
        super().__init__(f"{code}: {reason}")
        self.code = code
        self.reason = reason


class ModuleRefusedError(SandboxError):
    """A module that breaks a module rule; ``code`` is one of ``SUBMISSION_CODES``."""

    def __init__(self, code: str, reason: str) -> None:
        if code not in SUBMISSION_CODES:
            raise ValueError(f"unknown submission code {code!r}")
        super().__init__(code, reason)


class UnknownMethodError(SandboxError):
    """A call names a method the module does not export (code ``unknown_method``)."""

    def __init__(self, method: str) -> None:
        super().__init__("unknown_method", f"the module exports no method {method!r}")
