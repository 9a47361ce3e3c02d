"""Building RFC 6962 trees: roots, inclusion proofs and consistency proofs.

These work on a list of leaf hashes held in memory. An RFC 6962 tree is the
tree you get by hashing neighbours pairwise, level by level, and carrying a
lone last node up unchanged; that view gives short loops instead of the
recursive definitions (which the tests keep, as a reference).
"""

from __future__ import annotations

from collections.abc import Sequence

from govchain.ledger.merkle.errors import IndexOutOfRangeError, TreeSizeError
from govchain.ledger.merkle.hasher import Hasher

__all__ = ["consistency_proof", "inclusion_proof", "root"]


def _next_level(hasher: Hasher, level: Sequence[bytes]) -> list[bytes]:
    upper = [hasher.hash_children(level[i], level[i + 1]) for i in range(0, len(level) - 1, 2)]
    if len(level) % 2:
        upper.append(level[-1])
    return upper


def root(hasher: Hasher, leaf_hashes: Sequence[bytes]) -> bytes:
    """The Merkle tree hash of the leaves (``H()`` for none)."""
    if not leaf_hashes:
        return hasher.empty_root()
    level = list(leaf_hashes)
    while len(level) > 1:
        level = _next_level(hasher, level)
    return level[0]


def inclusion_proof(hasher: Hasher, leaf_hashes: Sequence[bytes], index: int) -> list[bytes]:
    """The audit path of leaf ``index``, from the leaf's sibling up to the root's child."""
    if not 0 <= index < len(leaf_hashes):
        raise IndexOutOfRangeError(f"leaf {index} is not in a tree of {len(leaf_hashes)}")
    proof: list[bytes] = []
    level = list(leaf_hashes)
    while len(level) > 1:
        sibling = index ^ 1
        if sibling < len(level):
            proof.append(level[sibling])
        level = _next_level(hasher, level)
        index >>= 1
    return proof


def _largest_power_of_two_below(n: int) -> int:
    return 1 << ((n - 1).bit_length() - 1)


def _subproof(hasher: Hasher, m: int, leaves: Sequence[bytes], whole: bool) -> list[bytes]:
    n = len(leaves)
    if m == n:
        return [] if whole else [root(hasher, leaves)]
    k = _largest_power_of_two_below(n)
    if m <= k:
        return [*_subproof(hasher, m, leaves[:k], whole), root(hasher, leaves[k:])]
    return [*_subproof(hasher, m - k, leaves[k:], False), root(hasher, leaves[:k])]


def consistency_proof(
    hasher: Hasher, leaf_hashes: Sequence[bytes], size1: int, size2: int | None = None
) -> list[bytes]:
    """RFC 6962 ``PROOF(size1, D[size2])``: the tree of ``size1`` leaves is a prefix of ``size2``.

    ``size2`` defaults to every leaf given. Sizes must satisfy
    ``0 < size1 <= size2``; equal sizes give the empty proof.
    """
    size2 = len(leaf_hashes) if size2 is None else size2
    if not 0 < size1 <= size2 <= len(leaf_hashes):
        raise TreeSizeError(
            f"no consistency proof from {size1} to {size2} leaves (of {len(leaf_hashes)})"
        )
    return _subproof(hasher, size1, leaf_hashes[:size2], True)
