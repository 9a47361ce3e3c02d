"""RFC 6962 / RFC 9162 tree hashing with the suite hash.

A leaf is hashed as ``H(0x00 || data)`` and an inner node as
``H(0x01 || left || right)``; the distinct prefixes keep a leaf from ever
passing for an inner node (second-preimage resistance). The root of the empty
tree is ``H()``.
"""

from __future__ import annotations

from dataclasses import dataclass

from govchain.codec.hashing import digest
from govchain.ledger.merkle.errors import MerkleError

__all__ = ["HASH_NAMES", "Hasher", "hasher_for"]

HASH_NAMES = ("sm3", "sha256")
_LEAF_PREFIX = b"\x00"
_NODE_PREFIX = b"\x01"


@dataclass(frozen=True)
class Hasher:
    """Leaf and node hashing for one hash function (``sm3`` or ``sha256``)."""

    name: str
    size: int = 32

    def hash(self, data: bytes) -> bytes:
        """The plain hash of ``data``."""
        return digest(self.name, data)

    def empty_root(self) -> bytes:
        """Root of the tree with no leaves: the hash of the empty string."""
        return self.hash(b"")

    def hash_leaf(self, data: bytes) -> bytes:
        """``H(0x00 || data)``."""
        return digest(self.name, _LEAF_PREFIX + data)

    def hash_children(self, left: bytes, right: bytes) -> bytes:
        """``H(0x01 || left || right)``."""
        return digest(self.name, _NODE_PREFIX + left + right)


_HASHERS = {name: Hasher(name) for name in HASH_NAMES}


def hasher_for(name: str) -> Hasher:
    """The hasher for ``"sm3"`` (suite gm) or ``"sha256"`` (suite intl)."""
    try:
        return _HASHERS[name]
    except KeyError:
        raise MerkleError(f"no Merkle hasher for {name!r}; use one of {HASH_NAMES}") from None
