"""Merkle proof vectors with failure cases, both hashers (tests/vectors/merkle.json, F-A4)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from govchain.ledger import merkle
from govchain.ledger.merkle import hasher_for, verify_consistency, verify_inclusion

from .merkle_reference import mth

DATA = json.loads((Path(__file__).resolve().parents[2] / "vectors" / "merkle.json").read_text())


def _params(section: str) -> list[Any]:
    return [
        pytest.param(
            c,
            id="-".join(
                str(part)
                for part in (
                    c["hasher"],
                    c.get("size", c.get("size1")),
                    c.get("size2", c.get("index")),
                    c["name"],
                )
            ),
        )
        for c in DATA[section]
    ]


def _run(check: Any, case: dict[str, Any]) -> None:
    if case["error"] is None:
        check()
        return
    error = getattr(merkle, case["error"])
    with pytest.raises(error):
        check()


@pytest.mark.parametrize("case", _params("inclusion"))
def test_inclusion_vector(case: dict[str, Any]) -> None:
    h = hasher_for(case["hasher"])
    proof = [bytes.fromhex(p) for p in case["proof"]]
    _run(
        lambda: verify_inclusion(
            h,
            case["index"],
            case["size"],
            bytes.fromhex(case["leaf_hash"]),
            proof,
            bytes.fromhex(case["root"]),
        ),
        case,
    )


@pytest.mark.parametrize("case", _params("consistency"))
def test_consistency_vector(case: dict[str, Any]) -> None:
    h = hasher_for(case["hasher"])
    proof = [bytes.fromhex(p) for p in case["proof"]]
    _run(
        lambda: verify_consistency(
            h,
            case["size1"],
            case["size2"],
            proof,
            bytes.fromhex(case["root1"]),
            bytes.fromhex(case["root2"]),
        ),
        case,
    )


@pytest.mark.parametrize("hasher", merkle.HASH_NAMES)
def test_valid_roots_agree_with_the_reference(hasher: str) -> None:
    h = hasher_for(hasher)
    for case in DATA["inclusion"]:
        if case["hasher"] == hasher and case["name"] == "valid":
            leaves = [bytes([i]) for i in range(case["size"])]
            assert mth(h, leaves).hex() == case["root"]


def test_equal_sizes_need_equal_roots_and_no_proof() -> None:
    h = hasher_for("sm3")
    root = h.hash_leaf(b"\x00")
    verify_consistency(h, 1, 1, [], root, root)
    with pytest.raises(merkle.RootMismatchError):
        verify_consistency(h, 1, 1, [], root, h.hash(b"other"))
    with pytest.raises(merkle.ProofSizeError):
        verify_consistency(h, 1, 1, [root], root, root)
    with pytest.raises(merkle.TreeSizeError):
        verify_consistency(h, 0, 1, [], h.hash(b""), root)
