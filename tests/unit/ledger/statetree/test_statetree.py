"""The state tree against a naive reference: roots, reads, proofs, pruning (F-A4, F-C5)."""

from __future__ import annotations

import dataclasses

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from govchain.codec import encode
from govchain.ledger.statetree import (
    EMPTY,
    MemoryNodeStore,
    StateProofError,
    apply_batch,
    get_value,
    prove,
    verify_state_proof,
)
from govchain.ledger.statetree.errors import StateNodeCorruptError
from govchain.ledger.statetree.nodes import (
    ChildRef,
    InternalNode,
    LeafNode,
    child_ref_to_cbor,
    decode_node,
    encode_node,
)
from govchain.types.errors import VersionPrunedError

from .reference import reference_root

HASHES = ["sm3", "sha256"]
KEYS = [f"k{i}".encode() for i in range(24)]
batches = st.lists(
    st.dictionaries(st.sampled_from(KEYS), st.one_of(st.none(), st.binary(max_size=6)), max_size=8),
    min_size=1,
    max_size=8,
)


def _run(
    hash_name: str, batch_list: list[dict[bytes, bytes | None]]
) -> tuple[MemoryNodeStore, list[dict[bytes, bytes]]]:
    store = MemoryNodeStore()
    store.commit(apply_batch(store, hash_name, 0, {}))
    model: dict[bytes, bytes] = {}
    history = [dict(model)]
    for version, batch in enumerate(batch_list, start=1):
        update = apply_batch(store, hash_name, version, batch)
        store.commit(update)
        for key, value in batch.items():
            if value is None:
                model.pop(key, None)
            else:
                model[key] = value
        history.append(dict(model))
        assert update.root.root_hash == reference_root(hash_name, model)
    return store, history


def _check_version(
    store: MemoryNodeStore, hash_name: str, version: int, model: dict[bytes, bytes]
) -> None:
    root = store.get_root(version)
    assert root is not None
    for key in KEYS:
        assert get_value(store, hash_name, version, key) == model.get(key)
        proof = prove(store, hash_name, version, key)
        assert verify_state_proof(hash_name, root.root_hash, proof) == model.get(key)
        assert type(proof).from_json(proof.to_json()) == proof


@pytest.mark.parametrize("hash_name", HASHES)
@settings(max_examples=40, deadline=None)
@given(batch_list=batches)
def test_every_version_matches_the_reference(
    hash_name: str, batch_list: list[dict[bytes, bytes | None]]
) -> None:
    store, history = _run(hash_name, batch_list)
    for version, model in enumerate(history):
        _check_version(store, hash_name, version, model)


@settings(max_examples=30, deadline=None)
@given(batch_list=batches, data=st.data())
def test_root_does_not_depend_on_batch_order(
    batch_list: list[dict[bytes, bytes | None]], data: st.DataObject
) -> None:
    _, history = _run("sha256", batch_list)
    final = history[-1]
    items = data.draw(st.permutations(sorted(final.items())))
    cut = data.draw(st.integers(0, len(items)))
    store, _ = _run("sha256", [dict(items[:cut]), dict(items[cut:])])
    assert store.get_root(2).root_hash == reference_root("sha256", final)  # type: ignore[union-attr]


def test_small_cases() -> None:
    store, history = _run(
        "sm3", [{b"a": b"1"}, {b"b": b"2"}, {b"a": None}, {b"b": None}, {b"x": None}]
    )
    roots = [store.get_root(v).root_hash for v in range(6)]  # type: ignore[union-attr]
    assert roots[0] == EMPTY
    assert roots[4] == EMPTY
    assert roots[5] == EMPTY
    assert roots[3] == reference_root("sm3", {b"b": b"2"})
    for version, model in enumerate(history):
        _check_version(store, "sm3", version, model)


def test_unchanged_batch_writes_no_nodes() -> None:
    store, _ = _run("sha256", [dict.fromkeys(KEYS, b"v")])
    update = apply_batch(store, "sha256", 2, {KEYS[0]: b"v", b"absent": None})
    assert update.new_nodes == {}
    assert update.stale == []
    assert update.root == dataclasses.replace(store.get_root(1), version=2)  # type: ignore[type-var]


