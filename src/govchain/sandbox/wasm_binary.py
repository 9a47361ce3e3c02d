"""A small reader of WebAssembly core modules: where a module uses floats.

wasmtime validates a module but does not say whether it uses ``f32``/``f64``,
and no maintained Python WebAssembly parser covers the features the sandbox
enables (docs/spec/contracts.md, "Module rules"). This reader walks the type,
import, function, global, export and code sections, and every instruction of
every function body, under exactly those features: the MVP, bulk memory,
reference types, multi-value, sign extension, saturating truncations and
extended constant expressions. SIMD, threads, tail calls and the rest are
refused by wasmtime's validation before this reader runs, so an opcode outside
that set is reported as a decode error, never skipped.

The reader only reads: it is given bytes wasmtime has already validated and
never trusts them further than the bytes it has (every read is bounded).
"""

from __future__ import annotations

from dataclasses import dataclass

WASM_MAGIC = b"\x00asm"
WASM_VERSION_1 = b"\x01\x00\x00\x00"

_SECTION_TYPE = 1
_SECTION_IMPORT = 2
_SECTION_FUNCTION = 3
_SECTION_GLOBAL = 6
_SECTION_EXPORT = 7
_SECTION_CODE = 10

_VALTYPE_NAMES = {
    0x7F: "i32",
    0x7E: "i64",
    0x7D: "f32",
    0x7C: "f64",
    0x70: "funcref",
    0x6F: "externref",
}
_FLOAT_VALTYPES = frozenset({0x7D, 0x7C})
_EMPTY_BLOCK = 0x40
_END = 0x0B


def _opcode_names(first: int, names: str) -> dict[int, str]:
    """Consecutive opcodes from ``first``, named by the words of ``names``."""
    words = names.split()
    return dict(zip(range(first, first + len(words)), words, strict=True))


_FLOAT_OPCODES: dict[int, str] = {
    0x2A: "f32.load",
    0x2B: "f64.load",
    0x38: "f32.store",
    0x39: "f64.store",
    0x43: "f32.const",
    0x44: "f64.const",
    **_opcode_names(
        0x5B, "f32.eq f32.ne f32.lt f32.gt f32.le f32.ge f64.eq f64.ne f64.lt f64.gt f64.le f64.ge"
    ),
    **_opcode_names(
        0x8B,
        "f32.abs f32.neg f32.ceil f32.floor f32.trunc f32.nearest f32.sqrt f32.add f32.sub "
        "f32.mul f32.div f32.min f32.max f32.copysign f64.abs f64.neg f64.ceil f64.floor "
        "f64.trunc f64.nearest f64.sqrt f64.add f64.sub f64.mul f64.div f64.min f64.max "
        "f64.copysign",
    ),
    **_opcode_names(0xA8, "i32.trunc_f32_s i32.trunc_f32_u i32.trunc_f64_s i32.trunc_f64_u"),
    **_opcode_names(
        0xAE,
        "i64.trunc_f32_s i64.trunc_f32_u i64.trunc_f64_s i64.trunc_f64_u f32.convert_i32_s "
        "f32.convert_i32_u f32.convert_i64_s f32.convert_i64_u f32.demote_f64 "
        "f64.convert_i32_s f64.convert_i32_u f64.convert_i64_s f64.convert_i64_u "
        "f64.promote_f32 i32.reinterpret_f32 i64.reinterpret_f64 f32.reinterpret_i32 "
        "f64.reinterpret_i64",
    ),
}
_SATURATING_TRUNCS = _opcode_names(
    0,
    "i32.trunc_sat_f32_s i32.trunc_sat_f32_u i32.trunc_sat_f64_s i32.trunc_sat_f64_u "
    "i64.trunc_sat_f32_s i64.trunc_sat_f32_u i64.trunc_sat_f64_s i64.trunc_sat_f64_u",
)

# Opcodes with no immediate: control, parametric, and the integer numeric ops
# (comparisons, arithmetic, conversions, sign extension) between the float ranges.
_NO_IMMEDIATE = frozenset(
    {0x00, 0x01, 0x05, _END, 0x0F, 0x1A, 0x1B, 0xD1}
    | set(range(0x45, 0x5B))
    | set(range(0x67, 0x8B))
    | {0xA7, 0xAC, 0xAD}
    | set(range(0xC0, 0xC5))
)
_ONE_INDEX = frozenset(
    {0x0C, 0x0D, 0x10, 0x20, 0x21, 0x22, 0x23, 0x24, 0x25, 0x26, 0x3F, 0x40, 0xD2}
)
_MEMARG = frozenset(range(0x28, 0x3F))
# 0xFC sub-opcodes past the saturating truncations (bulk memory, tables): how many indices follow.
_PREFIX_FC_INDICES = {8: 2, 9: 1, 10: 2, 11: 1, 12: 2, 13: 1, 14: 2, 15: 1, 16: 1, 17: 1}


