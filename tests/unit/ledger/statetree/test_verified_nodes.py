"""The verified-node cache: it answers only reads that expect exactly the node it holds."""

from __future__ import annotations

from govchain.ledger.statetree import MemoryNodeStore, VerifiedNodes, apply_batch, get_value
from govchain.ledger.statetree.nodes import LeafNode

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


def test_the_cache_is_bounded_oldest_first() -> None:
    cache = VerifiedNodes(max_entries=3)
    for i in range(5):
        cache.put(bytes([i]), b"h", LeafNode(bytes([i]), b"v"))
    assert len(cache) == 3
    assert cache.get(b"\x00", b"h") is None
    assert cache.get(b"\x04", b"h") is not None
