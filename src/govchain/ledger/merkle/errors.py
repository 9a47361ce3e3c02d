"""Typed Merkle proof failures: one subclass for each kind of mismatch."""

from __future__ import annotations

from govchain.types.errors import ProofError

__all__ = [
    "HashSizeError",
    "IndexOutOfRangeError",
    "MerkleError",
    "ProofSizeError",
    "RootMismatchError",
    "TreeSizeError",
]


class MerkleError(ProofError):
    """A Merkle proof does not verify."""

    code = "invalid_proof"


class IndexOutOfRangeError(MerkleError):
    """The leaf index is not below the tree size."""


class HashSizeError(MerkleError):
    """A leaf hash, proof element or root is not the hasher's size."""


class ProofSizeError(MerkleError):
    """The proof has more or fewer elements than the sizes call for."""


class TreeSizeError(MerkleError):
    """The tree sizes do not admit a proof (second smaller than first, or from empty)."""


class RootMismatchError(MerkleError):
    """The proof leads to a different root than the one trusted."""
