"""The handler of ``contracts.call``: run a method of a contract's active version, metered.

docs/spec/contracts.md, "The lifecycle" and "The sandbox". A call gets
``min(tx_fuel, fuel the block has left)``; what it used counts against the
block even when it fails: the handler writes the block's fuel counter
(``contracts/fuel``) straight into the block's writes, which a refused tx
does not roll back, and only then refuses. A success writes the
contract's own keys under ``contracts/s/<id>/`` and emits
``contracts.called`` (with the result) and each ``contracts.event``.
"""

from __future__ import annotations

from govchain.contracts.lifecycle.params import read_params
from govchain.contracts.lifecycle.refusals import live_contract, refuse
from govchain.contracts.lifecycle.runner import CallEnv, CallOutcome, ContractRunner
from govchain.contracts.lifecycle.state import (
    FUEL_KEY,
    read_code,
    read_fuel_used,
    read_version,
    state_prefix,
)
from govchain.contracts.lifecycle.tested import CALLED_EVENT
from govchain.contracts.lifecycle.txs import CallArgs
from govchain.contracts.registry.permission import account_refusal
from govchain.contracts.registry.state import read_account
from govchain.crypto import CryptoSuite
from govchain.execution.registry import ContractError, Handler, TxContext
from govchain.ledger import records
from govchain.types import Tx

__all__ = ["CONTRACT_EVENT", "call_handler", "fuel_refusal"]

CONTRACT_EVENT = "contracts.event"


def fuel_refusal(reason: str, message: str, used: int, limit: int) -> str:
    """A failed call's receipt error: the reason first, the fuel used last."""
    middle = f"{message[:256]}; " if message else ""
    return f"{reason}: {middle}used {used} of {limit} fuel"


def _charge_block(ctx: TxContext, used: int) -> None:
    """Count ``used`` against the block, kept even if the tx is refused afterwards."""
    total = read_fuel_used(ctx.get, ctx.height) + used
    ctx.block_writes[FUEL_KEY] = ctx.height.to_bytes(8, "big") + total.to_bytes(8, "big")


def _env(ctx: TxContext, contract: bytes, caller: bytes) -> CallEnv:
    prefix = state_prefix(contract)

    def state_get(key: bytes) -> bytes | None:
        return ctx.get(prefix + key)

    def has_role(address: bytes, role: str) -> bool:
        account = read_account(ctx.get, address)
        if account is None or account_refusal(ctx.get, address, account) is not None:
            return False
        return role in account.roles

    return CallEnv(contract, caller, ctx.height, ctx.time, ctx.tx_hash, state_get, has_role)


def _apply(ctx: TxContext, contract: bytes, outcome: CallOutcome) -> None:
    prefix = state_prefix(contract)
    for key, value in outcome.writes:
        if value is None:
            ctx.delete(prefix + key)
        else:
            ctx.put(prefix + key, value)
    for event in outcome.events:
        ctx.emit(CONTRACT_EVENT, contract=contract, name=event.name, data=event.data)


def call_handler(suite: CryptoSuite, runner: ContractRunner) -> Handler:
    """The handler of ``contracts.call``."""

    def handle(ctx: TxContext, tx: Tx) -> None:
        args = CallArgs.from_args(tx.args)
        record = live_contract(ctx.get, args.contract)
        if record.status == "frozen":
            raise refuse("contract_frozen", f"contract {record.name} is frozen: {record.reason}")
        if not record.active_version:
            raise refuse("not_approved", f"contract {record.name} has no deployed version")
        version = read_version(ctx.get, record.id, record.active_version)
        if args.method not in version.abi:
            raise refuse(
                "unknown_method",
                f"version {version.number} of {record.name} has no method {args.method!r}",
            )
        params = read_params(ctx.get)
        left = params.block_fuel - read_fuel_used(ctx.get, ctx.height)
        fuel = min(params.tx_fuel, max(left, 0))
        if fuel == 0:
            raise ContractError(
                fuel_refusal("out_of_fuel", "the block's fuel budget is spent", 0, 0)
            )
        code = read_code(ctx.get, version.code_hash)
        caller = records.address_of(suite, tx.sender)
        env = _env(ctx, record.id, caller)
        outcome = runner.call(
            version.code_hash, code, args.method, args.args, env, fuel, params.runner_params()
        )
        assert 0 <= outcome.fuel_used <= fuel, f"the runner used {outcome.fuel_used} of {fuel} fuel"
        _charge_block(ctx, outcome.fuel_used)
        if not outcome.ok:
            raise ContractError(
                fuel_refusal(outcome.reason, outcome.message, outcome.fuel_used, fuel)
            )
        ctx.emit(
            CALLED_EVENT, contract=record.id, version=version.number, code_hash=version.code_hash,
            method=args.method, fuel=outcome.fuel_used, result=outcome.result,
        )  # fmt: skip
        _apply(ctx, record.id, outcome)

    return handle
