"""The deterministic engine and the compiled-module cache by code hash (issue 20 item 1; F-D2)."""

from __future__ import annotations

import pytest
import wasmtime

from govchain.sandbox import ModuleCache, sandbox_engine, shared_module_cache
from govchain.sandbox.engine import MODULE_CACHE_CAPACITY, deterministic_config

from .contract_wat import contract


def method_returning(value: int) -> bytes:
    return contract(f'(func (export "run") (param i32 i32) (result i64) (i64.const {value}))')


def test_f_d2_one_engine_per_process() -> None:
    assert sandbox_engine() is sandbox_engine()
    assert shared_module_cache() is shared_module_cache()
    assert isinstance(deterministic_config(), wasmtime.Config)


def test_f_d2_the_cache_returns_the_same_module_for_the_same_hash() -> None:
    cache = ModuleCache(sandbox_engine())
    code = method_returning(1)
    first = cache.module(b"h1", code)
    assert cache.module(b"h1", code) is first
    assert b"h1" in cache
    assert len(cache) == 1
    assert cache.module(b"h2", method_returning(2)) is not first


def test_f_d2_the_cache_drops_the_least_recently_used_module() -> None:
    cache = ModuleCache(sandbox_engine(), capacity=2)
    one = cache.module(b"h1", method_returning(1))
    cache.module(b"h2", method_returning(2))
    assert cache.module(b"h1", method_returning(1)) is one  # h1 is now the most recent
    cache.module(b"h3", method_returning(3))
    assert (b"h1" in cache, b"h2" in cache, b"h3" in cache) == (True, False, True)
    assert len(cache) == 2
    assert MODULE_CACHE_CAPACITY == 64
    with pytest.raises(ValueError, match="at least 1"):
        ModuleCache(sandbox_engine(), capacity=0)
