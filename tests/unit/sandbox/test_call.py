"""One call: every failure reason, no write or event on failure, determinism (issue 20 item 1;
F-D2)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from govchain.sandbox import CallOutcome, UnknownMethodError, run_call
from govchain.sandbox.call import FAILURE_REASONS, MAX_ARGS_BYTES

from .contract_wat import FakeEnv, compiled, contract

LOOPS = """
  (func (export "spin") (param i32 i32) (result i64) (loop $l (br $l)) (i64.const 0))
  (func (export "count") (param i32 i32) (result i64)
    (local $i i32)
    (loop $l (local.set $i (i32.add (local.get $i) (i32.const 1)))
             (br_if $l (i32.lt_u (local.get $i) (i32.const 1000))))
    (call $ret (i32.const 16) (i32.const 1)))
"""
MEMORY = """
  (func (export "grow_until_refused") (param i32 i32) (result i64)
    (block $done (loop $l
      (br_if $done (i32.eq (memory.grow (i32.const 1)) (i32.const -1)))
      (br $l)))
    unreachable)
  (func (export "grow_once_too_far") (param i32 i32) (result i64)
    (if (i32.eq (memory.grow (i32.const 100)) (i32.const -1)) (then unreachable))
    (i64.const 0))
  (func (export "grow_handled") (param i32 i32) (result i64)
    (drop (memory.grow (i32.const 100)))
    (call $ret (i32.const 16) (i32.const 1)))
  (func (export "grow_within") (param i32 i32) (result i64)
    (drop (memory.grow (i32.const 2)))
    (i32.store8 (i32.const 196607) (i32.const 0xf6))
    (call $ret (i32.const 196607) (i32.const 1)))
"""
TRAPS = """
  (func (export "oob") (param i32 i32) (result i64) (i64.load (i32.const 0x7ffffff0)))
  (func (export "unreachable") (param i32 i32) (result i64) unreachable)
  (func (export "divide") (param i32 i32) (result i64) (i64.div_u (i64.const 1) (i64.const 0)))
  (func $deep (param i32) (result i32) (i32.add (call $deep (local.get 0)) (i32.const 1)))
  (func (export "recurse") (param i32 i32) (result i64)
    (i64.extend_i32_u (call $deep (i32.const 0))))
  (func (export "bye") (param i32 i32) (result i64)
    (call $abort (i32.const 120) (i32.const 11)) (i64.const 0))
"""
RESULTS = """
  (func (export "echo") (param i32 i32) (result i64) (call $ret (local.get 0) (local.get 1)))
  (func (export "not_canonical") (param i32 i32) (result i64)
    (call $ret (i32.const 160) (i32.const 2)))
  (func (export "two_items") (param i32 i32) (result i64) (call $ret (i32.const 16) (i32.const 2)))
  (func (export "outside") (param i32 i32) (result i64)
    (call $ret (i32.const 131070) (i32.const 10)))
  (func (export "too_long") (param i32 i32) (result i64)
    (call $ret (i32.const 0) (i32.const 65537)))
  (func (export "write_then_fail") (param i32 i32) (result i64)
    (call $state_set (i32.const 100) (i32.const 2) (i32.const 110) (i32.const 4))
    (call $emit (i32.const 140) (i32.const 4) (i32.const 16) (i32.const 1))
    unreachable)
"""
DATA = (
    '(data (i32.const 100) "k1") (data (i32.const 110) "\\63abc")'
    ' (data (i32.const 120) "fee too low") (data (i32.const 160) "\\18\\01")'
    ' (data (i32.const 140) "paid")'
)
CODE = contract(
    LOOPS + MEMORY + TRAPS + RESULTS,
    imports=("state_set", "emit", "abort"),
    pages=2,
    data=DATA,
)
FUEL = 200_000
PAGES = 4


def call(
    method: str, args: bytes = b"", fuel: int = FUEL, env: FakeEnv | None = None
) -> CallOutcome:
    outcome = run_call(compiled(CODE), method, args, env or FakeEnv(), fuel, PAGES)
    outcome.validate()
    return outcome


def test_f_d2_a_successful_call_returns_its_result_and_fuel() -> None:
    outcome = call("echo", b"\x82\x01\x63abc")
    assert outcome.ok
    assert outcome.result == b"\x82\x01\x63abc"
    assert 0 < outcome.fuel_used < FUEL
    assert outcome.error == ""


def test_f_d2_an_infinite_loop_runs_out_of_fuel_with_the_whole_limit_used() -> None:
    outcome = call("spin")
    assert (outcome.ok, outcome.reason, outcome.fuel_used) == (False, "out_of_fuel", FUEL)
    assert outcome.error == f"out_of_fuel: used {FUEL} of {FUEL} fuel"


def test_f_d2_fuel_is_the_same_on_every_run() -> None:
    runs = {(call("count").fuel_used, call("spin").error) for _ in range(3)}
    assert len(runs) == 1
    # with half the fuel it needs, the bounded loop stops at the same point every time
    (fuel_used,) = {call("count").fuel_used}
    half = fuel_used // 2
    assert {call("count", fuel=half).error for _ in range(3)} == {
        f"out_of_fuel: used {half} of {half} fuel"
    }
    assert call("count", fuel=fuel_used).ok
    # wasmtime checks fuel at function entries and loop headers: near the limit the outcome
    # may be either, but it is the same on every run and the fuel never exceeds the limit
    for fuel in range(fuel_used - 40, fuel_used + 1):
        outcomes = {
            (o.ok, o.error, o.fuel_used) for o in (call("count", fuel=fuel) for _ in range(2))
        }
        assert len(outcomes) == 1
        (_, _, used) = outcomes.pop()
        assert used <= fuel


RUN_IN_CHILD = """
import json, sys
from tests.unit.sandbox.test_call import call
print(json.dumps([[o.ok, o.error, o.fuel_used, o.result.hex()]
                  for o in (call("count"), call("spin"), call("oob"), call("grow_until_refused"))]))