class WasmDecodeError(ValueError):
    """Bytes this reader cannot walk: not a core module, truncated, or outside the features."""


@dataclass(frozen=True, slots=True)
class FloatUse:
    """The first use of a float found in a module: what it is and where."""

    what: str
    where: str
    offset: int

    def describe(self) -> str:
        """Name the float and where it is, e.g. ``f64.add in function 2 at byte 0x5e``."""
        return f"{self.what} in {self.where} at byte {self.offset:#x}"


class _Reader:
    __slots__ = ("data", "end", "pos")

    def __init__(self, data: bytes, pos: int = 0, end: int | None = None) -> None:
        self.data = data
        self.pos = pos
        self.end = len(data) if end is None else end

    def byte(self) -> int:
        if self.pos >= self.end:
            raise WasmDecodeError(f"truncated module at byte {self.pos:#x}")
        value = self.data[self.pos]
        self.pos += 1
        return value

    def skip(self, count: int) -> None:
        if count < 0 or self.pos + count > self.end:
            raise WasmDecodeError(f"truncated module at byte {self.pos:#x}")
        self.pos += count

    def leb(self, max_bits: int = 32, signed: bool = False) -> int:
        result = 0
        shift = 0
        while True:
            value = self.byte()
            result |= (value & 0x7F) << shift
            shift += 7
            if not value & 0x80:
                break
            if shift >= max_bits + 7:
                raise WasmDecodeError(f"integer too long at byte {self.pos:#x}")
        if signed and value & 0x40:
            result -= 1 << shift
        return result

    def name(self) -> str:
        length = self.leb()
        start = self.pos
        self.skip(length)
        return self.data[start : self.pos].decode("utf-8", errors="replace")


def find_first_float(code: bytes) -> FloatUse | None:
    """The first ``f32``/``f64`` type or instruction of a validated module, or None.

    Sections are walked in module order: function types, imported and defined
    globals, then each function's locals and instructions.
    """
    reader = _Reader(code)
    if code[:4] != WASM_MAGIC or code[4:8] != WASM_VERSION_1:
        raise WasmDecodeError("not a WebAssembly core module (magic or version)")
    reader.skip(8)
    imported_functions = 0
    export_names: dict[int, str] = {}
    while reader.pos < reader.end:
        section_id = reader.byte()
        size = reader.leb()
        section = _Reader(code, reader.pos, reader.pos + size)
        reader.skip(size)
        found: FloatUse | None = None
        if section_id == _SECTION_TYPE:
            found = _types_float(section)
        elif section_id == _SECTION_IMPORT:
            imported_functions, found = _imports(section)
        elif section_id == _SECTION_GLOBAL:
            found = _globals_float(section)
        elif section_id == _SECTION_EXPORT:
            export_names = _function_exports(section)
        elif section_id == _SECTION_CODE:
            found = _code_float(section, imported_functions, export_names)
        if found is not None:
            return found
    return None


def _valtype(reader: _Reader) -> int:
    offset = reader.pos
    kind = reader.byte()
    if kind not in _VALTYPE_NAMES:
        raise WasmDecodeError(f"value type {kind:#x} at byte {offset:#x} is outside the features")
    return kind


def _types_float(reader: _Reader) -> FloatUse | None:
    for index in range(reader.leb()):
        if reader.byte() != 0x60:
            raise WasmDecodeError(f"type {index} is not a function type")
        for role in ("parameter", "result"):
            for _ in range(reader.leb()):
                offset = reader.pos
                kind = _valtype(reader)
                if kind in _FLOAT_VALTYPES:
                    return FloatUse(
                        f"{_VALTYPE_NAMES[kind]} {role}", f"function type {index}", offset
                    )
    return None


def _imports(reader: _Reader) -> tuple[int, FloatUse | None]:
    functions = 0
    for _ in range(reader.leb()):
        module = reader.name()
        field = reader.name()
        kind = reader.byte()
        if kind == 0x00:
            reader.leb()
            functions += 1
        elif kind == 0x01:
            _valtype(reader)
            _limits(reader)
        elif kind == 0x02:
            _limits(reader)
        elif kind == 0x03:
            offset = reader.pos
            value = _valtype(reader)
            reader.byte()
            if value in _FLOAT_VALTYPES:
                where = f"imported global {module}.{field}"
                return functions, FloatUse(_VALTYPE_NAMES[value], where, offset)
        else:
            raise WasmDecodeError(f"import kind {kind:#x} is outside the features")
    return functions, None


