"""The state tree as docs/spec/statetree.md defines it, from raw hash primitives only.

Independent of ``govchain``: SHA-256 from :mod:`hashlib`, SM3 from ``cryptography``
(a different path into OpenSSL than the node's ``hashlib.new("sm3")``), key bits as
a string of ``"0"``/``"1"`` characters, and the recursive definition of the spec's
"Shape" section. Nothing here reads the implementation's hasher, bit order, node
encodings or codec. Used by ``test_statetree_reference.py``; run as a module it
prints ``tests/vectors/statetree.json``:

    python -m tests.unit.ledger.statetree_spec_reference > tests/vectors/statetree.json
"""

from __future__ import annotations

import hashlib
import json
import random
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from cryptography.hazmat.primitives import hashes

EMPTY_SUBTREE = b"\x00" * 32
KEY_PREFIX, VALUE_PREFIX, LEAF_PREFIX, INTERNAL_PREFIX = b"\x20", b"\x21", b"\x22", b"\x23"
SUITES = ("gm", "intl")
SUITE_HASH = {"gm": "sm3", "intl": "sha256"}  # the spec's H under each suite
KEY_HASH_BITS = 256


def suite_hash(suite: str, data: bytes) -> bytes:
    """``H(data)``: SM3 under ``gm``, SHA-256 under ``intl``."""
    if suite == "intl":
        return hashlib.sha256(data).digest()
    if suite == "gm":
        sm3 = hashes.Hash(hashes.SM3())
        sm3.update(data)
        return sm3.finalize()
    raise ValueError(f"the spec defines no suite {suite!r}")


def key_bits(key_hash: bytes) -> str:
    """The 256 bits of a key hash as characters, bit 0 first (most significant of byte 0)."""
    return "".join(format(byte, "08b") for byte in key_hash)


@dataclass(frozen=True)
class SpecLeaf:
    """One entry as the tree sees it."""

    bits: str
    key_hash: bytes
    value_hash: bytes
    hash: bytes


def spec_leaves(suite: str, entries: Mapping[bytes, bytes]) -> list[SpecLeaf]:
    """``kh = H(0x20 ‖ key)``, ``vh = H(0x21 ‖ value)``, leaf ``H(0x22 ‖ kh ‖ vh)`` per entry."""
    leaves = []
    for key, value in entries.items():
        kh = suite_hash(suite, KEY_PREFIX + key)
        vh = suite_hash(suite, VALUE_PREFIX + value)
        leaves.append(SpecLeaf(key_bits(kh), kh, vh, suite_hash(suite, LEAF_PREFIX + kh + vh)))
    return leaves


def _split(leaves: Iterable[SpecLeaf], depth: int) -> tuple[list[SpecLeaf], list[SpecLeaf]]:
    group = list(leaves)
    return [x for x in group if x.bits[depth] == "0"], [x for x in group if x.bits[depth] == "1"]


def spec_subtree(suite: str, leaves: list[SpecLeaf], depth: int) -> bytes:
    """The tree of ``leaves`` (sharing their first ``depth`` bits), by the spec's three cases."""
    if not leaves:
        return EMPTY_SUBTREE
    if len(leaves) == 1:
        return leaves[0].hash  # the leaf stays at this depth
    assert depth < KEY_HASH_BITS, "two entries with one key hash"
    left, right = _split(leaves, depth)
    return suite_hash(
        suite,
        INTERNAL_PREFIX
        + spec_subtree(suite, left, depth + 1)
        + spec_subtree(suite, right, depth + 1),
    )


def spec_root(suite: str, entries: Mapping[bytes, bytes]) -> bytes:
    """The root of the tree holding ``entries``: the tree at depth 0."""
    return spec_subtree(suite, spec_leaves(suite, entries), 0)


@dataclass(frozen=True)
class SpecProof:
    """What the spec's "Proofs" section says a proof for one key holds."""

    siblings: tuple[bytes, ...]  # top first
    terminal: str  # "leaf", "empty" or "other_leaf"
    leaf_key_hash: bytes | None  # the leaf the search ended at (None at an empty subtree)
    leaf_value_hash: bytes | None