@settings(max_examples=25, deadline=None)
@given(batch_list=batches, window=st.integers(1, 4))
def test_pruning_keeps_the_window(batch_list: list[dict[bytes, bytes | None]], window: int) -> None:
    store, history = _run("sha256", batch_list)
    latest = len(history) - 1
    store.prune(latest, window)
    for version, model in enumerate(history):
        if version > latest - window:
            _check_version(store, "sha256", version, model)
        else:
            with pytest.raises(VersionPrunedError):
                get_value(store, "sha256", version, KEYS[0])


def test_tampered_proofs_are_rejected() -> None:
    store, _ = _run("sm3", [{k: k * 2 for k in KEYS[:12]}])
    root = store.get_root(1).root_hash  # type: ignore[union-attr]
    present = prove(store, "sm3", 1, KEYS[3])
    absent = prove(store, "sm3", 1, KEYS[20])
    assert present.siblings
    flipped = (bytes([present.siblings[0][0] ^ 1]) + present.siblings[0][1:], *present.siblings[1:])
    bad = [
        dataclasses.replace(present, siblings=flipped),
        dataclasses.replace(present, siblings=present.siblings[1:]),
        dataclasses.replace(present, value=b"forged"),
        dataclasses.replace(present, terminal="empty"),
        dataclasses.replace(present, siblings=(*present.siblings, EMPTY)),
        dataclasses.replace(present, siblings=(b"\x00" * 31, *present.siblings[1:])),
        dataclasses.replace(absent, key=KEYS[3]),
        dataclasses.replace(present, terminal="bogus"),
        dataclasses.replace(present, siblings=(EMPTY,) * 257),
    ]
    for proof in bad:
        with pytest.raises(StateProofError):
            verify_state_proof("sm3", root, proof)
    with pytest.raises(StateProofError):
        verify_state_proof("sm3", root, dataclasses.replace(present, value=None))
    assert verify_state_proof("sm3", root, absent) is None
    assert verify_state_proof("sm3", root, present) == KEYS[3] * 2


def test_pruned_version_cannot_be_updated_on() -> None:
    store, _ = _run("sha256", [{b"a": b"1"}, {b"b": b"2"}])
    store.prune(2, 1)
    with pytest.raises(VersionPrunedError):
        apply_batch(store, "sha256", 2, {b"c": b"3"})


@pytest.mark.parametrize("hash_name", HASHES)
def test_a_well_formed_but_altered_node_is_refused_on_every_read(hash_name: str) -> None:
    """Re-encoding a leaf with another value keeps it decodable; its hash gives it away."""
    store, _ = _run(hash_name, [dict.fromkeys(KEYS[:8], b"v")])
    target = next(k for k, raw in store.nodes.items() if isinstance(decode_node(raw), LeafNode))
    leaf = decode_node(store.nodes[target])
    assert isinstance(leaf, LeafNode)
    store.nodes[target] = encode_node(LeafNode(leaf.key, b"forged"))
    with pytest.raises(StateNodeCorruptError, match="does not hash"):
        get_value(store, hash_name, 1, leaf.key)
    with pytest.raises(StateNodeCorruptError, match="does not hash"):
        prove(store, hash_name, 1, leaf.key)
    with pytest.raises(StateNodeCorruptError, match="does not hash"):
        apply_batch(store, hash_name, 2, {leaf.key: b"new"})
    # a damaged leaf lies on no other key's path: the rest still read
    for key in KEYS[:8]:
        if key != leaf.key:
            assert get_value(store, hash_name, 1, key) == b"v"


_refs = st.one_of(
    st.none(),
    st.builds(
        ChildRef, st.binary(min_size=32, max_size=32), st.integers(0, 2**64 - 1), st.booleans()
    ),
)


@settings(max_examples=200, deadline=None)
@given(
    node=st.one_of(
        st.builds(LeafNode, st.binary(max_size=300), st.binary(max_size=70_000)),
        st.builds(InternalNode, _refs, _refs),
    )
)
def test_direct_node_encoding_equals_the_generic_encoder(node: LeafNode | InternalNode) -> None:
    if isinstance(node, LeafNode):
        generic = encode([0, node.key, node.value])
    else:
        generic = encode([1, child_ref_to_cbor(node.left), child_ref_to_cbor(node.right)])
    assert encode_node(node) == generic
