"""Canonical CBOR and domain-tagged hashing: the one owner of bytes on the wire and on disk."""

from govchain.codec.decode import decode
from govchain.codec.encode import Encoded, encode, encode_map_entries, encode_map_from_entries
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
    "Encoded",
    "LimitError",
    "Limits",
    "check_domain",
    "decode",
    "digest",
    "encode",
    "encode_map_entries",
    "encode_map_from_entries",
    "tagged_bytes",
    "tagged_digest",
]
