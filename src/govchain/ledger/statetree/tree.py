"""Reading and updating the versioned state tree (docs/spec/statetree.md).

Pure functions over a :class:`NodeReader`: an update returns the nodes to
write and the node keys it made stale; the caller stores them in the same
transaction as the block.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Final, Protocol, final

from govchain.codec import CodecError, decode, encode
from govchain.ledger.statetree.errors import StateNodeCorruptError
from govchain.ledger.statetree.nodes import (
    EMPTY,
    ChildRef,
    InternalNode,
    LeafNode,
    Node,
    NodeKey,
    StateHasher,
    bit,
    child_ref_from_cbor,
    child_ref_to_cbor,
    decode_node,
    encode_node,
    node_hash,
)
from govchain.types.errors import VersionPrunedError


@dataclass(frozen=True, slots=True)
class RootRecord:
    """The root of one version: its hash and where the root node is (None: empty tree)."""

    version: int
    root_hash: bytes
    node: ChildRef | None

    def to_bytes(self) -> bytes:
        """Canonical CBOR ``[version, root_hash, child-ref or null]``."""
        return encode([self.version, self.root_hash, child_ref_to_cbor(self.node)])

    @classmethod
    def from_bytes(cls, raw: bytes) -> RootRecord:
        """Strict inverse of :meth:`to_bytes`."""
        try:
            obj = decode(raw)
        except CodecError as exc:
            raise StateNodeCorruptError(f"root record is not canonical CBOR: {exc}") from exc
        if not (isinstance(obj, list) and len(obj) == 3 and isinstance(obj[0], int)):
            raise StateNodeCorruptError("malformed state root record")
        version, root_hash, ref = obj
        if not isinstance(root_hash, bytes) or len(root_hash) != len(EMPTY):
            raise StateNodeCorruptError("malformed state root hash")
        node = child_ref_from_cbor(ref)
        if (node is None) != (root_hash == EMPTY) or (node is not None and node.hash != root_hash):
            raise StateNodeCorruptError(f"root record of version {version} is inconsistent")
        return cls(version, root_hash, node)


class VerifiedNodes:
    """Decoded nodes that already matched their parent's hash, to skip decoding them again.

    An entry is keyed by the node's position *and* the hash its parent holds
    for it, so it can only answer a read that expects exactly that node: what
    it returns is what decoding and re-hashing the stored bytes would return.
    Bounded and safe to share between threads. ``ledger verify`` never uses it:
    it re-reads every node from storage.

    Two generations of plain dicts: new entries go into the young one; when it
    holds half of ``max_entries`` it becomes the old one and the old one goes,
    so the older half goes at once. The cache holds at most ``max_entries``
    nodes and always the last ``max_entries // 2`` put. (A single ordered dict
    that dropped its oldest entry at each put cost a block about three times
    as much: issue 21.)
    """

    def __init__(self, max_entries: int = 100_000) -> None:
        assert max_entries >= 2
        self.max_entries = max_entries
        self._generation = max_entries // 2
        self._young: dict[tuple[bytes, bytes], Node] = {}
        self._old: dict[tuple[bytes, bytes], Node] = {}
        self._lock = threading.Lock()

    def get(self, node_key: bytes, ref_hash: bytes) -> Node | None:
        """The node at ``node_key`` whose hash is ``ref_hash``, if it was seen."""
        key = (node_key, ref_hash)
        node = self._young.get(key)
        return self._old.get(key) if node is None else node

    def put(self, node_key: bytes, ref_hash: bytes, node: Node) -> None:
        """Remember a node that hashed to ``ref_hash``."""
        self.put_many(((node_key, ref_hash, node),))

    def put_many(self, nodes: Iterable[tuple[bytes, bytes, Node]]) -> None:
        """Remember each ``(node key, hash, node)``, the node being one that hashes to it."""
        with self._lock:
            young = self._young
            for node_key, ref_hash, node in nodes:
                if len(young) >= self._generation:
                    # readers in other threads see the old or the new pair of dicts, each whole
                    self._old = young
                    young = self._young = {}
                young[(node_key, ref_hash)] = node

    def __len__(self) -> int:
        return len(self._young) + len(self._old)


class NodeReader(Protocol):
    """Where stored nodes and root records come from."""

    def get_node(self, node_key: bytes) -> bytes | None:
        """An encoded node, or None."""
        ...

    @property
    def verified_nodes(self) -> VerifiedNodes | None:
        """A cache of nodes already checked, or None to check every read."""
        ...

    def get_root(self, version: int) -> RootRecord | None:
        """The root record of ``version``, or None if it was pruned or never written."""
        ...


@dataclass(frozen=True, slots=True)
class TreeUpdate:
    """The result of one batch: the new root, nodes to write, node keys made stale.

    ``made`` holds each new node decoded, with its key and hash, so a store that has
    written them can remember them as checked (:class:`VerifiedNodes`) without reading
    them back.
    """

    root: RootRecord
    new_nodes: dict[bytes, bytes]
    stale: list[bytes]
    made: tuple[tuple[bytes, bytes, Node], ...] = ()


def root_at(reader: NodeReader, version: int) -> RootRecord:
    """The root record of ``version``, or VersionPrunedError."""
    record = reader.get_root(version)
    if record is None:
        raise VersionPrunedError(
            f"state version {version} is not retained (pruned or not yet written)"
        )
    return record


def load(
    reader: NodeReader, key: NodeKey, ref: ChildRef, hasher: StateHasher, *, cached: bool = True
) -> Node:
    """Load the node ``ref`` points to at position ``key``, checking its kind and hash.

    A read re-hashes the node, so a damaged or altered node is refused
    (StateNodeCorruptError) before execution or a proof can use it. Only a
    node that already passed this check for the same position and hash comes
    from the reader's :class:`VerifiedNodes` instead; ``cached=False``
    (``ledger verify``) always reads storage.
    """
    node_key = key.to_bytes()
    cache = reader.verified_nodes if cached else None
    if cache is not None:
        known = cache.get(node_key, ref.hash)
        if known is not None and isinstance(known, LeafNode) == ref.is_leaf:
            return known
    node = _load_checked(reader, node_key, key, ref, hasher)
    if cache is not None:
        cache.put(node_key, ref.hash, node)
    return node


def _load_checked(
    reader: NodeReader, node_key: bytes, key: NodeKey, ref: ChildRef, hasher: StateHasher
) -> Node:
    raw = reader.get_node(node_key)
    if raw is None:
        raise StateNodeCorruptError(f"state node {key} is missing")
    node = decode_node(raw)
    if isinstance(node, LeafNode) != ref.is_leaf:
        raise StateNodeCorruptError(f"state node {key} is not of the kind its parent says")
    if node_hash(hasher, node) != ref.hash:
        raise StateNodeCorruptError(f"state node {key} does not hash to its reference")
    return node


def get_value(reader: NodeReader, hash_name: str, version: int, key: bytes) -> bytes | None:
    """The value of ``key`` at ``version`` (None if absent)."""
    hasher = StateHasher(hash_name)
    kh = hasher.key_hash(key)
    ref = root_at(reader, version).node
    position = NodeKey(0, 0, 0)
    while ref is not None:
        position = NodeKey(ref.version, position.depth, position.path)
        node = load(reader, position, ref, hasher)
        if isinstance(node, LeafNode):
            return node.value if node.key == key else None
        side = bit(kh, position.depth)
        ref, position = node.side(side), position.child(0, side)
    return None


@final
class _Leaf:
    """A leaf on its way up: placed by the parent that keeps it (it may move up on collapse).

    A plain class, not a frozen dataclass, for the reason ``nodes.Record`` gives.
    """

    __slots__ = ("key", "kh", "stored", "value")

    def __init__(
        self, kh: bytes, key: bytes, value: bytes, stored: tuple[NodeKey, ChildRef] | None = None
    ) -> None:
        self.kh: Final = kh
        self.key: Final = key
        self.value: Final = value
        self.stored: Final = stored


@dataclass
class _Batch:
    hasher: StateHasher
    version: int
    reader: NodeReader
    new_nodes: dict[bytes, bytes] = field(default_factory=dict)
    stale: list[bytes] = field(default_factory=list)
    made: list[tuple[bytes, bytes, Node]] = field(default_factory=list)

    def place(self, sub: _Leaf | ChildRef | None, depth: int, path: int) -> ChildRef | None:
        """Store ``sub`` at (depth, path) if it is not already stored there."""
        if not isinstance(sub, _Leaf):
            return sub
        if sub.stored is not None:
            key, ref = sub.stored
            if (key.depth, key.path) == (depth, path):
                return ref
            self.stale.append(key.to_bytes())
        ref = ChildRef(
            self.hasher.leaf(sub.kh, self.hasher.value_hash(sub.value)), self.version, True
        )
        self._made(
            NodeKey(self.version, depth, path).to_bytes(), ref.hash, LeafNode(sub.key, sub.value)
        )
        return ref

    def _made(self, node_key: bytes, node_hash: bytes, node: Node) -> None:
        self.new_nodes[node_key] = encode_node(node)
        self.made.append((node_key, node_hash, node))

    def build(self, items: list[_Leaf], depth: int, path: int) -> _Leaf | ChildRef | None:
        """The subtree of ``items`` (sorted by key hash) at (depth, path)."""
        if not items:
            return None
        if len(items) == 1:
            return items[0]
        split = next((i for i, item in enumerate(items) if bit(item.kh, depth)), len(items))
        left = self.build(items[:split], depth + 1, path << 1)
        right = self.build(items[split:], depth + 1, (path << 1) | 1)
        return self.join(left, right, depth, path)

    def join(
        self, left: _Leaf | ChildRef | None, right: _Leaf | ChildRef | None, depth: int, path: int
    ) -> _Leaf | ChildRef | None:
        """An internal node over two subtrees; a lone leaf moves up instead."""
        if left is None and right is None:
            return None
        if left is None:
            right = self._as_leaf(right, depth + 1, (path << 1) | 1)
            if isinstance(right, _Leaf):
                return right
        if right is None:
            left = self._as_leaf(left, depth + 1, path << 1)
            if isinstance(left, _Leaf):
                return left
        node = InternalNode(
            self.place(left, depth + 1, path << 1), self.place(right, depth + 1, (path << 1) | 1)
        )
        hashes = [EMPTY if c is None else c.hash for c in (node.left, node.right)]
        made = ChildRef(self.hasher.internal(*hashes), self.version, False)
        self._made(NodeKey(self.version, depth, path).to_bytes(), made.hash, node)
        return made

    def _as_leaf(
        self, sub: _Leaf | ChildRef | None, depth: int, path: int
    ) -> _Leaf | ChildRef | None:
        """A stored leaf child as a movable :class:`_Leaf`; anything else unchanged."""
        if not isinstance(sub, ChildRef) or not sub.is_leaf:
            return sub
        key = NodeKey(sub.version, depth, path)
        node = load(self.reader, key, sub, self.hasher)
        assert isinstance(node, LeafNode)
        return _Leaf(self.hasher.key_hash(node.key), node.key, node.value, (key, sub))

    def update(
        self,
        ref: ChildRef | None,
        depth: int,
        path: int,
        items: list[tuple[bytes, bytes, bytes | None]],
    ) -> _Leaf | ChildRef | None:
        """Apply ``items`` (kh, key, value or None; sorted by kh) to the subtree ``ref``."""
        if not items:
            return ref
        if ref is None:
            return self.build([_Leaf(kh, k, v) for kh, k, v in items if v is not None], depth, path)
        key = NodeKey(ref.version, depth, path)
        node = load(self.reader, key, ref, self.hasher)
        if isinstance(node, LeafNode):
            return self._update_leaf(node, key, ref, depth, path, items)
        split = next((i for i, item in enumerate(items) if bit(item[0], depth)), len(items))
        left = self.update(node.left, depth + 1, path << 1, items[:split])
        right = self.update(node.right, depth + 1, (path << 1) | 1, items[split:])
        if left is node.left and right is node.right:
            return ref
        self.stale.append(key.to_bytes())
        return self.join(left, right, depth, path)

    def _update_leaf(
        self,
        node: LeafNode,
        key: NodeKey,
        ref: ChildRef,
        depth: int,
        path: int,
        items: list[tuple[bytes, bytes, bytes | None]],
    ) -> _Leaf | ChildRef | None:
        kh = self.hasher.key_hash(node.key)
        final = {kh: (node.key, node.value)}
        for item_kh, item_key, value in items:
            if value is None:
                final.pop(item_kh, None)
            else:
                final[item_kh] = (item_key, value)
        if final == {kh: (node.key, node.value)}:
            return ref
        self.stale.append(key.to_bytes())
        return self.build([_Leaf(h, k, v) for h, (k, v) in sorted(final.items())], depth, path)


def apply_batch(
    reader: NodeReader, hash_name: str, version: int, writes: Mapping[bytes, bytes | None]
) -> TreeUpdate:
    """Apply ``writes`` (value None deletes) on top of version ``version - 1``."""
    hasher = StateHasher(hash_name)
    previous = None if version == 0 else root_at(reader, version - 1).node
    for k, v in writes.items():
        if not isinstance(k, bytes) or not (v is None or isinstance(v, bytes)):
            raise TypeError("state keys and values must be bytes")
    items = sorted((hasher.key_hash(k), k, v) for k, v in writes.items())
    batch = _Batch(hasher, version, reader)
    result = batch.update(previous, 0, 0, items)
    top = batch.place(result, 0, 0)
    record = RootRecord(version, EMPTY if top is None else top.hash, top)
    return TreeUpdate(record, batch.new_nodes, batch.stale, tuple(batch.made))
