"""The history log: an append-only RFC 6962 tree of block hashes (F-A4).

Leaf ``i`` is the hash of block ``i + 1``. The header of block ``h`` carries
the root of the first ``h - 1`` leaves, so a block is provable against any
newer header, and two trusted headers are provably consistent.

Only the hashes of *perfect* subtrees are stored: node ``(level, index)``
covers leaves ``index * 2**level .. (index + 1) * 2**level - 1``. Appending
a leaf writes it and each perfect subtree it completes. Any RFC 6962 subtree
hash, root or proof is then assembled from ``O(log n)`` stored nodes, so
proof size and cost stay logarithmic however long the chain grows.
"""

from __future__ import annotations

from collections.abc import Callable

from govchain.ledger.merkle import Hasher, IndexOutOfRangeError, TreeSizeError

NodeGetter = Callable[[int, int], bytes]
"""``get(level, index)``: a stored perfect-subtree hash (it must exist)."""


def node_key(level: int, index: int) -> bytes:
    """Storage key of a perfect-subtree node: level (1 byte) then index (8 bytes)."""
    return bytes((level,)) + index.to_bytes(8, "big")


def append_nodes(
    hasher: Hasher, size: int, block_hash: bytes, get: NodeGetter
) -> list[tuple[int, int, bytes]]:
    """The nodes to store when leaf number ``size`` (0-based) is appended."""
    node = hasher.hash_leaf(block_hash)
    nodes = [(0, size, node)]
    level, index = 0, size
    while index % 2 == 1:
        node = hasher.hash_children(get(level, index - 1), node)
        level, index = level + 1, index // 2
        nodes.append((level, index, node))
    return nodes


class HistoryView:
    """Read side of the log over stored nodes: roots and proofs for any size."""

    def __init__(self, hasher: Hasher, get: NodeGetter) -> None:
        self.hasher = hasher
        self._get = get

    def _subtree(self, start: int, count: int) -> bytes:
        # RFC 6962 MTH(D[start:start+count]); every left part is a perfect, aligned subtree.
        if count & (count - 1) == 0 and start % count == 0:
            return self._get(count.bit_length() - 1, start // count)
        split = 1 << ((count - 1).bit_length() - 1)
        left = self._subtree(start, split)
        return self.hasher.hash_children(left, self._subtree(start + split, count - split))

    def root(self, size: int) -> bytes:
        """Root of the first ``size`` leaves (``H()`` for none)."""
        return self.hasher.empty_root() if size == 0 else self._subtree(0, size)

    def inclusion_proof(self, index: int, size: int) -> list[bytes]:
        """RFC 6962 audit path of leaf ``index`` in the tree of ``size`` leaves."""
        if not 0 <= index < size:
            raise IndexOutOfRangeError(f"leaf {index} is not in a log of {size}")
        path: list[bytes] = []
        start, count = 0, size
        while count > 1:
            split = 1 << ((count - 1).bit_length() - 1)
            if index - start < split:
                path.append(self._subtree(start + split, count - split))
                count = split
            else:
                path.append(self._subtree(start, split))
                start, count = start + split, count - split
        path.reverse()
        return path

    def consistency_proof(self, size1: int, size2: int) -> list[bytes]:
        """RFC 6962 proof that the log of ``size1`` leaves is a prefix of ``size2``."""
        if not 0 < size1 <= size2:
            raise TreeSizeError(f"no consistency proof from {size1} to {size2} leaves")
        proof: list[bytes] = []
        start, count, m, whole = 0, size2, size1, True
        while m != count:
            split = 1 << ((count - 1).bit_length() - 1)
            if m <= split:
                proof.append(self._subtree(start + split, count - split))
                count = split
            else:
                proof.append(self._subtree(start, split))
                start, count, m, whole = start + split, count - split, m - split, False
        if not whole:
            proof.append(self._subtree(start, count))
        proof.reverse()
        return proof
