"""Module rules at submission: every refusal code with its reason (issue 20 item 6; F-D2)."""

from __future__ import annotations

import pytest
import wasmtime

from govchain.sandbox import ModuleInfo, ModuleParams, ModuleRefusedError, check_module
from govchain.sandbox.errors import SUBMISSION_CODES

from .contract_wat import contract, contract_wat

METHOD = (
    '(func (export "run") (param i32 i32) (result i64) (call $ret (i32.const 16) (i32.const 1)))'
)
DEFAULT = ModuleParams()


def refused(code: bytes, params: ModuleParams = DEFAULT) -> ModuleRefusedError:
    with pytest.raises(ModuleRefusedError) as caught:
        check_module(code, params)
    assert caught.value.code in SUBMISSION_CODES
    return caught.value


def wasm(text: str) -> bytes:
    return bytes(wasmtime.wat2wasm(text))


def test_f_d2_a_good_module_gives_its_methods_and_imports() -> None:
    code = contract(
        METHOD + '(func (export "count") (param i32 i32) (result i64) (i64.const 0))'
        '(func (export "govchain_version") (result i32) (i32.const 1))',
        imports=("state_get", "emit", "caller"),
    )
    info = check_module(code, DEFAULT)
    assert info == ModuleInfo(methods=("count", "run"), imports=("caller", "emit", "state_get"))
    info.validate()


@pytest.mark.parametrize(
    ("code", "reason"),
    [
        (b"junk", "magic"),
        (b"(module)", "magic"),
        (b"\x00asm\x0d\x00\x01\x00", "core module of version 1"),
        (b"\x00asm\x01\x00\x00\x00\x01\x05\x01", "wasmtime refuses the module"),
    ],
)
def test_f_d2_not_wasm_names_why(code: bytes, reason: str) -> None:
    error = refused(code)
    assert error.code == "not_wasm"
    assert reason in error.reason


@pytest.mark.parametrize(
    ("feature", "body"),
    [
        ("SIMD", "(func (result v128) (v128.const i64x2 0 0))"),
        ("tail call", "(func (return_call 0))"),
        ("threads", "(memory 1 1 shared)"),
        ("multi-memory", "(memory 1) (memory $b 1) (func (drop (i32.load $b (i32.const 0))))"),
    ],
)
def test_f_d2_features_outside_the_configuration_are_not_wasm(feature: str, body: str) -> None:
    error = refused(wasm(f"(module {body})"))
    assert error.code == "not_wasm", feature
    assert error.reason.startswith("wasmtime refuses the module: ")
    assert "\n" not in error.reason


def test_f_d2_too_large_is_refused_before_parsing() -> None:
    code = contract(METHOD, data=f'(data (i32.const 200) "{"x" * 2000}")')
    params = ModuleParams(max_module_bytes=1024)
    error = refused(code, params)
    assert error.code == "too_large"
    assert f"{len(code)} bytes, the limit is 1024" in error.reason
    assert check_module(code, ModuleParams(max_module_bytes=len(code))).methods == ("run",)


def test_f_d2_params_out_of_bounds_are_a_value_error() -> None:
    with pytest.raises(ValueError, match="max_module_bytes"):
        check_module(contract(METHOD), ModuleParams(max_module_bytes=10))


@pytest.mark.parametrize(
    ("import_text", "reason"),
    [
        (
            '(import "env" "state_get" (func (param i32 i32 i32 i32) (result i32)))',
            "env.state_get is not",
        ),
        ('(import "govchain" "open_file" (func))', "govchain.open_file is not"),
        (
            '(import "govchain" "state_get" (func (param i32 i32) (result i32)))',
            "govchain.state_get has type (i32 i32) -> (i32),"
            " the host's is (i32 i32 i32 i32) -> (i32)",
        ),
        ('(import "govchain" "height" (global i64))', "govchain.height is imported as something"),
        ('(import "govchain" "table" (table 1 funcref))', "govchain.table is not"),
    ],
)
def test_f_d2_bad_import_names_the_import(import_text: str, reason: str) -> None:
    text = contract_wat(METHOD).replace("(module", "(module " + import_text, 1)
    error = refused(wasm(text))
    assert error.code == "bad_import"
    assert reason in error.reason


