"""The verified-node cache: it answers only reads that expect exactly the node it holds."""

from __future__ import annotations

from govchain.ledger.statetree import MemoryNodeStore, VerifiedNodes, apply_batch, get_value
from govchain.ledger.statetree.nodes import LeafNode, StateHasher, decode_node, node_hash

HASH = "sm3"


class CountingReader:
    """A memory store that counts storage reads and shares one VerifiedNodes."""

    def __init__(self, store: MemoryNodeStore, cache: VerifiedNodes | None) -> None:
        self.store = store
        self.cache = cache
        self.reads = 0

    @property
    def verified_nodes(self) -> VerifiedNodes | None:
        return self.cache

    def get_node(self, node_key: bytes) -> bytes | None:
        self.reads += 1
        return self.store.get_node(node_key)

    def get_root(self, version: int):  # type: ignore[no-untyped-def]
        return self.store.get_root(version)


def _store(keys: int) -> MemoryNodeStore:
    store = MemoryNodeStore()
    store.commit(apply_batch(store, HASH, 0, {}))
    writes = {f"key-{i}".encode(): f"value-{i}".encode() for i in range(keys)}
    store.commit(apply_batch(store, HASH, 1, writes))
    return store


def test_a_second_read_comes_from_the_cache_with_the_same_answer() -> None:
    store = _store(200)
    reader = CountingReader(store, VerifiedNodes())
    first = [get_value(reader, HASH, 1, f"key-{i}".encode()) for i in range(200)]
    reads_first = reader.reads
    second = [get_value(reader, HASH, 1, f"key-{i}".encode()) for i in range(200)]
    assert first == second == [f"value-{i}".encode() for i in range(200)]
    assert reads_first > 0
    assert reader.reads == reads_first  # nothing read from storage the second time


def test_without_a_cache_every_read_goes_to_storage_and_is_checked() -> None:
    store = _store(50)
    reader = CountingReader(store, None)
    get_value(reader, HASH, 1, b"key-1")
    once = reader.reads
    get_value(reader, HASH, 1, b"key-1")
    assert reader.reads == 2 * once


def test_an_entry_answers_only_its_position_and_hash() -> None:
    cache = VerifiedNodes()
    leaf = LeafNode(b"k", b"v")
    cache.put(b"position", b"h" * 32, leaf)
    assert cache.get(b"position", b"h" * 32) is leaf
    assert cache.get(b"position", b"x" * 32) is None  # same place, another node
    assert cache.get(b"elsewhere", b"h" * 32) is None


def test_the_cache_is_bounded_and_keeps_the_newest_half() -> None:
    """At most ``max_entries`` nodes, always the last ``max_entries // 2`` put; the oldest go."""
    cache = VerifiedNodes(max_entries=6)
    for i in range(20):
        cache.put(bytes([i]), b"h", LeafNode(bytes([i]), b"v"))
        assert len(cache) <= 6
        for newest in range(max(0, i - 2), i + 1):
            assert cache.get(bytes([newest]), b"h") == LeafNode(bytes([newest]), b"v")
    assert len(cache) >= 3
    assert all(cache.get(bytes([i]), b"h") is None for i in range(14))


def test_each_node_a_batch_makes_is_what_its_stored_bytes_decode_and_hash_to() -> None:
    """The store may remember `made` nodes as checked: each equals its stored bytes, decoded,
    and its hash is the one its parent holds (so a cached read answers as storage would)."""
    store = _store(100)
    update = apply_batch(store, HASH, 2, {b"key-3": b"changed", b"new": b"x", b"key-7": None})
    assert update.made
    assert {key for key, _, _ in update.made} == set(update.new_nodes)
    hasher = StateHasher(HASH)
    for key, made_hash, node in update.made:
        assert decode_node(update.new_nodes[key]) == node
        assert node_hash(hasher, node) == made_hash
    assert update.root.node is not None
    assert update.root.node.hash in {made_hash for _, made_hash, _ in update.made}


def test_reads_after_a_committed_batch_need_no_storage_read_when_its_nodes_are_remembered() -> None:
    store = _store(200)
    cache = VerifiedNodes()
    update = apply_batch(store, HASH, 2, {f"key-{i}".encode(): b"v2" for i in range(0, 200, 7)})
    store.commit(update)
    cache.put_many(update.made)
    reader = CountingReader(store, cache)
    remembered = [get_value(reader, HASH, 2, f"key-{i}".encode()) for i in range(0, 200, 7)]
    assert remembered == [b"v2"] * len(remembered)
    assert reader.reads == 0
    unchecked = CountingReader(store, None)
    assert [
        get_value(unchecked, HASH, 2, f"key-{i}".encode()) for i in range(0, 200, 7)
    ] == remembered
