"""The module rules checked at submission (docs/spec/contracts.md, "Module rules").

``check_module`` refuses a module with a ``ModuleRefusedError`` whose code is one
of the spec's submission codes and whose reason names what was wrong (the
import, the export, the first float and where); otherwise it says what the
module offers (``ModuleInfo``). Rules are checked in the order of the spec's
table after the size: too_large, not_wasm, bad_import, floats_forbidden,
no_entry, bad_export; the first broken rule is reported.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import wasmtime

from govchain.sandbox.engine import sandbox_engine
from govchain.sandbox.errors import ModuleRefusedError
from govchain.sandbox.host import HOST_FUNCTION_TYPES, HOST_MODULE
from govchain.sandbox.wasm_binary import (
    WASM_MAGIC,
    WASM_VERSION_1,
    WasmDecodeError,
    find_first_float,
)

MIN_MODULE_BYTES_LIMIT = 1_024
MAX_MODULE_BYTES_LIMIT = 8_388_608
ALLOC_EXPORT = "govchain_alloc"
MEMORY_EXPORT = "memory"
RESERVED_EXPORT_PREFIX = "govchain_"
METHOD_NAME_PATTERN = re.compile(r"[A-Za-z_][A-Za-z0-9_]{0,63}")
METHOD_TYPE = (("i32", "i32"), ("i64",))
ALLOC_TYPE = (("i32",), ("i32",))


@dataclass(frozen=True, slots=True)
class ModuleParams:
    """The chain parameters the module rules read (``contracts/params``)."""

    max_module_bytes: int = 524_288
    allow_floats: bool = False

    def validate(self) -> None:
        """Raise ValueError naming the parameter out of its bound."""
        if not MIN_MODULE_BYTES_LIMIT <= self.max_module_bytes <= MAX_MODULE_BYTES_LIMIT:
            raise ValueError(
                f"max_module_bytes must be {MIN_MODULE_BYTES_LIMIT}..{MAX_MODULE_BYTES_LIMIT}"
            )
        if not isinstance(self.allow_floats, bool):
            raise ValueError("allow_floats must be true or false")


@dataclass(frozen=True, slots=True)
class ModuleInfo:
    """What a module that passed the rules offers: its methods and the host functions it uses."""

    methods: tuple[str, ...]
    imports: tuple[str, ...]

    def validate(self) -> None:
        """Raise ValueError naming what is wrong."""
        if not self.methods:
            raise ValueError("a module has at least one method")
        if list(self.methods) != sorted(set(self.methods)):
            raise ValueError("methods are sorted and unique")
        for method in self.methods:
            if METHOD_NAME_PATTERN.fullmatch(method) is None:
                raise ValueError(f"method name {method!r} is not 1..64 letters, digits or '_'")
        if list(self.imports) != sorted(set(self.imports)):
            raise ValueError("imports are sorted and unique")
        unknown = set(self.imports) - set(HOST_FUNCTION_TYPES)
        if unknown:
            raise ValueError(f"unknown host functions {sorted(unknown)}")


def check_module(code: bytes, params: ModuleParams) -> ModuleInfo:
    """Check ``code`` against the module rules: what it offers, or ``ModuleRefusedError``."""
    params.validate()
    if len(code) > params.max_module_bytes:
        raise ModuleRefusedError(
            "too_large", f"the module is {len(code)} bytes, the limit is {params.max_module_bytes}"
        )
    module = _compile(code)
    imports = _check_imports(module)
    if not params.allow_floats:
        _check_floats(code)
    methods = _check_exports(module)
    return ModuleInfo(methods=methods, imports=imports)


def _compile(code: bytes) -> wasmtime.Module:
    # wasmtime also accepts the text format: only the binary of a core module is WebAssembly here.
    if code[:4] != WASM_MAGIC:
        raise ModuleRefusedError("not_wasm", "the bytes do not start with the WebAssembly magic")
    if code[4:8] != WASM_VERSION_1:
        raise ModuleRefusedError("not_wasm", "not a WebAssembly core module of version 1")
    try:
        return wasmtime.Module(sandbox_engine(), code)
    except wasmtime.WasmtimeError as error:
        raise ModuleRefusedError("not_wasm", _validation_reason(str(error))) from None


def _validation_reason(message: str) -> str:
    """wasmtime's innermost cause, e.g. ``SIMD support is not enabled (at offset 0xb)``."""
    lines = [line.strip() for line in message.splitlines() if line.strip()]
    cause = lines[-1] if lines else "invalid module"
    cause = re.sub(r"^\d+:\s*", "", cause)
    return f"wasmtime refuses the module: {cause}"[:300]


