"""RFC 6962 section 2.1 written as its recursive definitions, for tests only.

Slow and obvious on purpose: MTH, PATH and PROOF/SUBPROOF exactly as the RFC
states them, so the fast code in govchain.ledger.merkle has something
independent to agree with.
"""

from __future__ import annotations

from govchain.ledger.merkle import Hasher


def _k(n: int) -> int:
    k = 1
    while k * 2 < n:
        k *= 2
    return k


def mth(h: Hasher, leaves: list[bytes]) -> bytes:
    """MTH(D[n]) over raw leaf data."""
    n = len(leaves)
    if n == 0:
        return h.hash(b"")
    if n == 1:
        return h.hash_leaf(leaves[0])
    k = _k(n)
    return h.hash_children(mth(h, leaves[:k]), mth(h, leaves[k:]))


def path(h: Hasher, m: int, leaves: list[bytes]) -> list[bytes]:
    """PATH(m, D[n])."""
    n = len(leaves)
    if n == 1:
        return []
    k = _k(n)
    if m < k:
        return [*path(h, m, leaves[:k]), mth(h, leaves[k:])]
    return [*path(h, m - k, leaves[k:]), mth(h, leaves[:k])]


def subproof(h: Hasher, m: int, leaves: list[bytes], b: bool) -> list[bytes]:
    """SUBPROOF(m, D[n], b)."""
    n = len(leaves)
    if m == n:
        return [] if b else [mth(h, leaves)]
    k = _k(n)
    if m <= k:
        return [*subproof(h, m, leaves[:k], b), mth(h, leaves[k:])]
    return [*subproof(h, m - k, leaves[k:], False), mth(h, leaves[:k])]


def proof(h: Hasher, m: int, leaves: list[bytes]) -> list[bytes]:
    """PROOF(m, D[n]) for 0 < m <= n."""
    return subproof(h, m, leaves, True)
