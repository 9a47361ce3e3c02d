"""The chain-end node: the SDK and the offline checks of receipts and proofs.

- ``verify``: offline checks against a trusted genesis (no network);
- ``sdk``: the generic node client (submit, wait, status, blocks);
- ``<service>``: one module per service (``notary``, ``evidence``) over the
  node client: build and sign its txs, call its routes, verify its proofs.
"""

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
