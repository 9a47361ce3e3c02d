"""State tree hashing, node keys and node encodings (docs/spec/statetree.md)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final, final

from govchain.codec import CodecError, decode, digest
from govchain.codec.encode import MAJOR_BYTES, MAJOR_UINT, head
from govchain.ledger.statetree.errors import StateNodeCorruptError

HASH_SIZE = 32
EMPTY = bytes(HASH_SIZE)
KEY_BITS = 8 * HASH_SIZE
_KEY, _VALUE, _LEAF, _INTERNAL = b"\x20", b"\x21", b"\x22", b"\x23"


@dataclass(frozen=True, slots=True)
class StateHasher:
    """The four state-tree hashes for one suite hash (``sm3`` or ``sha256``)."""

    name: str

    def key_hash(self, key: bytes) -> bytes:
        """``H(0x20 || key)``: where the key lives in the tree."""
        return digest(self.name, _KEY + key)

    def value_hash(self, value: bytes) -> bytes:
        """``H(0x21 || value)``."""
        return digest(self.name, _VALUE + value)

    def leaf(self, key_hash: bytes, value_hash: bytes) -> bytes:
        """``H(0x22 || kh || vh)``."""
        return digest(self.name, _LEAF + key_hash + value_hash)

    def internal(self, left: bytes, right: bytes) -> bytes:
        """``H(0x23 || left || right)``; an empty child is ``EMPTY``."""
        return digest(self.name, _INTERNAL + left + right)


def bit(key_hash: bytes, depth: int) -> int:
    """Bit ``depth`` of a key hash, most significant first."""
    return (key_hash[depth >> 3] >> (7 - (depth & 7))) & 1


class Record:
    """Equality, hashing and ``repr`` by :meth:`values`, for the tree's small records.

    The records are plain classes with ``__slots__`` and ``Final`` fields, not
    frozen dataclasses: a frozen dataclass is built by a generated Python
    ``__init__`` that sets each field through ``object.__setattr__``, which
    stays interpreted under mypyc (about 1 us a record, and the tree makes
    dozens per tx). Compiled, these are built natively (about 0.05 us) and
    their fields are read-only at run time too (issue 21).
    """

    __slots__ = ()

    def values(self) -> tuple[object, ...]:
        """The fields, in order."""
        raise NotImplementedError

    def __eq__(self, other: object) -> bool:
        return (
            type(other) is type(self)
            and isinstance(other, Record)
            and (self.values() == other.values())
        )

    def __hash__(self) -> int:
        return hash(self.values())

    def __repr__(self) -> str:
        return f"{type(self).__name__}{self.values()!r}"


@final
class NodeKey(Record):
    """Where a node is stored: the version that wrote it and its bit path from the root."""

    __slots__ = ("depth", "path", "version")

    def __init__(self, version: int, depth: int, path: int) -> None:
        self.version: Final = version
        self.depth: Final = depth
        self.path: Final = path

    def values(self) -> tuple[object, ...]:
        """``(version, depth, path)``."""
        return (self.version, self.depth, self.path)

    def to_bytes(self) -> bytes:
        """``version (8) || depth (2) || path bits`` left-aligned in ceil(depth/8) bytes."""
        size = (self.depth + 7) // 8
        packed = (self.path << (8 * size - self.depth)).to_bytes(size, "big") if size else b""
        return self.version.to_bytes(8, "big") + self.depth.to_bytes(2, "big") + packed

    @classmethod
    def from_bytes(cls, raw: bytes) -> NodeKey:
        """Strict inverse of :meth:`to_bytes`."""
        if len(raw) < 10:
            raise StateNodeCorruptError(f"state node key of {len(raw)} bytes is too short")
        depth = int.from_bytes(raw[8:10], "big")
        size = (depth + 7) // 8
        if depth > KEY_BITS or len(raw) != 10 + size:
            raise StateNodeCorruptError(f"malformed state node key {raw.hex()}")
        packed = int.from_bytes(raw[10:], "big")
        spare = 8 * size - depth
        if packed & ((1 << spare) - 1):
            raise StateNodeCorruptError(f"state node key {raw.hex()} has stray path bits")
        return cls(int.from_bytes(raw[:8], "big"), depth, packed >> spare)

    def child(self, version: int, side: int) -> NodeKey:
        """Key of the child on ``side`` (0 left, 1 right), written at ``version``."""
        return NodeKey(version, self.depth + 1, (self.path << 1) | side)


@final
class ChildRef(Record):
    """What an internal node knows of a child: hash, the version that wrote it, leaf or not."""

    __slots__ = ("hash", "is_leaf", "version")

    def __init__(self, hash: bytes, version: int, is_leaf: bool) -> None:
        self.hash: Final = hash
        self.version: Final = version
        self.is_leaf: Final = is_leaf

    def values(self) -> tuple[object, ...]:
        """``(hash, version, is_leaf)``."""
        return (self.hash, self.version, self.is_leaf)


@final
class LeafNode(Record):
    """A key and its value (the key hash is recomputed, never trusted from storage)."""

    __slots__ = ("key", "value")

    def __init__(self, key: bytes, value: bytes) -> None:
        self.key: Final = key
        self.value: Final = value

    def values(self) -> tuple[object, ...]:
        """``(key, value)``."""
        return (self.key, self.value)


@final
class InternalNode(Record):
    """Two children; None is an empty subtree."""

    __slots__ = ("left", "right")

    def __init__(self, left: ChildRef | None, right: ChildRef | None) -> None:
        self.left: Final = left
        self.right: Final = right

    def values(self) -> tuple[object, ...]:
        """``(left, right)``."""
        return (self.left, self.right)

    def side(self, which: int) -> ChildRef | None:
        """The left (0) or right (1) child."""
        return self.right if which else self.left


Node = LeafNode | InternalNode


def node_hash(hasher: StateHasher, node: Node) -> bytes:
    """The hash a parent (or root record) holds for ``node``."""
    if isinstance(node, LeafNode):
        return hasher.leaf(hasher.key_hash(node.key), hasher.value_hash(node.value))
    left, right = node.left, node.right
    return hasher.internal(
        EMPTY if left is None else left.hash, EMPTY if right is None else right.hash
    )


def child_ref_to_cbor(ref: ChildRef | None) -> object:
    """``[hash, version, is_leaf]`` or null."""
    return None if ref is None else [ref.hash, ref.version, ref.is_leaf]


def encode_node(node: Node) -> bytes:
    """Canonical CBOR: ``[0, key, value]`` or ``[1, left, right]``.

    Built directly (the hot path of every block); a test checks it against
    the generic encoder.
    """
    if isinstance(node, LeafNode):
        return b"\x83\x00" + _bytes_item(node.key) + _bytes_item(node.value)
    return b"\x83\x01" + _ref_item(node.left) + _ref_item(node.right)


def _bytes_item(value: bytes) -> bytes:
    return head(MAJOR_BYTES, len(value)) + value


def _ref_item(ref: ChildRef | None) -> bytes:
    if ref is None:
        return b"\xf6"
    assert len(ref.hash) == HASH_SIZE, "child hashes are always 32 bytes"
    # [hash (32 bytes: head 0x58 0x20), version (uint), is_leaf (true 0xf5 / false 0xf4)]
    return (
        b"\x83\x58\x20"
        + ref.hash
        + head(MAJOR_UINT, ref.version)
        + (b"\xf5" if ref.is_leaf else b"\xf4")
    )


def child_ref_from_cbor(obj: object) -> ChildRef | None:
    """Strictly parse ``[hash, version, is_leaf]`` or null."""
    if obj is None:
        return None
    if (
        isinstance(obj, list)
        and len(obj) == 3
        and isinstance(obj[0], bytes)
        and len(obj[0]) == HASH_SIZE
        and isinstance(obj[1], int)
        and not isinstance(obj[1], bool)
        and isinstance(obj[2], bool)
    ):
        return ChildRef(obj[0], obj[1], obj[2])
    raise StateNodeCorruptError("malformed child reference in a state node")


def decode_node(raw: bytes) -> Node:
    """Strictly decode a stored node; raise StateNodeCorruptError on anything else."""
    try:
        obj = decode(raw)
    except CodecError as exc:
        raise StateNodeCorruptError(f"state node is not canonical CBOR: {exc}") from exc
    if not (isinstance(obj, list) and len(obj) == 3) or isinstance(obj[0], bool):
        raise StateNodeCorruptError("state node is not a 3-element array")
    if obj[0] == 0 and isinstance(obj[1], bytes) and isinstance(obj[2], bytes):
        return LeafNode(obj[1], obj[2])
    if obj[0] == 1:
        node = InternalNode(child_ref_from_cbor(obj[1]), child_ref_from_cbor(obj[2]))
        if node.left is None and node.right is None:
            raise StateNodeCorruptError("internal state node with two empty children")
        return node
    raise StateNodeCorruptError("state node is neither a leaf nor an internal node")
