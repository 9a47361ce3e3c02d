"""A small stand-in for the chain's host interface, to run built contracts in tests.

It implements the imports of module ``govchain`` exactly as docs/spec/contracts.md
("The host interface") fixes them, over a dict of the contract's own state, in a
wasmtime engine configured like the sandbox's (fuel on, NaN canonicalization, no
threads or SIMD). It keeps no fuel table: the sandbox (``govchain.sandbox``) owns
costs; this only checks what a contract does with the interface.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import wasmtime

HOST_IMPORTS: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "state_get": (("i32", "i32", "i32", "i32"), ("i32",)),
    "state_set": (("i32", "i32", "i32", "i32"), ()),
    "state_delete": (("i32", "i32"), ()),
    "emit": (("i32", "i32", "i32", "i32"), ()),
    "caller": (("i32",), ("i32",)),
    "height": ((), ("i64",)),
    "time": ((), ("i64",)),
    "tx_hash": (("i32",), ("i32",)),
    "has_role": (("i32", "i32", "i32"), ("i32",)),
    "abort": (("i32", "i32"), ()),
}
"""The spec's host imports: name -> (parameter types, result types)."""

FUEL = 10_000_000
_TYPES = {"i32": wasmtime.ValType.i32(), "i64": wasmtime.ValType.i64()}


class ContractAbortError(Exception):
    """The contract called ``abort`` with this message."""


@dataclass
class CallOutcome:
    """What one call did: its result bytes, or the abort message, and its writes and events."""

    result: bytes | None = None
    abort: str | None = None
    writes: list[tuple[bytes, bytes | None]] = field(default_factory=list)
    events: list[tuple[str, bytes]] = field(default_factory=list)


def make_engine() -> wasmtime.Engine:
    """An engine configured like the sandbox's (docs/spec/contracts.md, "The sandbox")."""
    config = wasmtime.Config()
    config.consume_fuel = True
    config.cranelift_nan_canonicalization = True
    config.wasm_threads = False
    config.wasm_simd = False
    config.wasm_relaxed_simd = False
    config.wasm_multi_memory = False
    config.wasm_memory64 = False
    return wasmtime.Engine(config)


@dataclass
class FakeHost:
    """A contract's own state and the tx context a call sees."""

    caller: bytes = b"\x11" * 20
    height: int = 7
    time: int = 1_796_544_116_123
    tx_hash: bytes = b"\x22" * 32
    roles: set[tuple[bytes, str]] = field(default_factory=set)
    state: dict[bytes, bytes] = field(default_factory=dict)
    engine: wasmtime.Engine = field(default_factory=make_engine)

    def call(self, module: bytes, method: str, args: bytes) -> CallOutcome:
        """Run ``method`` with ``args``; on success its writes are applied to ``state``."""
        outcome = CallOutcome()
        store = wasmtime.Store(self.engine)
        store.set_fuel(FUEL)
        linker = self._linker(outcome)
        instance = linker.instantiate(store, wasmtime.Module(self.engine, module))
        exports = instance.exports(store)
        memory = exports["memory"]
        assert isinstance(memory, wasmtime.Memory)
        alloc, entry = exports["govchain_alloc"], exports[method]
        assert isinstance(alloc, wasmtime.Func)
        assert isinstance(entry, wasmtime.Func)
        ptr = alloc(store, len(args))
        memory.write(store, args, ptr)
        try:
            packed = entry(store, ptr, len(args))
        except ContractAbortError as exc:
            return CallOutcome(abort=str(exc))
        except wasmtime.WasmtimeError as exc:
            if isinstance(exc.__cause__, ContractAbortError):
                return CallOutcome(abort=str(exc.__cause__))
            raise
        start, length = (packed >> 32) & 0xFFFFFFFF, packed & 0xFFFFFFFF
        outcome.result = bytes(memory.read(store, start, start + length))
        for key, value in outcome.writes:
            if value is None:
                self.state.pop(key, None)
            else:
                self.state[key] = value
        return outcome

    def _linker(self, outcome: CallOutcome) -> wasmtime.Linker:
        linker = wasmtime.Linker(self.engine)
        pending: dict[bytes, bytes | None] = {}

        def mem(caller: wasmtime.Caller) -> wasmtime.Memory:
            memory = caller["memory"]
            assert isinstance(memory, wasmtime.Memory)
            return memory

        def read(caller: wasmtime.Caller, ptr: int, length: int) -> bytes:
            return bytes(mem(caller).read(caller, ptr, ptr + length))

        def state_get(caller: wasmtime.Caller, kp: int, kl: int, op: int, cap: int) -> int:
            key = read(caller, kp, kl)
            value = pending[key] if key in pending else self.state.get(key)
            if value is None:
                return -1
            if len(value) <= cap:
                mem(caller).write(caller, value, op)
            return len(value)

        def state_set(caller: wasmtime.Caller, kp: int, kl: int, vp: int, vl: int) -> None:
            key, value = read(caller, kp, kl), read(caller, vp, vl)
            pending[key] = value
            outcome.writes.append((key, value))

        def state_delete(caller: wasmtime.Caller, kp: int, kl: int) -> None:
            key = read(caller, kp, kl)
            pending[key] = None
            outcome.writes.append((key, None))

        def emit(caller: wasmtime.Caller, np: int, nl: int, dp: int, dl: int) -> None:
            outcome.events.append((read(caller, np, nl).decode("ascii"), read(caller, dp, dl)))

        def write_out(caller: wasmtime.Caller, data: bytes, ptr: int) -> int:
            mem(caller).write(caller, data, ptr)
            return len(data)

        def has_role(caller: wasmtime.Caller, ap: int, rp: int, rl: int) -> int:
            return int((read(caller, ap, 20), read(caller, rp, rl).decode()) in self.roles)

        def abort(caller: wasmtime.Caller, mp: int, ml: int) -> None:
            raise ContractAbortError(read(caller, mp, ml).decode("utf-8", "replace"))

        functions = {
            "state_get": state_get,
            "state_set": state_set,
            "state_delete": state_delete,
            "emit": emit,
            "caller": lambda c, p: write_out(c, self.caller, p),
            "height": lambda _c: self.height,
            "time": lambda _c: self.time,
            "tx_hash": lambda c, p: write_out(c, self.tx_hash, p),
            "has_role": has_role,
            "abort": abort,
        }
        for name, (params, results) in HOST_IMPORTS.items():
            kind = wasmtime.FuncType([_TYPES[t] for t in params], [_TYPES[t] for t in results])
            linker.define_func("govchain", name, kind, functions[name], access_caller=True)
        return linker
