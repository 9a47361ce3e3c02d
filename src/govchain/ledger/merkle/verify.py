"""Pure verifiers of RFC 9162 inclusion and consistency proofs.

They follow RFC 9162 sections 2.1.3.2 and 2.1.4.2 and the edge cases of the
verifiers Certificate Transparency logs use: the proof must have exactly the
length the sizes call for, every hash must be the hasher's size, and a
consistency proof needs ``0 < size1 < size2`` (or equal sizes, an empty proof
and equal roots). Each failure raises its own :class:`MerkleError` subclass.
"""

from __future__ import annotations

from collections.abc import Sequence

from govchain.ledger.merkle.errors import (
    HashSizeError,
    IndexOutOfRangeError,
    ProofSizeError,
    RootMismatchError,
    TreeSizeError,
)
from govchain.ledger.merkle.hasher import Hasher

__all__ = ["root_from_inclusion_proof", "verify_consistency", "verify_inclusion"]


def _check_sizes(hasher: Hasher, what: str, hashes: Sequence[bytes]) -> None:
    for position, value in enumerate(hashes):
        if not isinstance(value, bytes | bytearray) or len(value) != hasher.size:
            size = len(value) if isinstance(value, bytes | bytearray) else type(value).__name__
            raise HashSizeError(f"{what} {position} is {size}, not {hasher.size} bytes")


def _inclusion_shape(index: int, size: int) -> tuple[int, int]:
    """(inner, border): proof elements below and above the point where paths to
    ``index`` and to the last leaf part."""
    inner = (index ^ (size - 1)).bit_length()
    border = bin(index >> inner).count("1")
    return inner, border


def _chain_inner(hasher: Hasher, seed: bytes, proof: Sequence[bytes], index: int) -> bytes:
    for level, sibling in enumerate(proof):
        if (index >> level) & 1:
            seed = hasher.hash_children(sibling, seed)
        else:
            seed = hasher.hash_children(seed, sibling)
    return seed


def _chain_inner_right(hasher: Hasher, seed: bytes, proof: Sequence[bytes], index: int) -> bytes:
    for level, sibling in enumerate(proof):
        if (index >> level) & 1:
            seed = hasher.hash_children(sibling, seed)
    return seed


def _chain_border_right(hasher: Hasher, seed: bytes, proof: Sequence[bytes]) -> bytes:
    for sibling in proof:
        seed = hasher.hash_children(sibling, seed)
    return seed


def root_from_inclusion_proof(
    hasher: Hasher, index: int, size: int, leaf_hash: bytes, proof: Sequence[bytes]
) -> bytes:
    """The root that ``proof`` leads to from ``leaf_hash`` at ``index`` in a tree of ``size``."""
    if not 0 <= index < size:
        raise IndexOutOfRangeError(f"index {index} is not below the tree size {size}")
    _check_sizes(hasher, "leaf hash", [leaf_hash])
    _check_sizes(hasher, "proof element", proof)
    inner, border = _inclusion_shape(index, size)
    if len(proof) != inner + border:
        raise ProofSizeError(
            f"inclusion proof has {len(proof)} elements; leaf {index} of {size} needs "
            f"{inner + border}"
        )
    seed = _chain_inner(hasher, bytes(leaf_hash), proof[:inner], index)
    return _chain_border_right(hasher, seed, proof[inner:])


def _check_root(computed: bytes, trusted: bytes, what: str) -> None:
    if computed != trusted:
        raise RootMismatchError(
            f"{what}: proof leads to {computed.hex()[:16]}..., trusted root is "
            f"{bytes(trusted).hex()[:16]}..."
        )


def verify_inclusion(
    hasher: Hasher,
    index: int,
    size: int,
    leaf_hash: bytes,
    proof: Sequence[bytes],
    root: bytes,
) -> None:
    """Check that ``leaf_hash`` is leaf ``index`` of the tree of ``size`` with ``root``."""
    _check_sizes(hasher, "root", [root])
    computed = root_from_inclusion_proof(hasher, index, size, leaf_hash, proof)
    _check_root(computed, root, "inclusion")


def verify_consistency(
    hasher: Hasher,
    size1: int,
    size2: int,
    proof: Sequence[bytes],
    root1: bytes,
    root2: bytes,
) -> None:
    """Check that the tree of ``size1`` with ``root1`` is a prefix of ``size2`` with ``root2``."""
    _check_sizes(hasher, "root", [root1, root2])
    _check_sizes(hasher, "proof element", proof)
    if size1 < 0 or size2 < size1:
        raise TreeSizeError(f"size2 ({size2}) is smaller than size1 ({size1})")
    if size1 == size2:
        if proof:
            raise ProofSizeError("equal tree sizes need an empty proof")
        _check_root(bytes(root1), root2, "consistency of equal sizes")
        return
    if size1 == 0:
        raise TreeSizeError("there is no consistency proof from the empty tree")
    if not proof:
        raise ProofSizeError(f"an empty proof cannot show {size1} is a prefix of {size2}")
    inner, border = _inclusion_shape(size1 - 1, size2)
    shift = (size1 & -size1).bit_length() - 1  # trailing zero bits of size1
    inner -= shift
    # A size1 that is a power of two is itself a whole subtree: its root seeds the
    # chain. Otherwise the proof's first element is that subtree's root.
    seed, rest = (bytes(root1), proof) if size1 == 1 << shift else (proof[0], proof[1:])
    if len(rest) != inner + border:
        raise ProofSizeError(
            f"consistency proof has {len(proof)} elements; {size1} -> {size2} needs "
            f"{len(proof) - len(rest) + inner + border}"
        )
    mask = (size1 - 1) >> shift
    first = _chain_inner_right(hasher, seed, rest[:inner], mask)
    _check_root(_chain_border_right(hasher, first, rest[inner:]), root1, "first tree")
    second = _chain_inner(hasher, seed, rest[:inner], mask)
    _check_root(_chain_border_right(hasher, second, rest[inner:]), root2, "second tree")
