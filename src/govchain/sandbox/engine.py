"""The one deterministic wasmtime engine of a process, and its compiled-module cache.

Every setting that could make two nodes disagree is fixed here
(docs/spec/contracts.md, "The sandbox"): fuel metering on, NaN
canonicalization on, no threads or SIMD, one 32-bit memory, core modules
only, a fixed wasm stack. Features wasmtime enables by default but the spec
does not list (tail calls, function references, wide arithmetic, custom page
sizes) are turned off too, so that the module reader of ``wasm_binary`` covers
every instruction a valid module can hold.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from functools import cache

import wasmtime

MAX_WASM_STACK_BYTES = 512 * 1024
"""The wasm stack of every call: a deep recursion traps at the same limit everywhere."""

MODULE_CACHE_CAPACITY = 64
"""Compiled modules kept per process (least recently used ones are dropped)."""

_FEATURES_OFF = (
    "wasm_threads",
    "wasm_simd",
    "wasm_relaxed_simd",
    "wasm_multi_memory",
    "wasm_memory64",
    "wasm_gc",
    "wasm_component_model",
    "wasm_exceptions",
    "wasm_stack_switching",
    "wasm_tail_call",
    "wasm_function_references",
    "wasm_wide_arithmetic",
    "wasm_custom_page_sizes",
)
_FEATURES_ON = ("wasm_bulk_memory", "wasm_multi_value", "wasm_reference_types")


def deterministic_config() -> wasmtime.Config:
    """A fresh wasmtime configuration with the sandbox's settings."""
    config = wasmtime.Config()
    config.consume_fuel = True
    config.cranelift_nan_canonicalization = True
    for feature in _FEATURES_OFF:
        setattr(config, feature, False)
    for feature in _FEATURES_ON:
        setattr(config, feature, True)
    config.max_wasm_stack = MAX_WASM_STACK_BYTES
    # Compiling on the caller's thread keeps a submission's cost on the thread that checks it.
    config.parallel_compilation = False
    return config


@cache
def sandbox_engine() -> wasmtime.Engine:
    """The process's one engine with the deterministic configuration (built on first use)."""
    return wasmtime.Engine(deterministic_config())


class ModuleCache:
    """Compiled modules by code hash: a bounded LRU shared by the calls of a process.

    The caller vouches that ``code`` hashes to ``code_hash`` (the lifecycle
    stores code under its hash); the cache only keys by it. Compiling is not
    part of a call's fuel.
    """

    def __init__(self, engine: wasmtime.Engine, capacity: int = MODULE_CACHE_CAPACITY) -> None:
        if capacity < 1:
            raise ValueError("ModuleCache capacity must be at least 1")
        self._engine = engine
        self._capacity = capacity
        self._modules: OrderedDict[bytes, wasmtime.Module] = OrderedDict()
        self._lock = threading.Lock()

    def __len__(self) -> int:
        with self._lock:
            return len(self._modules)

    def __contains__(self, code_hash: object) -> bool:
        with self._lock:
            return code_hash in self._modules

    def module(self, code_hash: bytes, code: bytes) -> wasmtime.Module:
        """The compiled module of ``code``, compiled once per process while it stays cached.

        ``code`` must have passed ``rules.check_module`` (it is compiled, not checked).
        """
        with self._lock:
            found = self._modules.get(code_hash)
            if found is not None:
                self._modules.move_to_end(code_hash)
                return found
        compiled = wasmtime.Module(self._engine, code)
        with self._lock:
            found = self._modules.get(code_hash)
            if found is not None:
                self._modules.move_to_end(code_hash)
                return found
            self._modules[code_hash] = compiled
            while len(self._modules) > self._capacity:
                self._modules.popitem(last=False)
            return compiled


@cache
def shared_module_cache() -> ModuleCache:
    """The process's module cache over :func:`sandbox_engine` (built on first use)."""
    return ModuleCache(sandbox_engine())
