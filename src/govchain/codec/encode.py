"""Canonical CBOR encoder (RFC 8949 section 4.2.1, core deterministic encoding).

The data model: integers in [-2**64, 2**64 - 1], ``bytes``, ``str``, lists and
tuples, dicts whose keys are int, str or bytes, ``True``, ``False`` and
``None``. Anything else raises :class:`EncodeError`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from govchain.codec.errors import EncodeError

MAJOR_UINT = 0
MAJOR_NINT = 1
MAJOR_BYTES = 2
MAJOR_TEXT = 3
MAJOR_ARRAY = 4
MAJOR_MAP = 5
MAJOR_TAG = 6
MAJOR_SIMPLE = 7

SIMPLE_FALSE = 0xF4
SIMPLE_TRUE = 0xF5
SIMPLE_NULL = 0xF6

UINT64_MAX = 2**64 - 1
MAX_ENCODE_DEPTH = 64


def head(major: int, argument: int) -> bytes:
    """The shortest head for ``major`` with ``argument`` (section 4.2.1, rule 1)."""
    prefix = major << 5
    if argument < 24:
        return bytes((prefix | argument,))
    if argument <= 0xFF:
        return bytes((prefix | 24, argument))
    if argument <= 0xFFFF:
        return bytes((prefix | 25,)) + argument.to_bytes(2, "big")
    if argument <= 0xFFFF_FFFF:
        return bytes((prefix | 26,)) + argument.to_bytes(4, "big")
    return bytes((prefix | 27,)) + argument.to_bytes(8, "big")


def encode(value: object) -> bytes:
    """Encode ``value`` canonically. Equal values always give equal bytes."""
    out = bytearray()
    _encode_into(out, value, 0)
    return bytes(out)


def _encode_into(out: bytearray, value: object, depth: int) -> None:
    if depth > MAX_ENCODE_DEPTH:
        raise EncodeError(f"nesting deeper than {MAX_ENCODE_DEPTH}")
    if value is None:
        out.append(SIMPLE_NULL)
    elif value is True:
        out.append(SIMPLE_TRUE)
    elif value is False:
        out.append(SIMPLE_FALSE)
    elif isinstance(value, int):
        out += _encode_int(value)
    elif isinstance(value, (bytes, bytearray, memoryview)):
        raw = bytes(value)
        out += head(MAJOR_BYTES, len(raw))
        out += raw
    elif isinstance(value, str):
        try:
            raw = value.encode("utf-8")
        except UnicodeEncodeError as exc:
            raise EncodeError("text is not valid Unicode (lone surrogate)") from exc
        out += head(MAJOR_TEXT, len(raw))
        out += raw
    elif isinstance(value, Mapping):
        _encode_map(out, value, depth)
    elif isinstance(value, Sequence):
        out += head(MAJOR_ARRAY, len(value))
        for item in value:
            _encode_into(out, item, depth + 1)
    elif isinstance(value, float):
        raise EncodeError("floats are not part of the GovChain data model")
    else:
        raise EncodeError(f"cannot encode a value of type {type(value).__name__}")


def _encode_int(value: int) -> bytes:
    if 0 <= value <= UINT64_MAX:
        return head(MAJOR_UINT, value)
    if -(2**64) <= value < 0:
        return head(MAJOR_NINT, -1 - value)
    raise EncodeError("integer outside the 64-bit CBOR range")


def _encode_map(out: bytearray, value: Mapping[object, object], depth: int) -> None:
    entries: list[tuple[bytes, object]] = []
    for key, item in value.items():
        if isinstance(key, bool) or not isinstance(key, (int, str, bytes)):
            raise EncodeError(f"map keys must be int, str or bytes, not {type(key).__name__}")
        entries.append((encode(key), item))
    entries.sort(key=lambda entry: entry[0])
    for index in range(1, len(entries)):
        if entries[index][0] == entries[index - 1][0]:
            raise EncodeError("duplicate map key")
    out += head(MAJOR_MAP, len(entries))
    for encoded_key, item in entries:
        out += encoded_key
        _encode_into(out, item, depth + 1)
