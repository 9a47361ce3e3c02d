"""The chain-end node: offline checks of receipts and proofs (the SDK joins with the node)."""

from govchain.client.verify import (
    VerifiedTx,
    check_genesis,
    verify_header,
    verify_headers_consistent,
    verify_in_history,
    verify_state,
    verify_tx_receipt,
)

__all__ = [
    "VerifiedTx",
    "check_genesis",
    "verify_header",
    "verify_headers_consistent",
    "verify_in_history",
    "verify_state",
    "verify_tx_receipt",
]
