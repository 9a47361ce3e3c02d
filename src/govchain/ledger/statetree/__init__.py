"""The versioned, compressed sparse Merkle state tree (docs/spec/statetree.md)."""

from govchain.ledger.statetree.errors import StateNodeCorruptError, StateProofError, StateTreeError
from govchain.ledger.statetree.memory import MemoryNodeStore
from govchain.ledger.statetree.nodes import EMPTY, StateHasher
from govchain.ledger.statetree.proof import StateProof, prove, verify_state_proof
from govchain.ledger.statetree.tree import (
    NodeReader,
    RootRecord,
    TreeUpdate,
    VerifiedNodes,
    apply_batch,
    get_value,
    root_at,
)

__all__ = [
    "EMPTY",
    "MemoryNodeStore",
    "NodeReader",
    "RootRecord",
    "StateHasher",
    "StateNodeCorruptError",
    "StateProof",
    "StateProofError",
    "StateTreeError",
    "TreeUpdate",
    "VerifiedNodes",
    "apply_batch",
    "get_value",
    "prove",
    "root_at",
    "verify_state_proof",
]
