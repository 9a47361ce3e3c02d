"""The lifecycle's :class:`ContractRunner` over the chain's sandbox (``govchain.sandbox``).

docs/spec/contracts.md, "The lifecycle" (the runner). The node gives one
:class:`SandboxRunner` to the service through ``ServiceContext.contract_runner``:
module checks are the sandbox's module rules, a call is ``sandbox.run_call``
on the module compiled once per process (the sandbox's cache, by code hash).
"""

from __future__ import annotations

from govchain.contracts.lifecycle.runner import (
    CallEnv,
    CallOutcome,
    ContractEvent,
    ModuleInfo,
    ModuleRefusedError,
    RunnerParams,
)
from govchain.sandbox import (
    ModuleCache,
    ModuleParams,
    UnknownMethodError,
    check_module,
    run_call,
    shared_module_cache,
)
from govchain.sandbox import ModuleRefusedError as SandboxRefusedError

__all__ = ["SandboxRunner"]


class _HostEnv:
    """The sandbox's ``HostEnv`` over a lifecycle :class:`CallEnv`.

    ``run_call`` keeps a call's writes and events and hands them over only after
    success; the lifecycle applies them from the outcome, so they are not kept
    here twice.
    """

    def __init__(self, env: CallEnv) -> None:
        self._env = env

    @property
    def caller(self) -> bytes:
        return self._env.caller

    @property
    def height(self) -> int:
        return self._env.height

    @property
    def time_ms(self) -> int:
        return self._env.time

    @property
    def tx_hash(self) -> bytes:
        return self._env.tx_hash

    def state_get(self, key: bytes) -> bytes | None:
        return self._env.state_get(key)

    def state_put(self, key: bytes, value: bytes) -> None:
        """Applied by the lifecycle from the outcome."""

    def state_delete(self, key: bytes) -> None:
        """Applied by the lifecycle from the outcome."""

    def emit(self, name: str, data: bytes) -> None:
        """Emitted by the lifecycle from the outcome."""

    def has_role(self, address: bytes, role: str) -> bool:
        return self._env.has_role(address, role)


class SandboxRunner:
    """Checks modules and runs calls in the deterministic wasmtime sandbox."""

    def __init__(self, cache: ModuleCache | None = None) -> None:
        self._cache = cache

    def check(self, code: bytes, params: RunnerParams) -> ModuleInfo:
        """The module's methods; :class:`ModuleRefusedError` naming the rule it breaks."""
        rules = ModuleParams(params.max_module_bytes, params.allow_floats)
        try:
            info = check_module(code, rules)
        except SandboxRefusedError as exc:
            raise ModuleRefusedError(exc.code, exc.reason) from None
        return ModuleInfo(info.methods)

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
        """Run ``method`` with canonical CBOR ``args`` and at most ``fuel`` units."""
        cache = self._cache if self._cache is not None else shared_module_cache()
        module = cache.module(code_hash, code)
        try:
            outcome = run_call(module, method, args, _HostEnv(env), fuel, params.memory_pages)
        except UnknownMethodError:  # the lifecycle checks the ABI first; a module without it
            return CallOutcome(False, 0, reason="trap", message=f"no method {method!r}")
        if not outcome.ok:
            return CallOutcome(
                False, outcome.fuel_used, reason=outcome.reason, message=outcome.detail
            )
        return CallOutcome(
            True,
            outcome.fuel_used,
            result=outcome.result,
            writes=outcome.writes,
            events=tuple(ContractEvent(e.name, e.data) for e in outcome.events),
        )
