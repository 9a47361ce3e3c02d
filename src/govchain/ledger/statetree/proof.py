"""State proofs: inclusion and absence of a key against a trusted root (spec: statetree.md)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from govchain.ledger.statetree.errors import StateProofError
from govchain.ledger.statetree.nodes import (
    EMPTY,
    HASH_SIZE,
    KEY_BITS,
    LeafNode,
    NodeKey,
    StateHasher,
    bit,
)
from govchain.ledger.statetree.tree import NodeReader, load, root_at

TERMINALS = ("leaf", "empty", "other_leaf")


@dataclass(frozen=True, slots=True)
class StateProof:
    """Siblings from the root down, and where the search for the key ended.

    ``leaf``: the key's own leaf (``value`` is its value). ``empty``: an empty
    subtree. ``other_leaf``: a leaf of another key (``leaf_key_hash``,
    ``leaf_value_hash``) whose key hash shares the path so far.
    """

    key: bytes
    siblings: tuple[bytes, ...]
    terminal: str
    value: bytes | None = None
    leaf_key_hash: bytes | None = None
    leaf_value_hash: bytes | None = None

    def to_json(self) -> dict[str, Any]:
        """JSON form (hex strings), as in docs/formats.md."""

        def hx(b: bytes | None) -> str | None:
            return None if b is None else b.hex()

        return {
            "key": self.key.hex(),
            "siblings": [s.hex() for s in self.siblings],
            "terminal": self.terminal,
            "value": hx(self.value),
            "leaf_key_hash": hx(self.leaf_key_hash),
            "leaf_value_hash": hx(self.leaf_value_hash),
        }

    @classmethod
    def from_json(cls, obj: object) -> StateProof:
        """Parse the JSON form; raise StateProofError on malformed input."""
        names = {"key", "siblings", "terminal", "value", "leaf_key_hash", "leaf_value_hash"}
        if not isinstance(obj, dict) or set(obj) != names:
            raise StateProofError(f"a state proof is an object with fields {sorted(names)}")

        def unhex(name: str, text: object, optional: bool = True) -> bytes | None:
            if text is None and optional:
                return None
            try:
                return bytes.fromhex(text)  # type: ignore[arg-type]
            except (TypeError, ValueError) as exc:
                raise StateProofError(f"state proof {name}: not hex") from exc

        siblings = obj["siblings"]
        if not isinstance(siblings, list):
            raise StateProofError("state proof siblings: expected a list")
        return cls(
            key=unhex("key", obj["key"], optional=False) or b"",
            siblings=tuple(unhex("sibling", s, optional=False) or b"" for s in siblings),
            terminal=str(obj["terminal"]),
            value=unhex("value", obj["value"]),
            leaf_key_hash=unhex("leaf_key_hash", obj["leaf_key_hash"]),
            leaf_value_hash=unhex("leaf_value_hash", obj["leaf_value_hash"]),
        )


def prove(reader: NodeReader, hash_name: str, version: int, key: bytes) -> StateProof:
    """A proof of ``key``'s value (or absence) at ``version``."""
    hasher = StateHasher(hash_name)
    kh = hasher.key_hash(key)
    ref = root_at(reader, version).node
    depth, path = 0, 0
    siblings: list[bytes] = []
    while ref is not None:
        node = load(reader, NodeKey(ref.version, depth, path), ref, hasher)
        if isinstance(node, LeafNode):
            if node.key == key:
                return StateProof(key, tuple(siblings), "leaf", value=node.value)
            other = hasher.key_hash(node.key)
            return StateProof(
                key, tuple(siblings), "other_leaf", None, other, hasher.value_hash(node.value)
            )
        side = bit(kh, depth)
        sibling = node.side(1 - side)
        siblings.append(EMPTY if sibling is None else sibling.hash)
        ref, depth, path = node.side(side), depth + 1, (path << 1) | side
    return StateProof(key, tuple(siblings), "empty")


def verify_state_proof(hash_name: str, root_hash: bytes, proof: StateProof) -> bytes | None:
    """Check ``proof`` against a trusted root; return the proven value, or None if absent."""
    hasher = StateHasher(hash_name)
    kh = hasher.key_hash(proof.key)
    depth = len(proof.siblings)
    if depth > KEY_BITS:
        raise StateProofError(f"state proof has {depth} siblings; at most {KEY_BITS}")
    if any(len(s) != HASH_SIZE for s in proof.siblings):
        raise StateProofError(f"state proof sibling is not {HASH_SIZE} bytes")
    if proof.terminal == "leaf":
        if proof.value is None:
            raise StateProofError("inclusion proof without a value")
        node = hasher.leaf(kh, hasher.value_hash(proof.value))
    elif proof.terminal == "empty":
        node = EMPTY
    elif proof.terminal == "other_leaf":
        other, value_hash = proof.leaf_key_hash, proof.leaf_value_hash
        if (
            other is None
            or value_hash is None
            or len(other) != HASH_SIZE
            or len(value_hash) != HASH_SIZE
        ):
            raise StateProofError("absence proof needs the other leaf's key and value hashes")
        if other == kh:
            raise StateProofError("absence proof names the key's own leaf")
        if any(bit(other, d) != bit(kh, d) for d in range(depth)):
            raise StateProofError("absence proof's other leaf is not on the key's path")
        node = hasher.leaf(other, value_hash)
    else:
        raise StateProofError(f"unknown proof terminal {proof.terminal!r}; expected {TERMINALS}")
    for d in range(depth - 1, -1, -1):
        sibling = proof.siblings[d]
        node = hasher.internal(sibling, node) if bit(kh, d) else hasher.internal(node, sibling)
    if node != root_hash:
        raise StateProofError("state proof does not lead to the trusted root")
    return proof.value if proof.terminal == "leaf" else None
