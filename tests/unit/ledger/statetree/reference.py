"""A naive state tree: the recursive definition of docs/spec/statetree.md over a dict."""

from __future__ import annotations

from govchain.ledger.statetree.nodes import EMPTY, StateHasher, bit


def reference_root(hash_name: str, entries: dict[bytes, bytes]) -> bytes:
    """Root of the tree holding ``entries``, computed from scratch."""
    hasher = StateHasher(hash_name)
    leaves = sorted((hasher.key_hash(k), hasher.value_hash(v)) for k, v in entries.items())

    def subtree(items: list[tuple[bytes, bytes]], depth: int) -> bytes:
        if not items:
            return EMPTY
        if len(items) == 1:
            return hasher.leaf(*items[0])
        left = [item for item in items if bit(item[0], depth) == 0]
        right = [item for item in items if bit(item[0], depth) == 1]
        return hasher.internal(subtree(left, depth + 1), subtree(right, depth + 1))

    return subtree(leaves, 0)