def spec_proof(suite: str, entries: Mapping[bytes, bytes], key: bytes) -> SpecProof:
    """Walk from the root towards ``kh``, noting the other side at every internal node."""
    target = key_bits(suite_hash(suite, KEY_PREFIX + key))
    group, siblings, depth = spec_leaves(suite, entries), [], 0
    while len(group) >= 2:
        left, right = _split(group, depth)
        same, other = (left, right) if target[depth] == "0" else (right, left)
        siblings.append(spec_subtree(suite, other, depth + 1))
        group, depth = same, depth + 1
    if not group:
        return SpecProof(tuple(siblings), "empty", None, None)
    end = group[0]
    terminal = "leaf" if end.bits == target else "other_leaf"
    return SpecProof(tuple(siblings), terminal, end.key_hash, end.value_hash)


def spec_fold(suite: str, key: bytes, siblings: tuple[bytes, ...], terminal_hash: bytes) -> bytes:
    """The verifier's fold: from the terminal up, at depth d with the sibling on bit d's side."""
    target = key_bits(suite_hash(suite, KEY_PREFIX + key))
    node = terminal_hash
    for depth in range(len(siblings) - 1, -1, -1):
        pair = node + siblings[depth] if target[depth] == "0" else siblings[depth] + node
        node = suite_hash(suite, INTERNAL_PREFIX + pair)
    return node


def keys_sharing_prefix(suite: str, bits: int, label: bytes) -> tuple[bytes, bytes]:
    """Two keys ``label-<i>`` whose key hashes share at least their first ``bits`` bits."""
    seen: dict[str, bytes] = {}
    for i in range(1 << (bits // 2 + 6)):
        key = label + b"-" + str(i).encode()
        prefix = key_bits(suite_hash(suite, KEY_PREFIX + key))[:bits]
        if prefix in seen:
            return seen[prefix], key
        seen[prefix] = key
    raise AssertionError(f"no two keys share {bits} bits; raise the search bound")


def random_entries(seed: int, count: int) -> dict[bytes, bytes]:
    """``count`` entries of random short keys and values (some empty), from a seeded RNG."""
    rng = random.Random(seed)
    entries: dict[bytes, bytes] = {}
    while len(entries) < count:
        entries[rng.randbytes(rng.randrange(0, 12))] = rng.randbytes(rng.randrange(0, 40))
    return entries


def vector_sets(suite: str) -> dict[str, dict[bytes, bytes]]:
    """The named entry sets pinned in ``tests/vectors/statetree.json``."""
    near_a, near_b = keys_sharing_prefix(suite, 20, b"near")
    return {
        "empty": {},
        "one key": {b"license/2026/0001": b"issued"},
        "empty key and empty value": {b"": b""},
        "two keys sharing 20 bits": {near_a: b"a", near_b: b"b"},
        "two keys sharing 20 bits and a third": {near_a: b"a", near_b: b"b", b"third": b"c"},
        "40 random keys": random_entries(2026, 40),
    }


def vectors() -> dict[str, object]:
    """The JSON document of ``tests/vectors/statetree.json``."""
    cases = []
    for suite in SUITES:
        for name, entries in vector_sets(suite).items():
            cases.append(
                {
                    "name": name,
                    "suite": suite,
                    "entries": [[k.hex(), v.hex()] for k, v in sorted(entries.items())],
                    "root": spec_root(suite, entries).hex(),
                }
            )
    return {
        "description": (
            "State-tree roots (docs/spec/statetree.md) for sets of entries, key and value "
            "as hex; computed by tests/unit/ledger/statetree_spec_reference.py from raw "
            "SM3/SHA-256 only."
        ),
        "cases": cases,
    }


if __name__ == "__main__":
    print(json.dumps(vectors(), indent=2))