def _limits(reader: _Reader) -> None:
    flags = reader.byte()
    reader.leb()
    if flags & 0x01:
        reader.leb()


def _globals_float(reader: _Reader) -> FloatUse | None:
    for index in range(reader.leb()):
        offset = reader.pos
        value = _valtype(reader)
        reader.byte()
        if value in _FLOAT_VALTYPES:
            return FloatUse(_VALTYPE_NAMES[value], f"global {index}", offset)
        found = _instructions_float(reader, f"the initializer of global {index}")
        if found is not None:
            return found
    return None


def _function_exports(reader: _Reader) -> dict[int, str]:
    names: dict[int, str] = {}
    for _ in range(reader.leb()):
        name = reader.name()
        kind = reader.byte()
        index = reader.leb()
        if kind == 0x00:
            names.setdefault(index, name)
    return names


def _code_float(reader: _Reader, imported: int, export_names: dict[int, str]) -> FloatUse | None:
    for body_index in range(reader.leb()):
        size = reader.leb()
        body = _Reader(reader.data, reader.pos, reader.pos + size)
        reader.skip(size)
        function = imported + body_index
        where = f"function {function}"
        if function in export_names:
            where += f" (export {export_names[function]!r})"
        for _ in range(body.leb()):
            body.leb()
            offset = body.pos
            value = _valtype(body)
            if value in _FLOAT_VALTYPES:
                return FloatUse(f"{_VALTYPE_NAMES[value]} local", where, offset)
        found = _instructions_float(body, where)
        if found is not None:
            return found
    return None


def _instructions_float(reader: _Reader, where: str) -> FloatUse | None:
    """Walk one expression to its final ``end``; the first float instruction or None."""
    depth = 0
    while True:
        offset = reader.pos
        opcode = reader.byte()
        if opcode in _FLOAT_OPCODES:
            return FloatUse(_FLOAT_OPCODES[opcode], where, offset)
        if opcode == _END:
            if depth == 0:
                return None
            depth -= 1
        elif opcode in (0x02, 0x03, 0x04):
            depth += 1
            found = _block_type_float(reader, where)
            if found is not None:
                return found
        elif opcode == 0x1C:
            for _ in range(reader.leb()):
                type_offset = reader.pos
                value = _valtype(reader)
                if value in _FLOAT_VALTYPES:
                    return FloatUse(f"select of {_VALTYPE_NAMES[value]}", where, type_offset)
        elif opcode == 0xFC:
            sub = reader.leb()
            if sub in _SATURATING_TRUNCS:
                return FloatUse(_SATURATING_TRUNCS[sub], where, offset)
            _skip_prefixed(reader, sub, offset)
        else:
            _skip_immediates(reader, opcode, offset)


def _block_type_float(reader: _Reader, where: str) -> FloatUse | None:
    offset = reader.pos
    first = reader.data[offset] if offset < reader.end else None
    if first == _EMPTY_BLOCK or first in _VALTYPE_NAMES:
        reader.byte()
        if first in _FLOAT_VALTYPES:
            return FloatUse(f"block of {_VALTYPE_NAMES[first]}", where, offset)
        return None
    # A type index (s33): the function type itself was checked in the type section.
    reader.leb(max_bits=33, signed=True)
    return None


def _skip_prefixed(reader: _Reader, sub: int, offset: int) -> None:
    if sub not in _PREFIX_FC_INDICES:
        raise WasmDecodeError(f"instruction 0xfc {sub} at byte {offset:#x} is outside the features")
    for _ in range(_PREFIX_FC_INDICES[sub]):
        reader.leb()


def _skip_immediates(reader: _Reader, opcode: int, offset: int) -> None:
    if opcode in _NO_IMMEDIATE:
        return
    if opcode in _ONE_INDEX:
        reader.leb()
    elif opcode in _MEMARG:
        reader.leb()
        reader.leb(max_bits=64)
    elif opcode == 0x41:
        reader.leb(max_bits=32, signed=True)
    elif opcode == 0x42:
        reader.leb(max_bits=64, signed=True)
    elif opcode == 0x0E:
        for _ in range(reader.leb() + 1):
            reader.leb()
    elif opcode == 0x11:
        reader.leb()
        reader.leb()
    elif opcode == 0xD0:
        reader.byte()
    else:
        raise WasmDecodeError(
            f"instruction {opcode:#x} at byte {offset:#x} is outside the features"
        )
