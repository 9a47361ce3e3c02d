"""State-tree roots and proofs against a reference written from docs/spec/statetree.md (F-A4).

Issue 13 item 10: the reference (``statetree_spec_reference.py``) hashes with raw
SM3/SHA-256 only, so a mistake shared by the implementation's hasher and the
older reference (``statetree/reference.py``, which reuses that hasher) shows here.
"""

from __future__ import annotations

import json
import random
from pathlib import Path
from typing import Any

import pytest

from govchain.crypto import suite_for
from govchain.ledger.statetree import MemoryNodeStore, StateProof, apply_batch, prove

from .statetree_spec_reference import (
    EMPTY_SUBTREE,
    INTERNAL_PREFIX,
    KEY_PREFIX,
    LEAF_PREFIX,
    SUITE_HASH,
    SUITES,
    VALUE_PREFIX,
    key_bits,
    keys_sharing_prefix,
    random_entries,
    spec_fold,
    spec_proof,
    spec_root,
    suite_hash,
    vector_sets,
)

VECTORS = json.loads(
    (Path(__file__).resolve().parents[2] / "vectors" / "statetree.json").read_text()
)


def _implementation_root(suite: str, entries: dict[bytes, bytes]) -> bytes:
    """The node's root for ``entries`` written in one batch over an empty tree."""
    store = MemoryNodeStore()
    store.commit(apply_batch(store, suite_for(suite).hash_name, 0, {}))
    update = apply_batch(store, suite_for(suite).hash_name, 1, dict(entries))
    return update.root.root_hash


def _check_proof(
    suite: str, store: MemoryNodeStore, version: int, model: dict[bytes, bytes], key: bytes
) -> str:
    """The node's proof holds exactly what the spec says and folds to the spec's root; its kind."""
    proof: StateProof = prove(store, suite_for(suite).hash_name, version, key)
    expected = spec_proof(suite, model, key)
    assert (proof.terminal, proof.siblings) == (expected.terminal, expected.siblings), key
    if expected.terminal == "leaf":
        assert proof.value == model[key]
        kh = suite_hash(suite, KEY_PREFIX + key)
        terminal = suite_hash(
            suite, LEAF_PREFIX + kh + suite_hash(suite, VALUE_PREFIX + model[key])
        )
    elif expected.terminal == "other_leaf":
        assert expected.leaf_key_hash is not None
        assert expected.leaf_value_hash is not None
        assert (proof.leaf_key_hash, proof.leaf_value_hash) == (
            expected.leaf_key_hash,
            expected.leaf_value_hash,
        )
        terminal = suite_hash(
            suite, LEAF_PREFIX + expected.leaf_key_hash + expected.leaf_value_hash
        )
    else:
        terminal = EMPTY_SUBTREE
    assert spec_fold(suite, key, proof.siblings, terminal) == spec_root(suite, model)
    return proof.terminal


def test_the_reference_hashes_are_the_standard_sm3_and_sha256() -> None:
    # GB/T 32905-2016 appendix A.1 and FIPS 180-4: the digests of "abc"
    sm3_abc = "66c7f0f462eeedd9d1f2d46bdc10e4e24167c4875cf2f7a2297da02b8f4ba8e0"
    sha256_abc = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
    assert suite_hash("gm", b"abc").hex() == sm3_abc
    assert suite_hash("intl", b"abc").hex() == sha256_abc
    for suite in SUITES:  # and the spec's H is the suite's hash
        assert suite_for(suite).hash_name == SUITE_HASH[suite]


def test_key_bits_are_most_significant_first() -> None:
    assert key_bits(bytes([0b1000_0001, 0b0100_0000]) + bytes(30)).startswith("1000000101")


@pytest.mark.parametrize("case", VECTORS["cases"], ids=lambda c: f"{c['suite']}-{c['name']}")
def test_pinned_root_vector(case: dict[str, Any]) -> None:
    entries = {bytes.fromhex(k): bytes.fromhex(v) for k, v in case["entries"]}
    assert spec_root(case["suite"], entries).hex() == case["root"]
    assert _implementation_root(case["suite"], entries).hex() == case["root"]


@pytest.mark.parametrize("suite", SUITES)
def test_the_vector_file_holds_what_the_reference_computes(suite: str) -> None:
    pinned = {c["name"]: c for c in VECTORS["cases"] if c["suite"] == suite}
    for name, entries in vector_sets(suite).items():
        assert pinned[name]["entries"] == [[k.hex(), v.hex()] for k, v in sorted(entries.items())]


