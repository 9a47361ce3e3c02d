"""The host interface: state through the env, events, the tx and block, roles, limits, fuel
(issue 20 item 2; F-D2)."""

from __future__ import annotations

import pytest

from govchain.sandbox import CallOutcome, ContractEvent, contract_state_key, run_call
from govchain.sandbox import host as h

from .contract_wat import FALSE_AT, NULL_AT, TRUE_AT, FakeEnv, compiled, contract

IMPORTS = tuple(h.HOST_FUNCTION_TYPES)
DATA = (
    '(data (i32.const 100) "k1") (data (i32.const 110) "\\63abc")'
    ' (data (i32.const 120) "paid") (data (i32.const 130) "clerk")'
    ' (data (i32.const 140) "bad name") (data (i32.const 150) "\\18\\01")'
    ' (data (i32.const 299) "\\54") (data (i32.const 398) "\\58\\20")'
)
METHODS = f"""
  (func (export "put") (param i32 i32) (result i64)
    (call $state_set (i32.const 100) (i32.const 2) (i32.const 110) (i32.const 4))
    (call $ret (i32.const {TRUE_AT}) (i32.const 1)))
  (func $get (result i64)
    (local $n i32)
    (local.set $n (call $state_get (i32.const 100) (i32.const 2) (i32.const 200) (i32.const 64)))
    (if (result i64) (i32.eq (local.get $n) (i32.const -1))
      (then (call $ret (i32.const {NULL_AT}) (i32.const 1)))
      (else (call $ret (i32.const 200) (local.get $n)))))
  (func (export "get") (param i32 i32) (result i64) (call $get))
  (func (export "put_then_get") (param i32 i32) (result i64)
    (call $state_set (i32.const 100) (i32.const 2) (i32.const 110) (i32.const 4))
    (call $get))
  (func (export "delete_then_get") (param i32 i32) (result i64)
    (call $state_delete (i32.const 100) (i32.const 2))
    (call $get))
  (func (export "small_buffer") (param i32 i32) (result i64)
    (i32.store8 (i32.const 200) (i32.const 0xf6))
    (drop (call $state_get (i32.const 100) (i32.const 2) (i32.const 200) (i32.const 3)))
    (call $ret (i32.const 200) (i32.const 1)))
  (func (export "emit") (param i32 i32) (result i64)
    (call $emit (i32.const 120) (i32.const 4) (i32.const 110) (i32.const 4))
    (call $emit (i32.const 120) (i32.const 3) (i32.const {TRUE_AT}) (i32.const 1))
    (call $ret (i32.const {TRUE_AT}) (i32.const 1)))
  (func (export "caller") (param i32 i32) (result i64)
    (drop (call $caller (i32.const 300)))
    (call $ret (i32.const 299) (i32.const 21)))
  (func (export "tx_hash") (param i32 i32) (result i64)
    (drop (call $tx_hash (i32.const 400)))
    (call $ret (i32.const 398) (i32.const 34)))
  (func (export "block") (param i32 i32) (result i64)
    (i64.store (i32.const 500) (call $height))
    (i64.store (i32.const 508) (call $time))
    (call $state_set (i32.const 100) (i32.const 2) (i32.const 500) (i32.const 16))
    (call $ret (i32.const {TRUE_AT}) (i32.const 1)))
  (func (export "is_clerk") (param i32 i32) (result i64)
    (drop (call $caller (i32.const 300)))
    (call $ret
      (select (i32.const {TRUE_AT}) (i32.const {FALSE_AT})
        (call $has_role (i32.const 300) (i32.const 130) (i32.const 5)))
      (i32.const 1)))
  (func (export "set_len") (param i32 i32) (result i64)
    ;; args: [key length, value length] as two little-endian i32 at the args pointer
    (call $state_set (i32.const 1000) (i32.load (local.get 0))
                     (i32.const 1000) (i32.load offset=4 (local.get 0)))
    (call $ret (i32.const {TRUE_AT}) (i32.const 1)))
  (func (export "many_writes") (param i32 i32) (result i64)
    (local $i i32)
    (loop $l
      (call $state_delete (i32.const 100) (i32.const 2))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br_if $l (i32.lt_u (local.get $i) (i32.load (local.get 0)))))
    (call $ret (i32.const {TRUE_AT}) (i32.const 1)))
  (func (export "many_events") (param i32 i32) (result i64)
    (local $i i32)
    (loop $l
      (call $emit (i32.const 120) (i32.const 4) (i32.const {TRUE_AT}) (i32.const 1))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br_if $l (i32.lt_u (local.get $i) (i32.load (local.get 0)))))
    (call $ret (i32.const {TRUE_AT}) (i32.const 1)))
  (func (export "bad_event_name") (param i32 i32) (result i64)
    (call $emit (i32.const 140) (i32.const 8) (i32.const {TRUE_AT}) (i32.const 1))
    (i64.const 0))
  (func (export "bad_event_data") (param i32 i32) (result i64)
    (call $emit (i32.const 120) (i32.const 4) (i32.const 150) (i32.const 2))
    (i64.const 0))
  (func (export "bad_pointer") (param i32 i32) (result i64)
    (call $state_set (i32.const -256) (i32.const 2) (i32.const 110) (i32.const 4))
    (i64.const 0))
  (func (export "bad_out_pointer") (param i32 i32) (result i64)
    (drop (call $caller (i32.const 65530)))
    (i64.const 0))
"""
CODE = contract(METHODS, imports=IMPORTS, data=DATA)
FUEL = 10_000_000
KEY = b"k1"
VALUE = b"\x63abc"


def call(method: str, env: FakeEnv, args: bytes = b"", fuel: int = FUEL) -> CallOutcome:
    outcome = run_call(compiled(CODE), method, args, env, fuel, 4)
    outcome.validate()
    return outcome


