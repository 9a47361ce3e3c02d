"""Write tests/vectors/merkle.json: Merkle proof vectors with failure cases.

Leaves are the bytes 0x00, 0x01, ... (one byte each). Valid proofs come from
govchain.ledger.merkle and are re-checked by the test against the recursive
reference; each failure case names the MerkleError subclass it must raise.
Run: .venv/bin/python scripts/make_merkle_vectors.py
"""

from __future__ import annotations

import json
from pathlib import Path

from govchain.ledger import merkle

OUT = Path(__file__).resolve().parents[1] / "tests" / "vectors" / "merkle.json"


def _hex(values: list[bytes]) -> list[str]:
    return [v.hex() for v in values]


def _proof_length(index: int, size: int) -> int:
    inner = (index ^ (size - 1)).bit_length()
    return inner + bin(index >> inner).count("1")


def _inclusion(h: merkle.Hasher, size: int, index: int) -> list[dict[str, object]]:
    hashes = [h.hash_leaf(bytes([i])) for i in range(size)]
    root, audit = merkle.root(h, hashes), merkle.inclusion_proof(h, hashes, index)
    base = {
        "index": index,
        "size": size,
        "leaf_hash": hashes[index].hex(),
        "proof": _hex(audit),
        "root": root.hex(),
    }
    cases = [dict(base, name="valid", error=None)]
    other = (index + 1) % size
    cases.append(
        dict(base, name="wrong-leaf", leaf_hash=h.hash_leaf(b"x").hex(), error="RootMismatchError")
    )
    if size > 1:
        cases.append(dict(base, name="wrong-index", index=other, error="MerkleError"))
    cases.append(dict(base, name="index-equals-size", index=size, error="IndexOutOfRangeError"))
    if audit:
        cases.append(
            dict(base, name="truncated-proof", proof=_hex(audit[:-1]), error="ProofSizeError")
        )
        cases.append(
            dict(
                base,
                name="short-proof-element",
                proof=_hex([audit[0][:-1], *audit[1:]]),
                error="HashSizeError",
            )
        )
    cases.append(
        dict(base, name="extra-component", proof=_hex([*audit, root]), error="ProofSizeError")
    )
    cases.append(dict(base, name="wrong-root", root=h.hash(b"x").hex(), error="RootMismatchError"))
    wrong_size = next(
        n for n in range(size + 1, 4 * size + 4) if _proof_length(index, n) != len(audit)
    )
    cases.append(dict(base, name="wrong-size", size=wrong_size, error="ProofSizeError"))
    cases.append(
        dict(
            base, name="short-leaf-hash", leaf_hash=hashes[index][:-1].hex(), error="HashSizeError"
        )
    )
    return [dict(c, hasher=h.name) for c in cases]


def _consistency(h: merkle.Hasher, size1: int, size2: int) -> list[dict[str, object]]:
    hashes = [h.hash_leaf(bytes([i])) for i in range(size2)]
    root1, root2 = merkle.root(h, hashes[:size1]), merkle.root(h, hashes)
    audit = merkle.consistency_proof(h, hashes, size1, size2)
    base = {
        "size1": size1,
        "size2": size2,
        "proof": _hex(audit),
        "root1": root1.hex(),
        "root2": root2.hex(),
    }
    cases = [dict(base, name="valid", error=None)]
    cases.append(
        dict(base, name="wrong-root1", root1=h.hash(b"x").hex(), error="RootMismatchError")
    )
    cases.append(
        dict(base, name="wrong-root2", root2=h.hash(b"x").hex(), error="RootMismatchError")
    )
    if size1 != size2:
        cases.append(
            dict(base, name="sizes-swapped", size1=size2, size2=size1, error="TreeSizeError")
        )
    cases.append(
        dict(base, name="extra-component", proof=_hex([*audit, root1]), error="ProofSizeError")
    )
    if audit:
        cases.append(
            dict(base, name="truncated-proof", proof=_hex(audit[:-1]), error="MerkleError")
        )
    cases.append(
        dict(
            base,
            name="from-size-zero",
            size1=0,
            proof=_hex(audit),
            root1=h.hash(b"").hex(),
            error="TreeSizeError",
        )
    )
    return [dict(c, hasher=h.name) for c in cases]


def main() -> None:
    inclusion, consistency = [], []
    for name in merkle.HASH_NAMES:
        h = merkle.hasher_for(name)
        for size, index in ((1, 0), (2, 1), (5, 4), (7, 3), (8, 0), (13, 12)):
            inclusion += _inclusion(h, size, index)
        for size1, size2 in ((1, 1), (1, 2), (3, 7), (4, 8), (6, 8), (7, 13), (8, 8)):
            consistency += _consistency(h, size1, size2)
        consistency.append(
            {
                "hasher": name,
                "name": "empty-proof-unequal-sizes",
                "size1": 3,
                "size2": 7,
                "proof": [],
                "root1": merkle.root(h, [h.hash_leaf(bytes([i])) for i in range(3)]).hex(),
                "root2": merkle.root(h, [h.hash_leaf(bytes([i])) for i in range(7)]).hex(),
                "error": "ProofSizeError",
            }
        )
    data = {
        "description": "RFC 6962/9162 proofs. Leaf i is the single byte i; "
        "leaf_hash = H(0x00 || leaf). "
        "error is null for a valid case, else the MerkleError subclass the verifier must raise.",
        "inclusion": inclusion,
        "consistency": consistency,
    }
    OUT.write_text(json.dumps(data, indent=1) + "\n")
    print(f"wrote {len(inclusion)} inclusion and {len(consistency)} consistency cases to {OUT}")


if __name__ == "__main__":
    main()
