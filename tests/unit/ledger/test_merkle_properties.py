"""Merkle trees against the RFC's recursive definitions, for both hashers (F-A4)."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from govchain.ledger import merkle
from govchain.ledger.merkle import (
    MerkleError,
    ProofSizeError,
    RootMismatchError,
    hasher_for,
    verify_consistency,
    verify_inclusion,
)

from .merkle_reference import mth, path, proof

HASHERS = [hasher_for("sha256"), hasher_for("sm3")]
leaf_lists = st.lists(st.binary(max_size=8), min_size=1, max_size=70)


@pytest.mark.parametrize("h", HASHERS, ids=lambda h: h.name)
@settings(max_examples=60, deadline=None)
@given(leaves=leaf_lists, data=st.data())
def test_inclusion_matches_reference_and_verifies(
    h: merkle.Hasher, leaves: list[bytes], data: st.DataObject
) -> None:
    hashes = [h.hash_leaf(x) for x in leaves]
    root = merkle.root(h, hashes)
    assert root == mth(h, leaves)
    index = data.draw(st.integers(0, len(leaves) - 1))
    audit = merkle.inclusion_proof(h, hashes, index)
    assert audit == path(h, index, leaves)
    verify_inclusion(h, index, len(leaves), hashes[index], audit, root)
    other = data.draw(st.integers(0, len(leaves) - 1))
    if hashes[other] != hashes[index]:
        with pytest.raises(MerkleError):
            verify_inclusion(h, other, len(leaves), hashes[other], audit, root)


@pytest.mark.parametrize("h", HASHERS, ids=lambda h: h.name)
@settings(max_examples=60, deadline=None)
@given(leaves=leaf_lists, data=st.data())
def test_consistency_matches_reference_and_verifies(
    h: merkle.Hasher, leaves: list[bytes], data: st.DataObject
) -> None:
    hashes = [h.hash_leaf(x) for x in leaves]
    size2 = data.draw(st.integers(1, len(leaves)))
    size1 = data.draw(st.integers(1, size2))
    got = merkle.consistency_proof(h, hashes, size1, size2)
    assert got == proof(h, size1, leaves[:size2])
    root1, root2 = mth(h, leaves[:size1]), mth(h, leaves[:size2])
    verify_consistency(h, size1, size2, got, root1, root2)
    if size1 < size2:
        with pytest.raises(RootMismatchError):
            verify_consistency(
                h, size1, size2, got, root2, root2 if root1 != root2 else h.hash(b"x")
            )
        with pytest.raises(ProofSizeError):
            verify_consistency(h, size1, size2, [*got, got[0]], root1, root2)
        with pytest.raises(MerkleError):
            verify_consistency(h, size1, size2, got[:-1], root1, root2)


def test_empty_tree_root_is_hash_of_nothing() -> None:
    for h in HASHERS:
        assert merkle.root(h, []) == h.hash(b"")


def test_unknown_hasher() -> None:
    with pytest.raises(MerkleError):
        hasher_for("md5")
