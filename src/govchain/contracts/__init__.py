"""System contracts: the built-in handlers behind the platform's tx types.

Each module owns one tx type (or a family), its argument checks, its state
keys and its events, and offers a ``register_*`` function that the
composition root calls to add it to an execution ``Registry``. Handlers are
deterministic and refuse bad txs with ``ContractError`` only, so a refused tx
is committed with a failure receipt.
"""

from govchain.contracts.evidence import (
    EVIDENCE_EVENT,
    EVIDENCE_KEY_PREFIX,
    EVIDENCE_TX_TYPE,
    MAX_EVIDENCE_AGE,
    evidence_handler,
    evidence_key,
    evidence_tx,
    read_evidence,
    register_evidence,
)
from govchain.contracts.notary import (
    NOTARY_EVENT,
    NOTARY_TX_TYPE,
    Anchoring,
    anchor_tx,
    notary_handler,
    read_anchorings,
    register_notary,
)

__all__ = [
    "EVIDENCE_EVENT",
    "EVIDENCE_KEY_PREFIX",
    "EVIDENCE_TX_TYPE",
    "MAX_EVIDENCE_AGE",
    "NOTARY_EVENT",
    "NOTARY_TX_TYPE",
    "Anchoring",
    "anchor_tx",
    "evidence_handler",
    "evidence_key",
    "evidence_tx",
    "notary_handler",
    "read_anchorings",
    "read_evidence",
    "register_evidence",
    "register_notary",
]
