"""One call of a contract's method: instantiate, meter, run, collect writes and events.

``run_call`` never raises for anything the contract does: every failure is a
``CallOutcome`` with a reason code of docs/spec/contracts.md ("One call"),
the fuel used, and a text that is the same on every node (trap codes, never
addresses or timings). A failed call hands nothing to the env; a successful
one hands its writes (in order) and then its events.
"""

from __future__ import annotations

from dataclasses import dataclass

import wasmtime

from govchain.codec import DecodeError, decode
from govchain.sandbox.engine import sandbox_engine
from govchain.sandbox.errors import UnknownMethodError
from govchain.sandbox.host import (
    MAX_KEY_BYTES,
    MAX_VALUE_BYTES,
    CallStopped,
    ContractEvent,
    HostCall,
    HostEnv,
    fuel_left,
)
from govchain.sandbox.rules import ALLOC_EXPORT, MEMORY_EXPORT, METHOD_TYPE, RESERVED_EXPORT_PREFIX

MAX_ARGS_BYTES = 64 * 1024
MAX_RESULT_BYTES = 64 * 1024
WASM_PAGE_BYTES = 65_536
MAX_MEMORY_PAGES = 1_024
MAX_TABLE_ELEMENTS = 65_536

FAILURE_REASONS = (
    "out_of_fuel",
    "memory_limit",
    "trap",
    "contract_abort",
    "bad_result",
    "host_limit",
)
"""Why a call failed (docs/spec/contracts.md, "One call")."""


@dataclass(frozen=True, slots=True)
class CallOutcome:
    """What one call did: its result, or the reason it failed; the fuel; writes and events.

    ``writes`` holds one entry per key (``None`` is a deletion), in the order of
    each key's last write; both ``writes`` and ``events`` are empty on failure.
    """

    ok: bool
    fuel_used: int
    fuel_limit: int
    result: bytes = b""
    reason: str = ""
    detail: str = ""
    writes: tuple[tuple[bytes, bytes | None], ...] = ()
    events: tuple[ContractEvent, ...] = ()

    def validate(self) -> None:
        """Raise ValueError naming what is inconsistent."""
        if not 0 <= self.fuel_used <= self.fuel_limit:
            raise ValueError("fuel_used is between 0 and fuel_limit")
        if self.ok and self.reason:
            raise ValueError("a successful call has no reason")
        if not self.ok and self.reason not in FAILURE_REASONS:
            raise ValueError(f"reason must be one of {FAILURE_REASONS}")
        if not self.ok and (self.writes or self.events or self.result):
            raise ValueError("a failed call has no result, write or event")
        for key, value in self.writes:
            if len(key) > MAX_KEY_BYTES or (value is not None and len(value) > MAX_VALUE_BYTES):
                raise ValueError("a write is within the key and value limits")
        for event in self.events:
            event.validate()

    @property
    def error(self) -> str:
        """The failure text of a receipt: the reason first, the fuel used last ("" when ok)."""
        if self.ok:
            return ""
        fuel = f"used {self.fuel_used} of {self.fuel_limit} fuel"
        return f"{self.reason}: {self.detail}; {fuel}" if self.detail else f"{self.reason}: {fuel}"


def run_call(
    module: wasmtime.Module,
    method: str,
    args_cbor: bytes,
    env: HostEnv,
    fuel: int,
    memory_pages: int,
) -> CallOutcome:
    """Run ``method`` of a checked module (compiled by the sandbox engine) with ``fuel``.

    The contract's memory may grow to at most ``memory_pages`` pages of 64 KiB.

    Raises ``UnknownMethodError`` (before anything runs) when the module has no such
    method; every other failure is an outcome. On success the writes, then the
    events, are handed to ``env`` in order.
    """
    if not 1 <= memory_pages <= MAX_MEMORY_PAGES:
        raise ValueError(f"memory_pages must be 1..{MAX_MEMORY_PAGES}")
    if not _is_method(module, method):
        raise UnknownMethodError(method)
    limit = max(fuel, 0)
    if limit == 0:
        return CallOutcome(ok=False, fuel_used=0, fuel_limit=0, reason="out_of_fuel")
    if len(args_cbor) > MAX_ARGS_BYTES:
        detail = f"arguments of {len(args_cbor)} bytes exceed {MAX_ARGS_BYTES}"
        return CallOutcome(False, 0, limit, reason="host_limit", detail=detail)
    if _memory_minimum(module) > memory_pages:
        detail = f"the module's memory starts above {memory_pages} pages"
        return CallOutcome(False, 0, limit, reason="memory_limit", detail=detail)
    store = wasmtime.Store(sandbox_engine())
    store.set_fuel(limit)
    store.set_limits(
        memory_size=memory_pages * WASM_PAGE_BYTES,
        table_elements=MAX_TABLE_ELEMENTS,
        instances=1,
        tables=1,
        memories=1,
    )
    host = HostCall(env)
    run = _Run(store, module, host, memory_pages, limit)
    outcome = run.execute(method, args_cbor)
    if outcome.ok:
        for key, value in outcome.writes:
            if value is None:
                env.state_delete(key)
            else:
                env.state_put(key, value)
        for event in outcome.events:
            env.emit(event.name, event.data)
    return outcome


