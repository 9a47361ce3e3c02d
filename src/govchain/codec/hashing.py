"""Domain-tagged hashing: every hash GovChain computes names what it hashes.

``tagged_bytes(domain, value)`` is ``encode(domain) + encode(value)``, so a
transaction hash can never equal a header hash even for equal bytes, and the
domain string carries a version for the day the format changes.
"""

from __future__ import annotations

import hashlib
import re
from typing import Any

from govchain.codec.encode import encode
from govchain.codec.errors import EncodeError

HASH_ALGORITHMS = ("sm3", "sha256")
DOMAIN_PATTERN = re.compile(r"^govchain/[a-z0-9][a-z0-9-]*(/[a-z0-9][a-z0-9-]*)*/v[1-9][0-9]*$")


def check_domain(domain: str) -> str:
    """Return ``domain`` if it is well formed (``govchain/<name>/.../v<N>``)."""
    if not isinstance(domain, str) or not DOMAIN_PATTERN.match(domain):
        raise EncodeError(f"bad hash domain {domain!r}: expected govchain/<name>/v<N>")
    return domain


def tagged_bytes(domain: str, value: object) -> bytes:
    """The exact bytes that get hashed for ``value`` under ``domain``."""
    return encode(check_domain(domain)) + encode(value)


_EMPTY: dict[str, Any] = {name: hashlib.new(name) for name in HASH_ALGORITHMS}
"""One fresh hash object per algorithm, only ever copied. ``hashlib.new("sm3")`` looks the
algorithm up in OpenSSL by name at every call (CPython keeps no shortcut for SM3); a copy
skips that: about 1.0 µs against 1.4 for a 200-byte SM3 (issue 21)."""


def digest(algorithm: str, data: bytes) -> bytes:
    """SM3 or SHA-256 of ``data``."""
    empty = _EMPTY.get(algorithm)
    if empty is None:
        raise EncodeError(
            f"unknown hash algorithm {algorithm!r}; expected one of {HASH_ALGORITHMS}"
        )
    fresh = empty.copy()
    fresh.update(data)
    return bytes(fresh.digest())


def tagged_digest(algorithm: str, domain: str, value: object) -> bytes:
    """Hash of ``value`` canonically encoded under ``domain``."""
    return digest(algorithm, tagged_bytes(domain, value))
