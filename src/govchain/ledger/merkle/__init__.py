"""RFC 6962 / RFC 9162 Merkle trees: hashers, roots, proofs and pure verifiers.

The public names here are a fixed API; external checks call them::

    from govchain.ledger.merkle import hasher_for, verify_inclusion, verify_consistency, MerkleError
"""

from govchain.ledger.merkle.errors import (
    HashSizeError,
    IndexOutOfRangeError,
    MerkleError,
    ProofSizeError,
    RootMismatchError,
    TreeSizeError,
)
from govchain.ledger.merkle.hasher import HASH_NAMES, Hasher, hasher_for
from govchain.ledger.merkle.tree import consistency_proof, inclusion_proof, root
from govchain.ledger.merkle.verify import (
    root_from_inclusion_proof,
    verify_consistency,
    verify_inclusion,
)

__all__ = [
    "HASH_NAMES",
    "HashSizeError",
    "Hasher",
    "IndexOutOfRangeError",
    "MerkleError",
    "ProofSizeError",
    "RootMismatchError",
    "TreeSizeError",
    "consistency_proof",
    "hasher_for",
    "inclusion_proof",
    "root",
    "root_from_inclusion_proof",
    "verify_consistency",
    "verify_inclusion",
]
