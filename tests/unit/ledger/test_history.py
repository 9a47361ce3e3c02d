"""The history log against the in-memory RFC 6962 functions (F-A4)."""

from __future__ import annotations

import pytest

from govchain.ledger.history import HistoryView, append_nodes
from govchain.ledger.merkle import (
    TreeSizeError,
    consistency_proof,
    hasher_for,
    inclusion_proof,
    root,
    verify_consistency,
    verify_inclusion,
)


@pytest.mark.parametrize("hash_name", ["sm3", "sha256"])
def test_log_matches_rfc6962_for_every_size(hash_name: str) -> None:
    hasher = hasher_for(hash_name)
    nodes: dict[tuple[int, int], bytes] = {}

    def get(level: int, index: int) -> bytes:
        return nodes[(level, index)]

    view = HistoryView(hasher, get)
    leaves: list[bytes] = []
    for size in range(1, 40):
        block_hash = hasher.hash(size.to_bytes(4, "big"))
        for level, index, node in append_nodes(hasher, size - 1, block_hash, get):
            nodes[(level, index)] = node
        leaves.append(hasher.hash_leaf(block_hash))
        assert view.root(size) == root(hasher, leaves)
        for index in range(size):
            proof = view.inclusion_proof(index, size)
            assert proof == inclusion_proof(hasher, leaves, index)
            verify_inclusion(hasher, index, size, leaves[index], proof, view.root(size))
        for old in range(1, size + 1):
            proof = view.consistency_proof(old, size)
            assert proof == consistency_proof(hasher, leaves, old, size)
            verify_consistency(hasher, old, size, proof, view.root(old), view.root(size))
    # Only perfect subtrees are stored: at most 2n - 1 nodes for n leaves.
    assert len(nodes) <= 2 * len(leaves) - 1
    assert view.root(0) == hasher.empty_root()
    with pytest.raises(TreeSizeError):
        view.consistency_proof(0, 3)
