"""A built module loses its custom sections and rustc's linker globals, nothing else (issue 20)."""

from __future__ import annotations

import pytest
import wasmtime

from govchain.contract_build import CompileFailedError
from govchain.contract_build.wasm_sections import read_uleb, strip_module, write_uleb

MODULE = wasmtime.wat2wasm(
    """
    (module
      (memory (export "memory") 1)
      (global (export "__heap_base") i32 (i32.const 1024))
      (global (export "__data_end") i32 (i32.const 512))
      (global (export "kept_global") i32 (i32.const 7))
      (func (export "govchain_alloc") (param i32) (result i32) (local.get 0))
      (func (export "quote") (param i32 i32) (result i64) (i64.const 0)))
    """
)


def _custom(name: bytes, data: bytes) -> bytes:
    payload = write_uleb(len(name)) + name + data
    return b"\x00" + write_uleb(len(payload)) + payload


def _exports(module: bytes) -> list[str]:
    return [item.name for item in wasmtime.Module(wasmtime.Engine(), module).exports]


def test_strip_drops_custom_sections_and_linker_globals_only() -> None:
    with_custom = MODULE + _custom(b"producers", b"rustc 1.63.0 /home/someone/src")
    stripped = strip_module(with_custom)
    assert b"producers" not in stripped
    assert _exports(stripped) == ["memory", "kept_global", "govchain_alloc", "quote"]
    assert strip_module(stripped) == stripped


def test_strip_keeps_a_module_without_them_byte_for_byte() -> None:
    plain = wasmtime.wat2wasm('(module (memory (export "memory") 1))')
    assert strip_module(plain) == plain


@pytest.mark.parametrize(
    ("module", "reason"),
    [
        (b"not wasm", "did not write a WebAssembly module"),
        (MODULE[:-3], "truncated module"),
        (MODULE[:8] + b"\x01\xff\xff\xff\xff\xff", "overlong number"),
    ],
)
def test_strip_refuses_a_broken_module(module: bytes, reason: str) -> None:
    with pytest.raises(CompileFailedError, match=reason):
        strip_module(module)


@pytest.mark.parametrize("value", [0, 1, 127, 128, 16_383, 16_384, 2**32 - 1])
def test_uleb_round_trips(value: int) -> None:
    encoded = write_uleb(value)
    assert read_uleb(encoded, 0) == (value, len(encoded))
