"""The lifecycle over the chain's real sandbox (issue 20 items 1, 4; F-D1, F-D2).

``SandboxRunner`` is what the node gives the contracts service. A module made
from WebAssembly text is submitted, reviewed, deployed and called: its state
lands under the contract's prefix, its event and the fuel reach the receipt;
an endless loop runs out of fuel at the same count on two chains, memory grown
past the limit fails cleanly, and a module with floats is refused at submission.
"""

from __future__ import annotations

import wasmtime

from govchain.contracts.lifecycle.sandbox_runner import SandboxRunner
from govchain.contracts.lifecycle.state import state_prefix
from tests.unit.contracts.governed_chain import GovernedChain, ok
from tests.unit.contracts.lifecycle.lifecycle_chain import LifecycleChain, called, events_of

COUNTER = bytes(
    wasmtime.wat2wasm("""
(module
  (import "govchain" "state_get" (func $get (param i32 i32 i32 i32) (result i32)))
  (import "govchain" "state_set" (func $set (param i32 i32 i32 i32)))
  (import "govchain" "emit" (func $emit (param i32 i32 i32 i32)))
  (memory (export "memory") 1)
  (data (i32.const 0) "n")
  (data (i32.const 16) "counted")
  (global $heap (mut i32) (i32.const 1024))
  (func (export "govchain_alloc") (param $size i32) (result i32)
    (local $at i32)
    (local.set $at (global.get $heap))
    (global.set $heap (i32.add (global.get $heap) (local.get $size)))
    (local.get $at))
  (func (export "count") (param i32 i32) (result i64)
    (local $n i32)
    (if (i32.eq (call $get (i32.const 0) (i32.const 1) (i32.const 32) (i32.const 1)) (i32.const 1))
      (then (local.set $n (i32.load8_u (i32.const 32)))))
    (local.set $n (i32.add (local.get $n) (i32.const 1)))
    (i32.store8 (i32.const 32) (local.get $n))
    (call $set (i32.const 0) (i32.const 1) (i32.const 32) (i32.const 1))
    (i32.store8 (i32.const 48) (i32.const 0xa0))
    (call $emit (i32.const 16) (i32.const 7) (i32.const 48) (i32.const 1))
    (i32.store8 (i32.const 64) (local.get $n))
    (i64.or (i64.shl (i64.const 64) (i64.const 32)) (i64.const 1)))
  (func (export "spin") (param i32 i32) (result i64)
    (loop $again (br $again))
    (i64.const 0))
  (func (export "grow") (param i32 i32) (result i64)
    (loop $again (br_if $again (i32.ne (memory.grow (i32.const 1)) (i32.const -1))))
    unreachable))
""")
)

FLOATS = bytes(
    wasmtime.wat2wasm("""
(module
  (memory (export "memory") 1)
  (func (export "govchain_alloc") (param i32) (result i32) (i32.const 0))
  (func (export "half") (param i32 i32) (result i64)
    (i64.trunc_f64_s (f64.div (f64.convert_i32_s (local.get 0)) (f64.const 2)))))
""")
)


def _chain() -> LifecycleChain:
    chain = GovernedChain.make(members=4, contract_runner=SandboxRunner())
    return LifecycleChain(chain, runner=None)  # type: ignore[arg-type]  # no fake runner here


def test_f_d1_a_webassembly_contract_runs_in_the_sandbox_through_its_lifecycle() -> None:
    life = _chain()
    contract = life.deployed("counter", COUNTER)
    first = life.call(contract, "count")
    assert called(first) == 1
    [call] = events_of(first, "contracts.called")
    fuel = call["fuel"]
    assert isinstance(fuel, int)
    assert fuel > 2_000  # at least the state_get's host cost
    [event] = events_of(first, "contracts.event")
    assert (event["contract"], event["name"], event["data"]) == (contract, "counted", b"\xa0")
    assert called(life.call(contract, "count")) == 2
    assert life.chain.read(state_prefix(contract) + b"n") == b"\x02"


def test_f_d2_an_endless_loop_runs_out_of_fuel_at_the_same_count_on_two_chains() -> None:
    errors = []
    for _ in range(2):
        life = _chain()
        contract = life.deployed("spinner", COUNTER)
        receipt = life.call(contract, "spin")
        assert receipt.error.startswith("out_of_fuel: ")
        errors.append(receipt.error)
        assert called(life.call(contract, "count")) == 1  # the chain goes on
    assert errors[0] == errors[1]
    assert errors[0].endswith("used 10000000 of 10000000 fuel")


def test_f_d2_memory_grown_past_the_limit_fails_cleanly_and_leaves_nothing() -> None:
    life = _chain()
    contract = life.deployed("grower", COUNTER)
    receipt = life.call(contract, "grow")
    assert receipt.error.startswith("memory_limit: ")
    assert life.chain.read(state_prefix(contract) + b"n") is None
    ok(life.call(contract, "count"))


def test_f_d2_a_module_with_floats_is_refused_at_submission() -> None:
    life = _chain()
    receipt = life.submit("halver", FLOATS)
    assert receipt.error.startswith("floats_forbidden: ")