def _is_method(module: wasmtime.Module, method: str) -> bool:
    if method.startswith(RESERVED_EXPORT_PREFIX):
        return False
    for item in module.exports:
        if item.name == method and isinstance(item.type, wasmtime.FuncType):
            params = tuple(str(p) for p in item.type.params)
            results = tuple(str(r) for r in item.type.results)
            return (params, results) == METHOD_TYPE
    return False


def _memory_minimum(module: wasmtime.Module) -> int:
    for item in module.exports:
        if item.name == MEMORY_EXPORT and isinstance(item.type, wasmtime.MemoryType):
            return item.type.limits.min
    return 0


class _Run:
    """One instance in its store: the steps of a call and how each failure is named."""

    def __init__(
        self,
        store: wasmtime.Store,
        module: wasmtime.Module,
        host: HostCall,
        memory_pages: int,
        limit: int,
    ) -> None:
        self.store = store
        self.module = module
        self.host = host
        self.memory_pages = memory_pages
        self.limit = limit
        self.memory: wasmtime.Memory | None = None

    def used(self) -> int:
        return self.limit - fuel_left(self.store)

    def failure(self, reason: str, detail: str = "", used: int | None = None) -> CallOutcome:
        spent = self.used() if used is None else used
        return CallOutcome(False, spent, self.limit, reason=reason, detail=detail)

    def execute(self, method: str, args_cbor: bytes) -> CallOutcome:
        try:
            result = self._steps(method, args_cbor)
        except CallStopped as stopped:
            if stopped.reason == "out_of_fuel":
                return self.failure("out_of_fuel", used=self.limit)
            return self.failure(stopped.reason, stopped.detail)
        except wasmtime.Trap as trap:
            return self._trap_failure(trap)
        except wasmtime.WasmtimeError:
            # Instantiation refused by a store limit other than memory (tables, elements).
            return self.failure("trap", "instantiation_refused")
        if isinstance(result, CallOutcome):
            return result
        return CallOutcome(
            ok=True,
            fuel_used=self.used(),
            fuel_limit=self.limit,
            result=result,
            writes=self.host.pending_writes(),
            events=tuple(self.host.events),
        )

    def _steps(self, method: str, args_cbor: bytes) -> bytes | CallOutcome:
        linker = wasmtime.Linker(sandbox_engine())
        self.host.link(linker)
        instance = linker.instantiate(self.store, self.module)
        exports = instance.exports(self.store)
        memory = exports[MEMORY_EXPORT]
        assert isinstance(memory, wasmtime.Memory), "check_module requires an exported memory"
        self.memory = memory
        alloc, entry = exports[ALLOC_EXPORT], exports[method]
        assert isinstance(alloc, wasmtime.Func)
        assert isinstance(entry, wasmtime.Func)
        args_ptr = alloc(self.store, len(args_cbor))
        assert isinstance(args_ptr, int)
        start = args_ptr & 0xFFFF_FFFF
        if start + len(args_cbor) > memory.data_len(self.store):
            return self.failure("trap", "memory_out_of_bounds")
        if args_cbor:
            memory.write(self.store, args_cbor, start)
        packed = entry(self.store, args_ptr, len(args_cbor))
        assert isinstance(packed, int)
        return self._result(memory, packed)

    def _result(self, memory: wasmtime.Memory, packed: int) -> bytes | CallOutcome:
        packed &= 0xFFFF_FFFF_FFFF_FFFF
        ptr, length = packed >> 32, packed & 0xFFFF_FFFF
        if length > MAX_RESULT_BYTES:
            return self.failure(
                "bad_result", f"the result of {length} bytes exceeds {MAX_RESULT_BYTES}"
            )
        if ptr + length > memory.data_len(self.store):
            return self.failure("bad_result", "the result lies outside the contract's memory")
        raw = bytes(memory.read(self.store, ptr, ptr + length))
        try:
            decode(raw)
        except DecodeError:
            return self.failure("bad_result", "the result is not canonical CBOR")
        return raw

    def _trap_failure(self, trap: wasmtime.Trap) -> CallOutcome:
        code = trap.trap_code
        if code == wasmtime.TrapCode.OUT_OF_FUEL:
            return self.failure("out_of_fuel", used=self.limit)
        name = code.name.lower() if code is not None else "trap"
        if code == wasmtime.TrapCode.STACK_OVERFLOW:
            # The depth that overflows depends on machine code frame sizes: charge the
            # whole limit so the receipt is the same wherever the overflow happened.
            return self.failure("trap", name, used=self.limit)
        if self.memory is not None and self.memory.size(self.store) >= self.memory_pages:
            detail = f"{name} with the memory at its limit of {self.memory_pages} pages"
            return self.failure("memory_limit", detail)
        return self.failure("trap", name)
