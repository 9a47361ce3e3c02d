"""Governance actions of ``contracts``: ``contracts.freeze``, ``unfreeze``, ``abolish``, ``params``.

docs/spec/contracts.md, "The lifecycle" (F-E6: freeze). Built into gov's
action table (``contracts.gov.actions.build_actions``) as the supervision
actions are: decided by vote, executed in the tx that decides them.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import replace

from govchain.contracts.gov.args import ActionArgs
from govchain.contracts.lifecycle.params import PARAMS_ACTION, PARAMS_ARG_KINDS, params_action
from govchain.contracts.lifecycle.records import CONTRACT_ID_SIZE, HistoryEntry
from govchain.contracts.lifecycle.state import contract_key, read_contract, record_history
from govchain.execution.registry import TxContext

__all__ = ["LIFECYCLE_ACTIONS", "LIFECYCLE_ARG_KINDS"]

Action = Callable[[TxContext, Mapping[str, object]], None]
_CONTRACT_ARGS = {"contract": "contract_id", "reason": "text"}


def _status_action(action: str, status: str, allowed_from: tuple[str, ...], step: str) -> Action:
    def run(ctx: TxContext, raw: Mapping[str, object]) -> None:
        args = ActionArgs(action, raw, ("contract", "reason"))
        contract = args.raw("contract")
        if not isinstance(contract, bytes) or len(contract) != CONTRACT_ID_SIZE:
            args.fail(f"argument 'contract': expected a {CONTRACT_ID_SIZE}-byte contract id")
        assert isinstance(contract, bytes)
        reason = args.reason()
        record = read_contract(ctx.get, contract)
        if record is None:
            args.fail(f"unknown_contract: no contract has id {contract.hex()}")
        assert record is not None
        if record.status not in allowed_from:
            args.fail(f"bad_status: contract {record.name} is {record.status}")
        changed = replace(record, status=status, height=ctx.height, reason=reason)
        changed.validate()
        ctx.put(contract_key(contract), changed.encode())
        entry = HistoryEntry(step, record.active_version, b"", ctx.height, ctx.tx_hash, reason)
        record_history(ctx.get, ctx.put, contract, entry)
        ctx.emit(f"contracts.{step}", contract=contract, reason=reason)

    return run


LIFECYCLE_ACTIONS: dict[str, Action] = {
    "contracts.abolish": _status_action(
        "contracts.abolish", "abolished",
        ("in_review", "approved", "rejected", "active", "frozen"), "abolished",
    ),
    "contracts.freeze": _status_action("contracts.freeze", "frozen", ("active",), "frozen"),
    "contracts.unfreeze": _status_action("contracts.unfreeze", "active", ("frozen",), "unfrozen"),
    PARAMS_ACTION: params_action,
}  # fmt: skip
"""Every governance action of the service, by name."""
LIFECYCLE_ARG_KINDS: dict[str, dict[str, str]] = {
    "contracts.abolish": _CONTRACT_ARGS,
    "contracts.freeze": _CONTRACT_ARGS,
    "contracts.unfreeze": _CONTRACT_ARGS,
    PARAMS_ACTION: PARAMS_ARG_KINDS,
}
"""Their arguments and kinds, for gov's ``ARG_KINDS`` (the CLI's ``--set``)."""
