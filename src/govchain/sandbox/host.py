"""The host interface a contract imports (module ``govchain``), with its fuel and limits.

Each host function charges its fuel before it acts, checks every pointer and
length against the contract's memory (a bad one ends the call as a ``trap``,
never a Python exception out of the node), and keeps the call's writes and
events in this object until the call ends: ``call.run_call`` hands them to
the ``HostEnv`` only when the call succeeds. Reads see the call's own writes
first, then the env (the tx context: earlier txs of the block).
docs/spec/contracts.md, "The host interface".
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol, cast

import wasmtime

from govchain.codec import DecodeError, decode

MAX_KEY_BYTES = 256
MAX_VALUE_BYTES = 64 * 1024
MAX_WRITES_PER_CALL = 1_024
MAX_EVENTS_PER_CALL = 64
MAX_EVENT_DATA_BYTES = 64 * 1024
MAX_ROLE_BYTES = 64
MAX_ABORT_MESSAGE_BYTES = 256
ADDRESS_BYTES = 20
TX_HASH_BYTES = 32
EVENT_NAME_PATTERN = re.compile(r"[A-Za-z0-9_.]{1,64}")

FUEL_STATE_GET = 2_000
FUEL_STATE_GET_PER_BYTE = 10
FUEL_STATE_SET = 5_000
FUEL_STATE_SET_PER_BYTE = 50
FUEL_STATE_DELETE = 5_000
FUEL_STATE_DELETE_PER_BYTE = 10
FUEL_EMIT = 2_000
FUEL_EMIT_PER_BYTE = 20
FUEL_CALLER = 500
FUEL_HEIGHT = 100
FUEL_TIME = 100
FUEL_TX_HASH = 500
FUEL_HAS_ROLE = 5_000
FUEL_ABORT = 0

HOST_MODULE = "govchain"
HOST_FUNCTION_TYPES: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "state_get": (("i32", "i32", "i32", "i32"), ("i32",)),
    "state_set": (("i32", "i32", "i32", "i32"), ()),
    "state_delete": (("i32", "i32"), ()),
    "emit": (("i32", "i32", "i32", "i32"), ()),
    "caller": (("i32",), ("i32",)),
    "height": ((), ("i64",)),
    "time": ((), ("i64",)),
    "tx_hash": (("i32",), ("i32",)),
    "has_role": (("i32", "i32", "i32"), ("i32",)),
    "abort": (("i32", "i32"), ()),
}
"""Every import a contract may have: name -> (parameter types, result types)."""

CONTRACT_STATE_PREFIX = b"contracts/s/"


def contract_state_key(contract_id: bytes, key: bytes) -> bytes:
    """The ledger key of a contract's own ``key``: ``contracts/s/<id>/<key>``."""
    if len(contract_id) != 16:
        raise ValueError(f"a contract id is 16 bytes, got {len(contract_id)}")
    if len(key) > MAX_KEY_BYTES:
        raise ValueError(f"a contract key is at most {MAX_KEY_BYTES} bytes, got {len(key)}")
    return CONTRACT_STATE_PREFIX + contract_id + b"/" + key


class HostEnv(Protocol):
    """What the lifecycle's handler gives a call: the contract's state through the tx
    context, its events, the tx and block it runs in, and the registry's roles."""

    @property
    def caller(self) -> bytes:
        """The sender's 20-byte address."""
        ...

    @property
    def height(self) -> int:
        """The block's height."""
        ...

    @property
    def time_ms(self) -> int:
        """The block's BFT time, ms since the epoch (UTC)."""
        ...

    @property
    def tx_hash(self) -> bytes:
        """The tx's 32-byte hash."""
        ...

    def state_get(self, key: bytes) -> bytes | None:
        """The value of the contract's own ``key`` as the tx context reads it, or None."""
        ...

    def state_put(self, key: bytes, value: bytes) -> None:
        """Write the contract's own ``key`` (called only after a successful call)."""
        ...

    def state_delete(self, key: bytes) -> None:
        """Delete the contract's own ``key`` (called only after a successful call)."""
        ...

    def emit(self, name: str, data: bytes) -> None:
        """Record the event ``contracts.event {contract, name, data}`` (only after success)."""
        ...

    def has_role(self, address: bytes, role: str) -> bool:
        """Whether ``address`` is an active account holding ``role``."""
        ...


@dataclass(frozen=True, slots=True)
class ContractEvent:
    """An event a contract emitted: its name and canonical CBOR data."""

    name: str
    data: bytes

    def validate(self) -> None:
        """Raise ValueError naming what is wrong with the event."""
        if EVENT_NAME_PATTERN.fullmatch(self.name) is None:
            raise ValueError("an event name is 1..64 ASCII letters, digits, '_' or '.'")
        if len(self.data) > MAX_EVENT_DATA_BYTES:
            raise ValueError(f"event data is at most {MAX_EVENT_DATA_BYTES} bytes")


