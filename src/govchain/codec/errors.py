"""The codec's own errors. Decoding raises these and nothing else."""

from __future__ import annotations


class CodecError(ValueError):
    """Bytes or values that are not canonical GovChain CBOR."""


class DecodeError(CodecError):
    """Input that is malformed or not in canonical form."""


class EncodeError(CodecError):
    """A value outside the data model (floats, unsupported types, huge integers)."""


class LimitError(DecodeError):
    """Input that exceeds a size, depth or count limit."""