def test_f_d2_an_imported_memory_is_a_bad_import() -> None:
    text = contract_wat(METHOD).replace(
        '(memory (export "memory") 1)',
        '(import "govchain" "memory" (memory 1)) (export "memory" (memory 0))',
    )
    error = refused(wasm(text))
    assert error.code == "bad_import"
    assert "govchain.memory is not a function of the host interface" in error.reason


@pytest.mark.parametrize(
    ("methods", "reason"),
    [
        (
            "(func $h (param i32 f64))"
            ' (func (export "f") (param i32 i32) (result i64) (i64.const 0))',
            "f64 parameter in function type",
        ),
        (
            '(func (export "f") (param i32 i32) (result i64) (local f32) (i64.const 0))',
            "f32 local in function 2 (export 'f')",
        ),
        (
            '(func (export "f") (param i32 i32) (result i64)'
            " (drop (f64.add (f64.const 1) (f64.const 2))) (i64.const 0))",
            "f64.const in function 2 (export 'f')",
        ),
        (
            '(func (export "f") (param i32 i32) (result i64)'
            " (drop (i64.trunc_sat_f64_s (f64.load (i32.const 0)))) (i64.const 0))",
            "f64.load in function 2",
        ),
        (
            "(global $g f32 (f32.const 0))"
            ' (func (export "f") (param i32 i32) (result i64) (i64.const 0))',
            "f32 in global 1",
        ),
        (
            '(func (export "f") (param i32 i32) (result i64)'
            " (drop (block (result f64) (unreachable))) (i64.const 0))",
            "block of f64 in function 2",
        ),
        (
            '(func (export "f") (param i32 i32) (result i64)'
            " (drop (select (result f32) (unreachable) (unreachable) (i32.const 1)))"
            " (i64.const 0))",
            "select of f32 in function 2",
        ),
    ],
)
def test_f_d2_floats_forbidden_names_the_first_float_and_where(methods: str, reason: str) -> None:
    code = contract(methods)
    error = refused(code)
    assert error.code == "floats_forbidden"
    assert reason in error.reason
    assert " at byte 0x" in error.reason
    assert check_module(code, ModuleParams(allow_floats=True)).methods == ("f",)


@pytest.mark.parametrize(
    ("instruction", "name"),
    [
        ("(drop (i32.trunc_sat_f32_u (f32.reinterpret_i32 (i32.const 0))))", "f32.reinterpret_i32"),
        ("(drop (i64.reinterpret_f64 (f64.convert_i64_s (i64.const 1))))", "f64.convert_i64_s"),
        ("(drop (f32.demote_f64 (f64.promote_f32 (f32.load (i32.const 0)))))", "f32.load"),
        ("(f64.store (i32.const 0) (f64.reinterpret_i64 (i64.const 0)))", "f64.reinterpret_i64"),
        (
            "(drop (f32.eq (f32.reinterpret_i32 (i32.const 0))"
            " (f32.reinterpret_i32 (i32.const 1))))",
            "f32.reinterpret_i32",
        ),
    ],
)
def test_f_d2_float_instructions_without_float_constants_are_found(
    instruction: str, name: str
) -> None:
    code = contract(f'(func (export "f") (param i32 i32) (result i64) {instruction} (i64.const 0))')
    error = refused(code)
    assert error.code == "floats_forbidden"
    assert error.reason.startswith(f"floats are forbidden: {name} in function 2 (export 'f')")


