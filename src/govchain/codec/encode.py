"""Canonical CBOR encoder (RFC 8949 section 4.2.1, core deterministic encoding).

The data model: integers in [-2**64, 2**64 - 1], ``bytes``, ``str``, lists and
tuples, dicts whose keys are int, str or bytes, ``True``, ``False`` and
``None``. Anything else raises :class:`EncodeError`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, cast

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


_SHORT_HEADS = [[bytes(((major << 5) | arg,)) for arg in range(24)] for major in range(8)]


def head(major: int, argument: int) -> bytes:
    """The shortest head for ``major`` with ``argument`` (section 4.2.1, rule 1)."""
    if argument < 24:
        return _SHORT_HEADS[major][argument]
    prefix = major << 5
    if argument <= 0xFF:
        return bytes((prefix | 24, argument))
    if argument <= 0xFFFF:
        return bytes((prefix | 25,)) + argument.to_bytes(2, "big")
    if argument <= 0xFFFF_FFFF:
        return bytes((prefix | 26,)) + argument.to_bytes(4, "big")
    return bytes((prefix | 27,)) + argument.to_bytes(8, "big")


@dataclass(frozen=True, slots=True)
class Encoded:
    """One item that is already canonical CBOR; the encoder copies its bytes unchanged.

    For splicing a record's bytes, encoded once, into a larger record (a block's
    txs) without encoding them again. Only wrap bytes that ``encode`` made.
    """

    data: bytes


def encode(value: object) -> bytes:
    """Encode ``value`` canonically. Equal values always give equal bytes."""
    out = bytearray()
    _encode_into(out, value, 0)
    return bytes(out)


_KEY_CACHE: dict[str, bytes] = {}
_KEY_CACHE_LIMIT = 4096
_KEY_CACHE_MAX_LEN = 64


def _text(value: str) -> bytes:
    """Head and UTF-8 bytes of a text string; short ones (map keys) are cached."""
    cached = _KEY_CACHE.get(value)
    if cached is not None:
        return cached
    try:
        raw = value.encode("utf-8")
    except UnicodeEncodeError as exc:
        raise EncodeError("text is not valid Unicode (lone surrogate)") from exc
    encoded = head(MAJOR_TEXT, len(raw)) + raw
    if len(value) <= _KEY_CACHE_MAX_LEN and len(_KEY_CACHE) < _KEY_CACHE_LIMIT:
        _KEY_CACHE[value] = encoded
    return encoded


def _encode_into(out: bytearray, value: object, depth: int) -> None:
    if depth > MAX_ENCODE_DEPTH:
        raise EncodeError(f"nesting deeper than {MAX_ENCODE_DEPTH}")
    kind = type(value)
    # Fast paths on the exact built-in types; subclasses take the general path below.
    if kind is bytes:
        raw = cast(bytes, value)
        out += head(MAJOR_BYTES, len(raw))
        out += raw
    elif kind is str:
        out += _text(cast(str, value))
    elif kind is int:
        out += _encode_int(cast(int, value))
    elif kind is dict:
        _encode_map(out, cast(dict[object, object], value), depth)
    elif kind is Encoded:
        out += cast(Encoded, value).data
    elif kind is list or kind is tuple:
        items = cast(Sequence[object], value)
        out += head(MAJOR_ARRAY, len(items))
        for item in items:
            _encode_into(out, item, depth + 1)
    elif value is None:
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
        out += _text(value)
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


def _encode_key(key: object) -> bytes:
    if type(key) is str:
        return _text(key)
    if isinstance(key, bool) or not isinstance(key, (int, str, bytes)):
        raise EncodeError(f"map keys must be int, str or bytes, not {type(key).__name__}")
    return encode(key)


def _first(entry: tuple[bytes, object]) -> bytes:
    return entry[0]


def _encode_map(out: bytearray, value: Mapping[object, object], depth: int) -> None:
    entries = sorted(((_encode_key(k), item) for k, item in value.items()), key=_first)
    for index in range(1, len(entries)):
        if entries[index][0] == entries[index - 1][0]:
            raise EncodeError("duplicate map key")
    out += head(MAJOR_MAP, len(entries))
    for encoded_key, item in entries:
        out += encoded_key
        _encode_into(out, item, depth + 1)


def encode_map_entries(value: Mapping[Any, object]) -> list[tuple[bytes, bytes]]:
    """The encoded (key, value) pairs of a map, in canonical order.

    ``encode_map_from_entries`` of them, or of any subset of them, is the
    canonical encoding of the map (or of the map with only those keys); so one
    pass gives both a record and its signed body.
    """
    entries = [(_encode_key(k), encode(item)) for k, item in value.items()]
    entries.sort(key=_first)
    for index in range(1, len(entries)):
        if entries[index][0] == entries[index - 1][0]:
            raise EncodeError("duplicate map key")
    return entries


def encode_map_from_entries(entries: Sequence[tuple[bytes, bytes]]) -> bytes:
    """A map's canonical bytes from entries that ``encode_map_entries`` returned."""
    return head(MAJOR_MAP, len(entries)) + b"".join(k + v for k, v in entries)
