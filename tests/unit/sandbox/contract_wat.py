"""Contracts for the sandbox's tests, written in the WebAssembly text format.

``contract(...)`` wraps methods in the frame every contract needs: the host
imports it names, an exported memory, a bump ``govchain_alloc``, and data at
fixed offsets (CBOR ``true`` at 16, ``null`` at 17, ``false`` at 18). A
method returns ``(ptr << 32) | len`` with ``$ret``.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import wasmtime

from govchain.sandbox import ModuleParams, check_module, shared_module_cache
from govchain.sandbox.host import HOST_FUNCTION_TYPES

TRUE_AT = 16
NULL_AT = 17
FALSE_AT = 18

RET = """
  (func $ret (param $ptr i32) (param $len i32) (result i64)
    (i64.or (i64.shl (i64.extend_i32_u (local.get $ptr)) (i64.const 32))
            (i64.extend_i32_u (local.get $len))))
"""


def host_import(name: str) -> str:
    """The import of one host function under ``$name`` with its type."""
    params, results = HOST_FUNCTION_TYPES[name]
    param_text = f"(param {' '.join(params)})" if params else ""
    result_text = f"(result {' '.join(results)})" if results else ""
    return f'(import "govchain" "{name}" (func ${name} {param_text} {result_text}))'


def contract_wat(
    methods: str, imports: tuple[str, ...] = (), pages: int = 1, data: str = ""
) -> str:
    """The text of a contract with ``methods`` (WAT functions, exported by the caller)."""
    import_text = "\n  ".join(host_import(name) for name in imports)
    return f"""(module
  {import_text}
  (memory (export "memory") {pages})
  (global $heap (mut i32) (i32.const 4096))
  (data (i32.const {TRUE_AT}) "\\f5\\f6\\f4")
  {data}
  (func (export "govchain_alloc") (param $n i32) (result i32)
    (local $p i32)
    (local.set $p (global.get $heap))
    (global.set $heap (i32.add (global.get $heap) (local.get $n)))
    (local.get $p))
  {RET}
  {methods}
)"""


def contract(methods: str, imports: tuple[str, ...] = (), pages: int = 1, data: str = "") -> bytes:
    """The binary of :func:`contract_wat`."""
    return bytes(wasmtime.wat2wasm(contract_wat(methods, imports, pages, data)))


def compiled(code: bytes) -> wasmtime.Module:
    """Check ``code`` against the default rules, then compile it through the shared cache."""
    check_module(code, ModuleParams())
    return shared_module_cache().module(code, code)


@dataclass
class FakeEnv:
    """A ``HostEnv`` over dicts: what the lifecycle's tx context would give a call."""

    state: dict[bytes, bytes] = field(default_factory=dict)
    events: list[tuple[str, bytes]] = field(default_factory=list)
    roles: set[tuple[bytes, str]] = field(default_factory=set)
    caller: bytes = bytes(range(1, 21))
    height: int = 42
    time_ms: int = 1_700_000_000_123
    tx_hash: bytes = bytes(range(100, 132))
    log: list[str] = field(default_factory=list)

    def state_get(self, key: bytes) -> bytes | None:
        self.log.append(f"get {key!r}")
        return self.state.get(key)

    def state_put(self, key: bytes, value: bytes) -> None:
        self.log.append(f"put {key!r}")
        self.state[key] = value

    def state_delete(self, key: bytes) -> None:
        self.log.append(f"delete {key!r}")
        self.state.pop(key, None)

    def emit(self, name: str, data: bytes) -> None:
        self.events.append((name, data))

    def has_role(self, address: bytes, role: str) -> bool:
        return (address, role) in self.roles
