"""The sections of a built module that carry nothing the chain runs, removed.

A build keeps the code and drops what only describes it: custom sections
(``name``, ``producers``, ``target_features``: tool names and versions, never
executed) and the two globals rustc's linker exports from every ``cdylib``
(``__data_end``, ``__heap_base``), which are not methods and not part of the
contract's interface (docs/spec/contracts.md, "Contract languages"). Pure:
bytes in, bytes out.
"""

from __future__ import annotations

from govchain.contract_build.errors import CompileFailedError

__all__ = ["LINKER_GLOBALS", "strip_module"]

WASM_HEADER = b"\x00asm\x01\x00\x00\x00"
CUSTOM_SECTION = 0
EXPORT_SECTION = 7
GLOBAL_KIND = 3
LINKER_GLOBALS = frozenset({"__data_end", "__heap_base"})
"""Exported globals a Rust ``cdylib`` gets from its linker."""


def read_uleb(data: bytes, pos: int) -> tuple[int, int]:
    """An unsigned LEB128 at ``pos`` (at most 5 bytes, a u32): ``(value, next position)``."""
    value = 0
    for shift in range(0, 35, 7):
        if pos >= len(data):
            raise CompileFailedError("the compiler wrote a truncated module")
        byte = data[pos]
        pos += 1
        value |= (byte & 0x7F) << shift
        if not byte & 0x80:
            return value, pos
    raise CompileFailedError("the compiler wrote a module with an overlong number")


def write_uleb(value: int) -> bytes:
    """Unsigned LEB128 of ``value``, shortest form."""
    out = bytearray()
    while True:
        byte = value & 0x7F
        value >>= 7
        if value:
            out.append(byte | 0x80)
        else:
            out.append(byte)
            return bytes(out)


def _filtered_exports(payload: bytes) -> bytes:
    count, pos = read_uleb(payload, 0)
    kept: list[bytes] = []
    for _ in range(count):
        start = pos
        name_len, pos = read_uleb(payload, pos)
        name = payload[pos : pos + name_len]
        pos += name_len
        if pos >= len(payload):
            raise CompileFailedError("the compiler wrote a truncated export section")
        kind = payload[pos]
        _index, pos = read_uleb(payload, pos + 1)
        if kind == GLOBAL_KIND and name.decode("utf-8", "replace") in LINKER_GLOBALS:
            continue
        kept.append(payload[start:pos])
    if pos != len(payload):
        raise CompileFailedError("the compiler wrote an export section with trailing bytes")
    return write_uleb(len(kept)) + b"".join(kept)


def strip_module(module: bytes) -> bytes:
    """``module`` without custom sections and without the linker's exported globals."""
    if not module.startswith(WASM_HEADER):
        raise CompileFailedError("the compiler did not write a WebAssembly module")
    out = bytearray(WASM_HEADER)
    pos = len(WASM_HEADER)
    while pos < len(module):
        section_id = module[pos]
        size, body_start = read_uleb(module, pos + 1)
        body_end = body_start + size
        if body_end > len(module):
            raise CompileFailedError("the compiler wrote a truncated module")
        payload = module[body_start:body_end]
        pos = body_end
        if section_id == CUSTOM_SECTION:
            continue
        if section_id == EXPORT_SECTION:
            payload = _filtered_exports(payload)
        out += bytes([section_id]) + write_uleb(len(payload)) + payload
    return bytes(out)