"""


def test_f_d2_two_processes_give_the_same_outcomes() -> None:
    here = [
        [o.ok, o.error, o.fuel_used, o.result.hex()]
        for o in (call("count"), call("spin"), call("oob"), call("grow_until_refused"))
    ]
    child = subprocess.run(
        [sys.executable, "-c", RUN_IN_CHILD],
        capture_output=True,
        cwd=Path(__file__).resolve().parents[3],
        text=True,
        check=True,
        timeout=120,
    )
    assert json.loads(child.stdout) == here


def test_f_d2_zero_fuel_is_out_of_fuel_before_anything_runs() -> None:
    outcome = call("echo", fuel=0)
    assert (outcome.reason, outcome.fuel_used, outcome.error) == (
        "out_of_fuel",
        0,
        "out_of_fuel: used 0 of 0 fuel",
    )


def test_f_d2_growing_memory_past_the_limit_is_memory_limit() -> None:
    outcome = call("grow_until_refused")
    assert outcome.reason == "memory_limit"
    assert outcome.error.startswith(
        f"memory_limit: unreachable with the memory at its limit of {PAGES} pages; used "
    )


def test_f_d2_a_refused_grow_the_contract_turns_into_unreachable_is_a_trap() -> None:
    assert call("grow_once_too_far").error.startswith("trap: unreachable; used ")
    assert call("grow_handled").ok
    within = call("grow_within")
    assert (within.ok, within.result) == (True, b"\xf6")


def test_f_d2_a_module_whose_memory_starts_above_the_limit_is_memory_limit() -> None:
    big = compiled(
        contract('(func (export "run") (param i32 i32) (result i64) (i64.const 0))', pages=8)
    )
    outcome = run_call(big, "run", b"", FakeEnv(), FUEL, PAGES)
    assert (
        outcome.error
        == f"memory_limit: the module's memory starts above {PAGES} pages; used 0 of {FUEL} fuel"
    )


@pytest.mark.parametrize(
    ("method", "code"),
    [
        ("oob", "memory_out_of_bounds"),
        ("unreachable", "unreachable"),
        ("divide", "integer_division_by_zero"),
    ],
)
def test_f_d2_traps_name_wasmtime_trap_code_and_no_address(method: str, code: str) -> None:
    outcome = call(method)
    assert outcome.reason == "trap"
    assert outcome.error.startswith(f"trap: {code}; used ")
    assert "0x" not in outcome.error
    assert "backtrace" not in outcome.error


def test_f_d2_stack_overflow_is_a_trap_that_uses_the_whole_limit() -> None:
    outcome = call("recurse", fuel=50_000_000)
    assert outcome.error == "trap: stack_overflow; used 50000000 of 50000000 fuel"


def test_f_d2_abort_shows_the_contract_message() -> None:
    outcome = call("bye")
    assert outcome.reason == "contract_abort"
    assert outcome.error.startswith("contract_abort: fee too low; used ")


@pytest.mark.parametrize(
    ("method", "detail"),
    [
        ("not_canonical", "the result is not canonical CBOR"),
        ("two_items", "the result is not canonical CBOR"),
        ("outside", "the result lies outside the contract's memory"),
        ("too_long", "the result of 65537 bytes exceeds 65536"),
    ],
)
def test_f_d2_bad_results(method: str, detail: str) -> None:
    outcome = call(method)
    assert (outcome.reason, outcome.detail) == ("bad_result", detail)


def test_f_d2_a_failure_leaves_no_write_and_no_event() -> None:
    env = FakeEnv()
    outcome = call("write_then_fail", env=env)
    assert outcome.reason == "trap"
    assert (outcome.writes, outcome.events) == ((), ())
    assert (env.state, env.events, env.log) == ({}, [], [])


def test_f_d2_arguments_past_the_limit_are_a_host_limit() -> None:
    outcome = call("echo", b"\x00" * (MAX_ARGS_BYTES + 1))
    assert (
        outcome.error
        == f"host_limit: arguments of {MAX_ARGS_BYTES + 1} bytes exceed {MAX_ARGS_BYTES};"
        f" used 0 of {FUEL} fuel"
    )
    assert call("echo", b"\x59\xff\xfd" + b"\x00" * (MAX_ARGS_BYTES - 3)).ok


@pytest.mark.parametrize("method", ["missing", "govchain_alloc", "memory"])
def test_f_d2_an_unknown_method_is_refused_before_running(method: str) -> None:
    with pytest.raises(UnknownMethodError) as caught:
        call(method)
    assert caught.value.code == "unknown_method"


def test_f_d2_every_failure_reason_is_covered_and_validated() -> None:
    seen = {
        call("spin").reason,
        call("grow_until_refused").reason,
        call("oob").reason,
        call("bye").reason,
        call("not_canonical").reason,
        call("echo", b"\x00" * (MAX_ARGS_BYTES + 1)).reason,
    }
    assert seen == set(FAILURE_REASONS)
    with pytest.raises(ValueError, match="no result, write or event"):
        CallOutcome(False, 1, 10, result=b"\xf5", reason="trap").validate()
    with pytest.raises(ValueError, match="reason must be one of"):
        CallOutcome(False, 1, 10, reason="oops").validate()
