"""What the lifecycle needs of the sandbox: :class:`ContractRunner`, checked modules and one call.

docs/spec/contracts.md, "The lifecycle" (the runner). The sandbox
(``govchain.sandbox``) implements the protocol; the lifecycle handlers see
only these types, so they are tested with a runner of the tests' own. The
node gives the runner to the service through
``ServiceContext.contract_runner``; a chain without one runs no contracts
service (:func:`govchain.contracts.lifecycle.register` adds no handler).

A runner is deterministic: the same code, method, arguments, environment
and fuel give the same :class:`CallOutcome` on every node.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

from govchain.types.errors import GovChainError

__all__ = [
    "CALL_REASONS",
    "MODULE_REFUSALS",
    "CallEnv",
    "CallOutcome",
    "ContractEvent",
    "ContractRunner",
    "ModuleInfo",
    "ModuleRefusedError",
    "RunnerParams",
]

MODULE_REFUSALS = (
    "not_wasm",
    "too_large",
    "bad_import",
    "floats_forbidden",
    "no_entry",
    "bad_export",
)
"""The reason codes of a module refused at submission (docs/spec/contracts.md, "Module rules")."""
CALL_REASONS = ("out_of_fuel", "memory_limit", "trap", "contract_abort", "bad_result", "host_limit")
"""The reason codes of a failed call (docs/spec/contracts.md, "The sandbox")."""


class ModuleRefusedError(GovChainError):
    """A module breaks a module rule: ``reason`` is one of :data:`MODULE_REFUSALS`."""

    code = "module_refused"

    def __init__(self, reason: str, message: str) -> None:
        super().__init__(f"{reason}: {message}")
        self.reason = reason


@dataclass(frozen=True, slots=True)
class RunnerParams:
    """The chain parameters a module check and a call depend on (``contracts/params``)."""

    memory_pages: int
    max_module_bytes: int
    allow_floats: bool


@dataclass(frozen=True, slots=True)
class ModuleInfo:
    """A module that passed the rules: its callable methods, sorted."""

    methods: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class ContractEvent:
    """An event a contract emitted: its name and its canonical CBOR data."""

    name: str
    data: bytes


@dataclass(frozen=True, slots=True)
class CallOutcome:
    """What one call did: success with its result, or a failure ``reason`` and its message.

    ``writes`` are the contract's own keys (without the ``contracts/s/<id>/``
    prefix) in call order, None for a deletion; a failure has no writes and
    no events. ``fuel_used`` is at most the fuel the call was given.
    """

    ok: bool
    fuel_used: int
    result: bytes = b""
    writes: tuple[tuple[bytes, bytes | None], ...] = ()
    events: tuple[ContractEvent, ...] = ()
    reason: str = ""
    """One of :data:`CALL_REASONS` when ``ok`` is false."""
    message: str = ""


@dataclass(frozen=True, slots=True)
class CallEnv:
    """The host side of one call: what the host interface's imports answer.

    ``state_get`` reads one of the contract's own keys (prefix added by the
    lifecycle) as the tx's context sees it; ``has_role`` answers the
    registry query (an active account holding the role).
    """

    contract: bytes
    caller: bytes
    height: int
    time: int
    tx_hash: bytes
    state_get: Callable[[bytes], bytes | None]
    has_role: Callable[[bytes, str], bool]


class ContractRunner(Protocol):
    """The sandbox as the lifecycle uses it (``govchain.sandbox`` implements it)."""

    def check(self, code: bytes, params: RunnerParams) -> ModuleInfo:
        """The module's methods; raises :class:`ModuleRefusedError` naming the rule it breaks."""
        ...

    def call(
        self,
        code_hash: bytes,
        code: bytes,
        method: str,
        args: bytes,
        env: CallEnv,
        fuel: int,
        params: RunnerParams,
    ) -> CallOutcome:
        """Run ``method`` of the module with canonical CBOR ``args`` and at most ``fuel``."""
        ...