@pytest.mark.parametrize("suite", SUITES)
def test_the_empty_tree_and_a_single_leaf_by_hand(suite: str) -> None:
    assert _implementation_root(suite, {}) == bytes(32)
    kh = suite_hash(suite, b"\x20" + b"k")
    leaf = suite_hash(suite, b"\x22" + kh + suite_hash(suite, b"\x21" + b"v"))
    assert _implementation_root(suite, {b"k": b"v"}) == leaf  # a lone leaf is the root


@pytest.mark.parametrize("suite", SUITES)
@pytest.mark.parametrize("shared_bits", [1, 9, 20])
def test_two_keys_sharing_a_long_prefix_sit_below_a_chain_of_empty_siblings(
    suite: str, shared_bits: int
) -> None:
    a, b = keys_sharing_prefix(suite, shared_bits, b"prefix")
    bits_a = key_bits(suite_hash(suite, KEY_PREFIX + a))
    bits_b = key_bits(suite_hash(suite, KEY_PREFIX + b))
    depth = next(d for d in range(256) if bits_a[d] != bits_b[d])  # first differing bit
    assert depth >= shared_bits

    def leaf(key: bytes, value: bytes) -> bytes:
        kh = suite_hash(suite, KEY_PREFIX + key)
        return suite_hash(suite, LEAF_PREFIX + kh + suite_hash(suite, VALUE_PREFIX + value))

    pair = (leaf(a, b"1"), leaf(b, b"2"))
    node = suite_hash(
        suite, INTERNAL_PREFIX + (pair[0] + pair[1] if bits_a[depth] == "0" else pair[1] + pair[0])
    )
    for d in range(depth - 1, -1, -1):  # one internal node per shared bit, E on the other side
        node = suite_hash(
            suite,
            INTERNAL_PREFIX + (node + EMPTY_SUBTREE if bits_a[d] == "0" else EMPTY_SUBTREE + node),
        )
    entries = {a: b"1", b: b"2"}
    assert spec_root(suite, entries) == node
    assert _implementation_root(suite, entries) == node


@pytest.mark.parametrize("suite", SUITES)
def test_many_random_keys_in_one_batch_or_one_at_a_time(suite: str) -> None:
    entries = random_entries(1300 + SUITES.index(suite), 400)
    expected = spec_root(suite, entries)
    assert _implementation_root(suite, entries) == expected
    hash_name = suite_for(suite).hash_name
    store = MemoryNodeStore()
    store.commit(apply_batch(store, hash_name, 0, {}))
    order = sorted(entries)
    random.Random(13).shuffle(order)
    for version, start in enumerate(range(0, len(order), 25), start=1):
        writes: dict[bytes, bytes | None] = {k: entries[k] for k in order[start : start + 25]}
        store.commit(apply_batch(store, hash_name, version, writes))
    assert store.get_root(version) is not None
    assert store.roots[version].root_hash == expected


def _random_batch(
    rng: random.Random, pool: list[bytes], model: dict[bytes, bytes]
) -> dict[bytes, bytes | None]:
    """Writes, rewrites of the same value, and deletes of present and absent keys."""
    batch: dict[bytes, bytes | None] = {}
    for _ in range(rng.randrange(0, 12)):
        key, kind = rng.choice(pool), rng.randrange(10)
        if kind < 3:
            batch[key] = None
        elif kind < 4 and key in model:
            batch[key] = model[key]
        else:
            batch[key] = rng.randbytes(rng.randrange(0, 20))
    return batch


@pytest.mark.parametrize("suite", SUITES)
def test_updates_and_deletes_match_the_reference_at_every_version(suite: str) -> None:
    rng = random.Random(2000 + SUITES.index(suite))
    pool = [*random_entries(rng.randrange(1 << 30), 50), *keys_sharing_prefix(suite, 16, b"deep")]
    hash_name = suite_for(suite).hash_name
    store = MemoryNodeStore()
    store.commit(apply_batch(store, hash_name, 0, {}))
    model: dict[bytes, bytes] = {}
    terminals: set[str] = set()
    for version in range(1, 41):
        batch = _random_batch(rng, pool, model)
        update = apply_batch(store, hash_name, version, batch)
        store.commit(update)
        for key, value in batch.items():
            if value is None:
                model.pop(key, None)
            else:
                model[key] = value
        assert update.root.root_hash == spec_root(suite, model), version
        if version % 8 == 0:
            for key in [*pool, b"never written"]:
                terminals.add(_check_proof(suite, store, version, model, key))
    assert terminals == {"leaf", "empty", "other_leaf"}  # every kind of proof was checked
    final = apply_batch(store, hash_name, 41, dict.fromkeys(pool))  # delete every key
    assert final.root.root_hash == spec_root(suite, {}) == EMPTY_SUBTREE
