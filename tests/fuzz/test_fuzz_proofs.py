"""Proofs a client is handed: receipt files and Merkle paths; only GovChainError, never a crash.

The receipt file is damaged at the JSON level (fields replaced by other JSON
values, hex strings edited, proof indexes and sizes changed, fields added or
dropped) and at the byte level; the Merkle verifiers get real proofs of
random trees with the index, sizes, leaf, path or root changed.
"""

from __future__ import annotations

import contextlib
import json
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from govchain.ledger import merkle
from govchain.ledger.merkle import MerkleError, hasher_for

from . import targets
from .mutate import inputs
from .samples import samples

pytestmark = pytest.mark.timeout(120)

EXAMPLES = 200
HASHERS = [hasher_for("sha256"), hasher_for("sm3")]
UINT64_MAX = 2**64 - 1

_json_scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(2**70), 2**70),
    st.floats(allow_nan=False),
    st.text(max_size=20),
    st.sampled_from(["", "00", "0", "zz", "ff" * 32, "ff" * 33]),
)
_json_values = st.recursive(
    _json_scalars,
    lambda inner: st.one_of(
        st.lists(inner, max_size=4), st.dictionaries(st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=12,
)


@st.composite
def _edited_hex(draw: st.DrawFn, text: str) -> str:
    if not text:
        return draw(st.sampled_from(["", "00", "0"]))
    at = draw(st.integers(0, len(text) - 1))
    kind = draw(st.sampled_from(["char", "cut", "grow", "odd"]))
    if kind == "char":
        return text[:at] + draw(st.sampled_from("0123456789abcdefxG ")) + text[at + 1 :]
    if kind == "cut":
        return text[: at - at % 2]
    if kind == "grow":
        return text + draw(st.sampled_from(["00", "ff", "a0" * 40]))
    return text[:-1]


@st.composite
def _edited_proof(draw: st.DrawFn, proof: dict[str, Any]) -> dict[str, Any]:
    edited = dict(proof)
    field = draw(st.sampled_from(["index", "size", "leaf_hash", "proof", "extra"]))
    if field in ("index", "size"):
        edited[field] = draw(
            st.one_of(st.integers(0, 4), st.just(UINT64_MAX), st.integers(-1, 2**70))
        )
    elif field == "leaf_hash":
        edited[field] = draw(_edited_hex(proof["leaf_hash"]))
    elif field == "proof":
        path = list(proof["proof"])
        if path and draw(st.booleans()):
            at = draw(st.integers(0, len(path) - 1))
            path[at] = draw(_edited_hex(path[at]))
        else:
            path = draw(st.sampled_from([[], path[:-1], [*path, "00" * 32], path * 40, path[::-1]]))
        edited[field] = path
    else:
        edited[draw(st.text(max_size=8))] = draw(_json_values)
    return edited


@st.composite
def mutated_receipts(draw: st.DrawFn) -> object:
    """The real receipt file with one to three of its fields damaged."""
    obj = samples().receipt_json()
    for _ in range(draw(st.integers(1, 3))):
        field = draw(st.sampled_from(sorted(obj)))
        kind = draw(st.sampled_from(["value", "edit", "drop"]))
        if kind == "drop":
            obj.pop(field)
            if not obj:
                break
        elif kind == "value":
            obj[field] = draw(_json_values)
        elif isinstance(obj[field], str):
            obj[field] = draw(_edited_hex(obj[field]))
        elif isinstance(obj[field], dict) and {"proof", "leaf_hash"} <= set(obj[field]):
            obj[field] = draw(_edited_proof(obj[field]))
    return draw(st.one_of(st.just(obj), _json_values))


@settings(max_examples=EXAMPLES, deadline=None)
@given(obj=mutated_receipts())
def test_a_damaged_receipt_file_raises_only_govchain_errors(obj: object) -> None:
    targets.receipt_object(obj)


@settings(max_examples=EXAMPLES, deadline=None)
@given(data=inputs([json.dumps(samples().receipt_json()).encode()]))
def test_damaged_receipt_bytes_raise_only_govchain_errors(data: bytes) -> None:
    targets.receipt_json(data)


def _sizes() -> st.SearchStrategy[int]:
    return st.one_of(st.integers(-2, 80), st.just(UINT64_MAX), st.integers(0, 2**70))


@st.composite
def _damaged_path(draw: st.DrawFn, path: list[bytes], size: int) -> list[bytes]:
    choice = draw(st.sampled_from(["keep", "drop", "add", "replace", "resize", "shuffle"]))
    if choice == "drop" and path:
        return path[:-1]
    if choice == "add":
        return [*path, draw(st.binary(min_size=size, max_size=size))]
    if choice == "replace" and path:
        at = draw(st.integers(0, len(path) - 1))
        return [*path[:at], draw(st.binary(max_size=2 * size)), *path[at + 1 :]]
    if choice == "resize" and path:
        return [p[:-1] for p in path]
    if choice == "shuffle":
        return draw(st.permutations(path))
    return path


@pytest.mark.parametrize("hasher", HASHERS, ids=lambda h: h.name)
@settings(max_examples=EXAMPLES // 2, deadline=None)
@given(leaves=st.integers(1, 40), data=st.data())
def test_a_damaged_inclusion_proof_raises_only_merkle_errors(
    hasher: merkle.Hasher, leaves: int, data: st.DataObject
) -> None:
    hashes = [hasher.hash_leaf(i.to_bytes(2, "big")) for i in range(leaves)]
    root = merkle.root(hasher, hashes)
    index = data.draw(st.integers(0, leaves - 1))
    path = merkle.inclusion_proof(hasher, hashes, index)
    index = data.draw(st.one_of(st.just(index), _sizes()))
    size = data.draw(st.one_of(st.just(leaves), _sizes()))
    leaf = data.draw(st.one_of(st.just(hashes[index % leaves]), st.binary(max_size=40)))
    path = data.draw(_damaged_path(path, hasher.size))
    root = data.draw(st.one_of(st.just(root), st.binary(max_size=40)))
    with contextlib.suppress(MerkleError):
        merkle.verify_inclusion(hasher, index, size, leaf, path, root)


@pytest.mark.parametrize("hasher", HASHERS, ids=lambda h: h.name)
@settings(max_examples=EXAMPLES // 2, deadline=None)
@given(leaves=st.integers(1, 40), data=st.data())
def test_a_damaged_consistency_proof_raises_only_merkle_errors(
    hasher: merkle.Hasher, leaves: int, data: st.DataObject
) -> None:
    hashes = [hasher.hash_leaf(i.to_bytes(2, "big")) for i in range(leaves)]
    size1 = data.draw(st.integers(1, leaves))
    path = merkle.consistency_proof(hasher, hashes, size1)
    root1, root2 = merkle.root(hasher, hashes[:size1]), merkle.root(hasher, hashes)
    size1 = data.draw(st.one_of(st.just(size1), _sizes()))
    size2 = data.draw(st.one_of(st.just(leaves), _sizes()))
    path = data.draw(_damaged_path(path, hasher.size))
    root1 = data.draw(st.one_of(st.just(root1), st.just(root2), st.binary(max_size=40)))
    root2 = data.draw(st.one_of(st.just(root2), st.just(root1), st.binary(max_size=40)))
    with contextlib.suppress(MerkleError):
        merkle.verify_consistency(hasher, size1, size2, path, root1, root2)
