"""A :class:`ContractRunner` of the tests' own: modules are CBOR, methods are Python.

A fake module is ``MAGIC`` followed by canonical CBOR ``{"methods": [...],
"refuse": code}``; ``refuse`` (optional) makes the check refuse it with that
module-rule code. Methods (each costs fuel as stated):

- ``count``: adds 1 to the contract's key ``n``, emits ``counted``, returns the new count;
- ``put``: ``{"key", "value"}`` -> writes it; ``drop``: ``{"key"}`` -> deletes it;
- ``whoami``: returns whether the caller holds the role ``admin`` (the registry query);
- ``loop``: runs out of its fuel; ``abort``: aborts with a message;
- ``double``: (version 2 of the counter) adds 2 to ``n``.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from govchain.codec import decode, encode
from govchain.contracts.lifecycle.runner import (
    CallEnv,
    CallOutcome,
    ContractEvent,
    ModuleInfo,
    ModuleRefusedError,
    RunnerParams,
)

MAGIC = b"\x00fakewasm"
CALL_FUEL = 1_000


def fake_module(*methods: str, refuse: str = "", padding: int = 0) -> bytes:
    """A module exporting ``methods`` (``refuse``: the rule the check says it breaks)."""
    spec: dict[str, object] = {"methods": sorted(methods), "pad": b"\x00" * padding}
    if refuse:
        spec["refuse"] = refuse
    return MAGIC + encode(spec)


def _count(env: CallEnv, step: int) -> tuple[int, bytes]:
    raw = env.state_get(b"n")
    value = (0 if raw is None else int.from_bytes(raw, "big")) + step
    return value, value.to_bytes(8, "big")


@dataclass
class FakeRunner:
    """Checks and runs fake modules; records what it was asked."""

    checked: list[bytes] = field(default_factory=list)
    calls: list[tuple[str, int]] = field(default_factory=list)
    ran: list[bytes] = field(default_factory=list)
    """The code hash of each call."""

    def check(self, code: bytes, params: RunnerParams) -> ModuleInfo:
        self.checked.append(code)
        if not code.startswith(MAGIC):
            raise ModuleRefusedError("not_wasm", "the module does not start with the wasm magic")
        if len(code) > params.max_module_bytes:
            raise ModuleRefusedError("too_large", f"{len(code)} bytes")
        spec = decode(code[len(MAGIC) :])
        assert isinstance(spec, dict)
        if spec.get("refuse"):
            raise ModuleRefusedError(str(spec["refuse"]), "the fake module says so")
        methods = spec["methods"]
        assert isinstance(methods, list)
        if not methods:
            raise ModuleRefusedError("no_entry", "exports no callable method")
        return ModuleInfo(tuple(str(m) for m in methods))

    def call(
        self,
        code_hash: bytes,
        code: bytes,
        method: str,
        args: bytes,
        env: CallEnv,
        fuel: int,
        params: RunnerParams,
    ) -> CallOutcome:
        self.calls.append((method, fuel))
        self.ran.append(code_hash)
        del params  # the fake has no memory to bound
        if method not in self.check(code, RunnerParams(1, len(code), False)).methods:
            return CallOutcome(False, CALL_FUEL, reason="trap", message=f"no export {method}")
        if method == "loop":
            return CallOutcome(False, fuel, reason="out_of_fuel")
        if fuel < CALL_FUEL:
            return CallOutcome(False, fuel, reason="out_of_fuel")
        if method == "abort":
            return CallOutcome(False, 700, reason="contract_abort", message="not eligible")
        if method in ("count", "double"):
            value, raw = _count(env, 1 if method == "count" else 2)
            event = ContractEvent("counted", encode({"n": value}))
            return CallOutcome(True, CALL_FUEL, encode(value), ((b"n", raw),), (event,))
        given = decode(args)
        assert isinstance(given, dict)
        if method == "put":
            key, value = given["key"], given["value"]
            assert isinstance(key, bytes)
            assert isinstance(value, bytes)
            return CallOutcome(True, CALL_FUEL, encode(None), ((key, value),))
        if method == "drop":
            key = given["key"]
            assert isinstance(key, bytes)
            return CallOutcome(True, CALL_FUEL, encode(None), ((key, None),))
        if method == "whoami":
            return CallOutcome(True, CALL_FUEL, encode(env.has_role(env.caller, "admin")))
        return CallOutcome(False, CALL_FUEL, reason="trap", message=f"no method {method}")
