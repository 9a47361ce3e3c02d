"""Offline verification for clients: the checks of ``govchain.ledger.receipt_checks``.

The checks are pure and live in the ledger layer, where the contracts service
uses them too (a test network's receipt, docs/spec/contracts.md); clients
import them from here, as they always have.
"""

from __future__ import annotations

from govchain.ledger.receipt_checks import (
    VerifiedTx,
    check_genesis,
    validators_after,
    verify_header,
    verify_headers_consistent,
    verify_in_history,
    verify_state,
    verify_state_fact,
    verify_tx_receipt,
)

__all__ = [
    "VerifiedTx",
    "check_genesis",
    "validators_after",
    "verify_header",
    "verify_headers_consistent",
    "verify_in_history",
    "verify_state",
    "verify_state_fact",
    "verify_tx_receipt",
]
