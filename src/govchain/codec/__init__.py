"""Canonical CBOR and domain-tagged hashing: the one owner of bytes on the wire and on disk."""

from govchain.codec.decode import decode
from govchain.codec.encode import encode
from govchain.codec.errors import CodecError, DecodeError, EncodeError, LimitError
from govchain.codec.hashing import (
    DOMAIN_PATTERN,
    HASH_ALGORITHMS,
    check_domain,
    digest,
    tagged_bytes,
    tagged_digest,
)
from govchain.codec.limits import DEFAULT_LIMITS, Limits

__all__ = [
    "DEFAULT_LIMITS",
    "DOMAIN_PATTERN",
    "HASH_ALGORITHMS",
    "CodecError",
    "DecodeError",
    "EncodeError",
    "LimitError",
    "Limits",
    "check_domain",
    "decode",
    "digest",
    "encode",
    "tagged_bytes",
    "tagged_digest",
]