def lengths(*numbers: int) -> bytes:
    return b"".join(n.to_bytes(4, "little") for n in numbers)


def test_f_d2_state_round_trip_through_the_env() -> None:
    env = FakeEnv()
    assert call("get", env).result == b"\xf6"
    put = call("put", env)
    assert put.writes == ((KEY, VALUE),)
    assert env.state == {KEY: VALUE}
    assert call("get", env).result == VALUE
    gone = call("delete_then_get", env)
    assert (gone.result, gone.writes) == (b"\xf6", ((KEY, None),))
    assert env.state == {}


def test_f_d2_a_call_reads_its_own_writes_before_the_env() -> None:
    env = FakeEnv(state={KEY: b"\xf4"})
    outcome = call("put_then_get", env)
    assert outcome.result == VALUE
    assert env.log == ["put b'k1'"]  # the env was never asked: the call's own write answered


def test_f_d2_a_value_larger_than_the_buffer_is_not_copied() -> None:
    outcome = call("small_buffer", FakeEnv(state={KEY: VALUE}))
    assert outcome.result == b"\xf6"


def test_f_d2_events_reach_the_env_in_order_after_success() -> None:
    env = FakeEnv()
    outcome = call("emit", env)
    assert outcome.events == (ContractEvent("paid", VALUE), ContractEvent("pai", b"\xf5"))
    assert env.events == [("paid", VALUE), ("pai", b"\xf5")]


def test_f_d2_caller_tx_hash_height_and_time_come_from_the_env() -> None:
    env = FakeEnv()
    assert call("caller", env).result == b"\x54" + env.caller
    assert call("tx_hash", env).result == b"\x58\x20" + env.tx_hash
    call("block", env)
    stored = env.state[KEY]
    assert int.from_bytes(stored[:8], "little") == env.height
    assert int.from_bytes(stored[8:], "little") == env.time_ms


def test_f_d2_has_role_asks_the_registry_for_the_callers_role() -> None:
    env = FakeEnv()
    assert call("is_clerk", env).result == b"\xf4"
    env.roles.add((env.caller, "clerk"))
    assert call("is_clerk", env).result == b"\xf5"


@pytest.mark.parametrize(
    ("method", "args", "detail"),
    [
        ("set_len", lengths(257, 1), "a key of 257 bytes exceeds 256"),
        ("set_len", lengths(1, 65_537), "a value of 65537 bytes exceeds 65536"),
        ("many_writes", lengths(1_025), "more than 1024 writes"),
        ("many_events", lengths(65), "more than 64 events"),
        ("bad_event_name", b"", "an event name is 1..64 ASCII letters, digits, '_' or '.'"),
        ("bad_event_data", b"", "event data is not canonical CBOR"),
    ],
)
def test_f_d2_limits_are_host_limit_and_keep_nothing(method: str, args: bytes, detail: str) -> None:
    env = FakeEnv()
    outcome = call(method, env, args)
    assert (outcome.reason, outcome.detail) == ("host_limit", detail)
    assert (env.state, env.events) == ({}, [])


def test_f_d2_limits_hold_at_the_boundary() -> None:
    assert call("set_len", FakeEnv(), lengths(256, 60_000)).ok
    assert call("many_writes", FakeEnv(), lengths(1_024)).ok
    assert call("many_events", FakeEnv(), lengths(64)).ok


@pytest.mark.parametrize("method", ["bad_pointer", "bad_out_pointer"])
def test_f_d2_a_bad_pointer_is_a_trap_not_an_exception(method: str) -> None:
    outcome = call(method, FakeEnv())
    assert (outcome.reason, outcome.detail) == ("trap", "memory_out_of_bounds")


def test_f_d2_fuel_is_charged_per_call_and_per_byte() -> None:
    small = call("set_len", FakeEnv(), lengths(2, 4)).fuel_used
    large = call("set_len", FakeEnv(), lengths(2, 104)).fuel_used
    assert large - small == 100 * h.FUEL_STATE_SET_PER_BYTE
    host_cost = h.FUEL_STATE_SET + 6 * h.FUEL_STATE_SET_PER_BYTE
    assert host_cost < small < host_cost + 100
    # the instructions before the host call leave less than its cost: out of fuel there
    outcome = call("set_len", FakeEnv(), lengths(2, 4), fuel=host_cost)
    assert outcome.error == f"out_of_fuel: used {host_cost} of {host_cost} fuel"


def test_f_d2_get_costs_its_key_and_value_bytes() -> None:
    absent = call("get", FakeEnv()).fuel_used
    present = call("get", FakeEnv(state={KEY: b"\x58\x64" + bytes(100)})).fuel_used
    # the present branch also runs a few more instructions; the bytes dominate
    assert present - absent >= 102 * h.FUEL_STATE_GET_PER_BYTE
    assert present - absent < 102 * h.FUEL_STATE_GET_PER_BYTE + 50


def test_f_d2_result_bytes_and_fuel_are_the_same_on_every_run() -> None:
    runs = set()
    for _ in range(3):
        env = FakeEnv()
        outcomes = [call(method, env) for method in ("put", "get", "emit", "caller", "block")]
        runs.add(tuple((o.result, o.fuel_used, o.writes, o.events) for o in outcomes))
    assert len(runs) == 1


def test_f_d2_contract_state_keys_live_under_the_contracts_prefix() -> None:
    contract_id = bytes(range(16))
    assert contract_state_key(contract_id, KEY) == b"contracts/s/" + contract_id + b"/k1"
    with pytest.raises(ValueError, match="16 bytes"):
        contract_state_key(b"short", KEY)
    with pytest.raises(ValueError, match="at most 256"):
        contract_state_key(contract_id, b"k" * 257)