class CallStopped(Exception):  # noqa: N818 - a signal that ends a call, not an error of ours
    """Raised inside a host function to end the call with a reason code and detail."""

    def __init__(self, reason: str, detail: str = "") -> None:
        super().__init__(f"{reason}: {detail}" if detail else reason)
        self.reason = reason
        self.detail = detail


def fuel_left(store: wasmtime.Store | wasmtime.Caller) -> int:
    """The fuel left in a store, also from inside a host function (through its caller)."""
    # wasmtime-py's Caller has no fuel methods; Store's only use the context, which a
    # Caller also has, so they are applied to the caller's context directly.
    return wasmtime.Store.get_fuel(cast(wasmtime.Store, store))


def _charge(caller: wasmtime.Caller, cost: int) -> None:
    left = fuel_left(caller)
    if cost > left:
        wasmtime.Store.set_fuel(cast(wasmtime.Store, caller), 0)
        raise CallStopped("out_of_fuel")
    wasmtime.Store.set_fuel(cast(wasmtime.Store, caller), left - cost)


def _memory(caller: wasmtime.Caller) -> wasmtime.Memory:
    memory = caller.get("memory")
    if not isinstance(memory, wasmtime.Memory):
        raise CallStopped("trap", "memory_out_of_bounds")
    return memory


def _read(caller: wasmtime.Caller, ptr: int, length: int) -> bytes:
    memory = _memory(caller)
    start, count = ptr & 0xFFFF_FFFF, length & 0xFFFF_FFFF
    if start + count > memory.data_len(caller):
        raise CallStopped("trap", "memory_out_of_bounds")
    return bytes(memory.read(caller, start, start + count))


def _write(caller: wasmtime.Caller, ptr: int, data: bytes) -> None:
    memory = _memory(caller)
    start = ptr & 0xFFFF_FFFF
    if start + len(data) > memory.data_len(caller):
        raise CallStopped("trap", "memory_out_of_bounds")
    if data:
        memory.write(caller, data, start)


def _limit(length: int, maximum: int, what: str) -> int:
    size = length & 0xFFFF_FFFF
    if size > maximum:
        raise CallStopped("host_limit", f"{what} of {size} bytes exceeds {maximum}")
    return size


