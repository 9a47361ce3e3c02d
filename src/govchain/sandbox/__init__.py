"""The WebAssembly sandbox of contracts departments write (docs/spec/contracts.md).

One deterministic wasmtime engine per process and its compiled-module cache
(``engine``), the module rules checked at submission (``rules``), the host
interface a contract imports with its fuel and limits (``host``), and one
metered call (``call``). It sits beside ``execution``: it imports only
``types``, ``codec`` and ``crypto`` of ours, and the lifecycle service
(``contracts.lifecycle``) drives it.
"""

from govchain.sandbox.call import FAILURE_REASONS, CallOutcome, run_call
from govchain.sandbox.engine import ModuleCache, sandbox_engine, shared_module_cache
from govchain.sandbox.errors import (
    SUBMISSION_CODES,
    ModuleRefusedError,
    SandboxError,
    UnknownMethodError,
)
from govchain.sandbox.host import ContractEvent, HostEnv, contract_state_key
from govchain.sandbox.rules import ModuleInfo, ModuleParams, check_module

__all__ = [
    "FAILURE_REASONS",
    "SUBMISSION_CODES",
    "CallOutcome",
    "ContractEvent",
    "HostEnv",
    "ModuleCache",
    "ModuleInfo",
    "ModuleParams",
    "ModuleRefusedError",
    "SandboxError",
    "UnknownMethodError",
    "check_module",
    "contract_state_key",
    "run_call",
    "sandbox_engine",
    "shared_module_cache",
]
