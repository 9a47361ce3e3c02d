"""State tree errors."""

from __future__ import annotations

from govchain.types.errors import LedgerCorruptError, LedgerError, ProofError


class StateTreeError(LedgerError):
    """A state tree operation failed."""

    code = "state_tree_error"


class StateNodeCorruptError(StateTreeError, LedgerCorruptError):
    """A stored state node is malformed or missing."""

    code = "state_node_corrupt"


class StateProofError(StateTreeError, ProofError):
    """A state proof does not verify against the trusted root."""

    code = "invalid_state_proof"