class HostCall:
    """The host side of one call: its env, its pending writes and events."""

    def __init__(self, env: HostEnv) -> None:
        self.env = env
        self.writes: dict[bytes, bytes | None] = {}
        self.write_count = 0
        self.events: list[ContractEvent] = []

    def pending_writes(self) -> tuple[tuple[bytes, bytes | None], ...]:
        """The call's writes, one per key, in the order of each key's last write."""
        return tuple(self.writes.items())

    def link(self, linker: wasmtime.Linker) -> None:
        """Define every host function of ``HOST_FUNCTION_TYPES`` in ``linker``."""
        handlers: dict[str, Callable[..., int | None]] = {
            "state_get": self.state_get,
            "state_set": self.state_set,
            "state_delete": self.state_delete,
            "emit": self.emit,
            "caller": self.caller,
            "height": self.height,
            "time": self.time,
            "tx_hash": self.tx_hash,
            "has_role": self.has_role,
            "abort": self.abort,
        }
        for name, (params, results) in HOST_FUNCTION_TYPES.items():
            func_type = wasmtime.FuncType(
                [_VALTYPES[p]() for p in params], [_VALTYPES[r]() for r in results]
            )
            linker.define_func(HOST_MODULE, name, func_type, handlers[name], access_caller=True)

    def state_get(
        self, caller: wasmtime.Caller, key_ptr: int, key_len: int, out_ptr: int, out_cap: int
    ) -> int:
        """``state_get``: the value's length (copied when it fits ``out_cap``), or -1."""
        size = _limit(key_len, MAX_KEY_BYTES, "a key")
        _charge(caller, FUEL_STATE_GET + FUEL_STATE_GET_PER_BYTE * size)
        key = _read(caller, key_ptr, size)
        value = self.writes[key] if key in self.writes else self.env.state_get(key)
        if value is None:
            return -1
        _charge(caller, FUEL_STATE_GET_PER_BYTE * len(value))
        if len(value) <= out_cap & 0xFFFF_FFFF:
            _write(caller, out_ptr, value)
        return len(value)

    def state_set(
        self, caller: wasmtime.Caller, key_ptr: int, key_len: int, val_ptr: int, val_len: int
    ) -> None:
        """``state_set``: write the contract's own key (kept until the call succeeds)."""
        key_size = _limit(key_len, MAX_KEY_BYTES, "a key")
        value_size = _limit(val_len, MAX_VALUE_BYTES, "a value")
        self._count_write()
        _charge(caller, FUEL_STATE_SET + FUEL_STATE_SET_PER_BYTE * (key_size + value_size))
        key = _read(caller, key_ptr, key_size)
        value = _read(caller, val_ptr, value_size)
        self.writes.pop(key, None)
        self.writes[key] = value

    def state_delete(self, caller: wasmtime.Caller, key_ptr: int, key_len: int) -> None:
        """``state_delete``: delete the contract's own key (kept until the call succeeds)."""
        size = _limit(key_len, MAX_KEY_BYTES, "a key")
        self._count_write()
        _charge(caller, FUEL_STATE_DELETE + FUEL_STATE_DELETE_PER_BYTE * size)
        key = _read(caller, key_ptr, size)
        self.writes.pop(key, None)
        self.writes[key] = None

    def _count_write(self) -> None:
        if self.write_count >= MAX_WRITES_PER_CALL:
            raise CallStopped("host_limit", f"more than {MAX_WRITES_PER_CALL} writes")
        self.write_count += 1

    def emit(
        self, caller: wasmtime.Caller, name_ptr: int, name_len: int, data_ptr: int, data_len: int
    ) -> None:
        """``emit``: an event with a checked name and canonical CBOR data."""
        name_size = _limit(name_len, 64, "an event name")
        data_size = _limit(data_len, MAX_EVENT_DATA_BYTES, "event data")
        if len(self.events) >= MAX_EVENTS_PER_CALL:
            raise CallStopped("host_limit", f"more than {MAX_EVENTS_PER_CALL} events")
        _charge(caller, FUEL_EMIT + FUEL_EMIT_PER_BYTE * (name_size + data_size))
        raw_name = _read(caller, name_ptr, name_size)
        data = _read(caller, data_ptr, data_size)
        name = raw_name.decode("ascii", errors="replace")
        if EVENT_NAME_PATTERN.fullmatch(name) is None:
            raise CallStopped(
                "host_limit", "an event name is 1..64 ASCII letters, digits, '_' or '.'"
            )
        try:
            decode(data)
        except DecodeError:
            raise CallStopped("host_limit", "event data is not canonical CBOR") from None
        self.events.append(ContractEvent(name, data))

    def caller(self, caller: wasmtime.Caller, out_ptr: int) -> int:
        """``caller``: the sender's 20-byte address at ``out_ptr``; returns 20."""
        _charge(caller, FUEL_CALLER)
        _write(caller, out_ptr, self.env.caller)
        return ADDRESS_BYTES

    def height(self, caller: wasmtime.Caller) -> int:
        """``height``: the block's height."""
        _charge(caller, FUEL_HEIGHT)
        return self.env.height

    def time(self, caller: wasmtime.Caller) -> int:
        """``time``: the block's BFT time in ms since the epoch."""
        _charge(caller, FUEL_TIME)
        return self.env.time_ms

    def tx_hash(self, caller: wasmtime.Caller, out_ptr: int) -> int:
        """``tx_hash``: the tx's 32-byte hash at ``out_ptr``; returns 32."""
        _charge(caller, FUEL_TX_HASH)
        _write(caller, out_ptr, self.env.tx_hash)
        return TX_HASH_BYTES

    def has_role(self, caller: wasmtime.Caller, addr_ptr: int, role_ptr: int, role_len: int) -> int:
        """``has_role``: 1 when the address is an active account holding the role, else 0."""
        size = _limit(role_len, MAX_ROLE_BYTES, "a role")
        _charge(caller, FUEL_HAS_ROLE)
        address = _read(caller, addr_ptr, ADDRESS_BYTES)
        raw_role = _read(caller, role_ptr, size)
        try:
            role = raw_role.decode("ascii")
        except UnicodeDecodeError:
            raise CallStopped("host_limit", "a role name is ASCII text") from None
        return 1 if self.env.has_role(address, role) else 0

    def abort(self, caller: wasmtime.Caller, msg_ptr: int, msg_len: int) -> None:
        """``abort``: end the call as ``contract_abort`` with (at most 256 bytes of) its message."""
        _charge(caller, FUEL_ABORT)
        shown = min(msg_len & 0xFFFF_FFFF, MAX_ABORT_MESSAGE_BYTES)
        message = _read(caller, msg_ptr, shown).decode("utf-8", errors="replace")
        printable = "".join(ch if ch.isprintable() else "?" for ch in message)
        raise CallStopped("contract_abort", printable)


_VALTYPES: dict[str, Callable[[], wasmtime.ValType]] = {
    "i32": wasmtime.ValType.i32,
    "i64": wasmtime.ValType.i64,
}
