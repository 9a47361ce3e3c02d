"""Built contracts run in the chain's own sandbox over a stand-in of the chain.

``FakeHost`` is a ``govchain.sandbox.HostEnv`` over dicts: the contract's own
state, the roles it may ask about, the tx and block a call sees. ``call`` checks
the module with the submission rules (``check_module``), compiles it through
the sandbox's cache and runs it with ``run_call``: the fuel, limits and failure
reasons are the chain's, only the state around it is a stand-in.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field

from govchain.sandbox import (
    ModuleParams,
    check_module,
    run_call,
    shared_module_cache,
)

HOST_IMPORTS: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
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
"""The spec's host imports: name -> (parameter types, result types)."""

FUEL = 10_000_000
"""The chain's default ``tx_fuel``."""
MEMORY_PAGES = 64
"""The chain's default ``memory_pages``."""


@dataclass
class CallOutcome:
    """What one call did: its result bytes, or the abort message, its writes and events."""

    result: bytes | None = None
    abort: str | None = None
    writes: list[tuple[bytes, bytes | None]] = field(default_factory=list)
    events: list[tuple[str, bytes]] = field(default_factory=list)
    fuel: int = 0


@dataclass
class FakeHost:
    """A contract's own state and the tx context a call sees (a ``HostEnv``)."""

    caller: bytes = b"\x11" * 20
    height: int = 7
    time: int = 1_796_544_116_123
    tx_hash: bytes = b"\x22" * 32
    roles: set[tuple[bytes, str]] = field(default_factory=set)
    state: dict[bytes, bytes] = field(default_factory=dict)
    emitted: list[tuple[str, bytes]] = field(default_factory=list)

    @property
    def time_ms(self) -> int:
        return self.time

    def state_get(self, key: bytes) -> bytes | None:
        return self.state.get(key)

    def state_put(self, key: bytes, value: bytes) -> None:
        self.state[key] = value

    def state_delete(self, key: bytes) -> None:
        self.state.pop(key, None)

    def emit(self, name: str, data: bytes) -> None:
        self.emitted.append((name, data))

    def has_role(self, address: bytes, role: str) -> bool:
        return (address, role) in self.roles

    def call(self, module: bytes, method: str, args: bytes) -> CallOutcome:
        """Run ``method`` with ``args`` in the sandbox; on success its writes are applied.

        A failure other than the contract's own ``abort`` fails the test with the
        receipt text the chain would write.
        """
        check_module(module, ModuleParams())
        compiled = shared_module_cache().module(hashlib.sha256(module).digest(), module)
        outcome = run_call(compiled, method, args, self, FUEL, MEMORY_PAGES)
        if outcome.ok:
            return CallOutcome(
                result=outcome.result,
                writes=list(outcome.writes),
                events=[(event.name, event.data) for event in outcome.events],
                fuel=outcome.fuel_used,
            )
        assert outcome.reason == "contract_abort", outcome.error
        return CallOutcome(abort=outcome.detail, fuel=outcome.fuel_used)
