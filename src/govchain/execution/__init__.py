"""Execution: ``apply_block`` and the registry of system contracts."""

from govchain.execution.apply import apply_block, check_header, check_txs, execute_txs
from govchain.execution.propose import propose_block
from govchain.execution.registry import ContractError, Registry, TxContext
from govchain.execution.view import BlockResult, LedgerView

__all__ = [
    "BlockResult",
    "ContractError",
    "LedgerView",
    "Registry",
    "TxContext",
    "apply_block",
    "check_header",
    "check_txs",
    "execute_txs",
    "propose_block",
]