def _signature(func_type: wasmtime.FuncType) -> tuple[tuple[str, ...], tuple[str, ...]]:
    return tuple(str(p) for p in func_type.params), tuple(str(r) for r in func_type.results)


def _show(signature: tuple[tuple[str, ...], tuple[str, ...]]) -> str:
    params, results = signature
    return f"({' '.join(params)}) -> ({' '.join(results)})"


def _check_imports(module: wasmtime.Module) -> tuple[str, ...]:
    used: set[str] = set()
    for item in module.imports:
        name = item.name or ""
        label = f"{item.module}.{name}"
        if item.module != HOST_MODULE or name not in HOST_FUNCTION_TYPES:
            raise ModuleRefusedError(
                "bad_import", f"{label} is not a function of the host interface"
            )
        if not isinstance(item.type, wasmtime.FuncType):
            raise ModuleRefusedError(
                "bad_import", f"{label} is imported as something else than a function"
            )
        expected = HOST_FUNCTION_TYPES[name]
        found = _signature(item.type)
        if found != expected:
            raise ModuleRefusedError(
                "bad_import", f"{label} has type {_show(found)}, the host's is {_show(expected)}"
            )
        used.add(name)
    return tuple(sorted(used))


def _check_floats(code: bytes) -> None:
    try:
        found = find_first_float(code)
    except WasmDecodeError as error:
        raise ModuleRefusedError("not_wasm", str(error)) from None
    if found is not None:
        raise ModuleRefusedError("floats_forbidden", f"floats are forbidden: {found.describe()}")


def _check_exports(module: wasmtime.Module) -> tuple[str, ...]:
    functions: dict[str, wasmtime.FuncType] = {}
    has_memory = False
    for item in module.exports:
        if isinstance(item.type, wasmtime.FuncType):
            functions[item.name] = item.type
        elif isinstance(item.type, wasmtime.MemoryType) and item.name == MEMORY_EXPORT:
            has_memory = True
    if not has_memory:
        raise ModuleRefusedError(
            "no_entry", f"the module does not export its memory as {MEMORY_EXPORT!r}"
        )
    if ALLOC_EXPORT not in functions:
        raise ModuleRefusedError("no_entry", f"the module does not export {ALLOC_EXPORT}")
    alloc_type = _signature(functions[ALLOC_EXPORT])
    if alloc_type != ALLOC_TYPE:
        raise ModuleRefusedError(
            "bad_export", f"{ALLOC_EXPORT} has type {_show(alloc_type)}, not {_show(ALLOC_TYPE)}"
        )
    methods = sorted(name for name in functions if not name.startswith(RESERVED_EXPORT_PREFIX))
    if not methods:
        raise ModuleRefusedError("no_entry", "the module exports no callable method")
    for name in methods:
        if METHOD_NAME_PATTERN.fullmatch(name) is None:
            raise ModuleRefusedError(
                "bad_export", f"method name {name[:80]!r} is not 1..64 letters, digits or '_'"
            )
        found = _signature(functions[name])
        if found != METHOD_TYPE:
            raise ModuleRefusedError(
                "bad_export", f"method {name!r} has type {_show(found)}, not {_show(METHOD_TYPE)}"
            )
    return tuple(methods)