def test_f_d2_integer_code_under_every_enabled_feature_has_no_float() -> None:
    # bulk memory, reference types, multi-value, sign extension, extended constants, br_table,
    # call_indirect and wide immediates: the reader walks them all without a false float.
    methods = """
  (type $pair (func (param i32) (result i32 i32)))
  (table $t 4 funcref)
  (elem (table $t) (i32.const 0) func $split)
  (elem $passive funcref (ref.func $split))
  (data $blob "abc")
  (global $g i64 (i64.add (i64.const -9223372036854775808) (i64.const 1)))
  (func $split (type $pair) (local.get 0) (i32.extend8_s (local.get 0)))
  (func (export "mix") (param i32 i32) (result i64)
    (local $r externref)
    (memory.fill (i32.const 300) (i32.const 7) (i32.const 4))
    (memory.copy (i32.const 310) (i32.const 300) (i32.const 4))
    (memory.init $blob (i32.const 320) (i32.const 0) (i32.const 3))
    (data.drop $blob)
    (table.init $t $passive (i32.const 1) (i32.const 0) (i32.const 1))
    (elem.drop $passive)
    (drop (table.grow $t (ref.null func) (i32.const 1)))
    (drop (table.size $t))
    (drop (ref.is_null (table.get $t (i32.const 0))))
    (local.set $r (ref.null extern))
    (drop (i64.extend32_s (i64.const -1)))
    (block $a (block $b (br_table $a $b $a (local.get 0))))
    (call_indirect $t (type $pair) (i32.const 5) (i32.const 0))
    (drop)
    (drop)
    (block (result i32 i32) (i32.const 1) (i32.const 2))
    (drop)
    (drop)
    (drop (select (result i32) (i32.const 1) (i32.const 2) (local.get 1)))
    (drop (global.get $g))
    (call $ret (i32.const 16) (i32.const 1)))
"""
    info = check_module(contract(methods), DEFAULT)
    assert info.methods == ("mix",)


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        (
            '(module (func (export "run") (param i32 i32) (result i64) (i64.const 0))'
            ' (func (export "govchain_alloc") (param i32) (result i32) (i32.const 0)))',
            "does not export its memory as 'memory'",
        ),
        (
            '(module (memory (export "memory") 1)'
            ' (func (export "run") (param i32 i32) (result i64) (i64.const 0)))',
            "does not export govchain_alloc",
        ),
        (
            '(module (memory (export "memory") 1)'
            ' (func (export "govchain_alloc") (param i32) (result i32) (i32.const 0))'
            ' (func (export "govchain_init") (param i32 i32) (result i64) (i64.const 0)))',
            "exports no callable method",
        ),
    ],
)
def test_f_d2_no_entry_names_what_is_missing(text: str, reason: str) -> None:
    error = refused(wasm(text))
    assert error.code == "no_entry"
    assert reason in error.reason


@pytest.mark.parametrize(
    ("methods", "reason"),
    [
        (
            '(func (export "run") (param i32) (result i64) (i64.const 0))',
            "method 'run' has type (i32) -> (i64), not (i32 i32) -> (i64)",
        ),
        (
            '(func (export "run") (param i32 i32) (result i32 i32) (i32.const 0) (i32.const 0))',
            "method 'run' has type (i32 i32) -> (i32 i32)",
        ),
        (
            '(func (export "run-it") (param i32 i32) (result i64) (i64.const 0))',
            "method name 'run-it'",
        ),
    ],
)
def test_f_d2_bad_export_names_the_export(methods: str, reason: str) -> None:
    error = refused(contract(methods))
    assert error.code == "bad_export"
    assert reason in error.reason


def test_f_d2_alloc_with_a_wrong_type_is_a_bad_export() -> None:
    text = contract_wat(METHOD).replace(
        '(func (export "govchain_alloc") (param $n i32) (result i32)',
        '(func (export "govchain_alloc") (param $n i32) (param i32) (result i32)',
    )
    error = refused(wasm(text))
    assert error.code == "bad_export"
    assert "govchain_alloc has type (i32 i32) -> (i32)" in error.reason


def test_f_d2_the_first_broken_rule_in_table_order_is_reported() -> None:
    # both a bad import and a float: the import rule comes first
    text = contract_wat(
        '(func (export "f") (param i32 i32) (result i64) (local f64) (i64.const 0))'
    ).replace("(module", '(module (import "env" "x" (func))', 1)
    assert refused(wasm(text)).code == "bad_import"
