"""Strict canonical CBOR decoder.

It accepts exactly the bytes :func:`govchain.codec.encode` would produce for
some value and rejects everything else with a :class:`DecodeError`:
indefinite lengths, non-shortest heads, unsorted or duplicate map keys,
floats, tags, simple values other than false/true/null, invalid UTF-8 and
trailing bytes. Every length is checked against the limits and against the
bytes left before anything is allocated.
"""

from __future__ import annotations

from govchain.codec.encode import (
    MAJOR_ARRAY,
    MAJOR_BYTES,
    MAJOR_MAP,
    MAJOR_NINT,
    MAJOR_TAG,
    MAJOR_TEXT,
    MAJOR_UINT,
    SIMPLE_FALSE,
    SIMPLE_NULL,
    SIMPLE_TRUE,
)
from govchain.codec.errors import DecodeError, LimitError
from govchain.codec.limits import DEFAULT_LIMITS, Limits


def decode(data: bytes | bytearray | memoryview, limits: Limits = DEFAULT_LIMITS) -> object:
    """Decode one canonical CBOR item that spans all of ``data``."""
    if not isinstance(data, (bytes, bytearray, memoryview)):
        raise DecodeError(f"expected bytes, got {type(data).__name__}")
    raw = bytes(data)
    if len(raw) > limits.max_bytes:
        raise LimitError(f"input is {len(raw)} bytes, limit is {limits.max_bytes}")
    reader = _Reader(raw, limits)
    value = reader.item(0)
    if reader.pos != len(raw):
        raise DecodeError(f"{len(raw) - reader.pos} trailing bytes after the item")
    return value


class _Reader:
    __slots__ = ("data", "limits", "pos")

    def __init__(self, data: bytes, limits: Limits) -> None:
        self.data = data
        self.limits = limits
        self.pos = 0

    def _take(self, count: int) -> bytes:
        end = self.pos + count
        if end > len(self.data):
            raise DecodeError(f"truncated input at byte {self.pos}: need {count} more")
        chunk = self.data[self.pos : end]
        self.pos = end
        return chunk

    def _head(self) -> tuple[int, int, int]:
        # read in place: no one-byte slice per item, no table lookups (issue 21)
        data = self.data
        start = self.pos
        if start >= len(data):
            raise DecodeError(f"truncated input at byte {start}: need 1 more")
        initial = data[start]
        self.pos = start + 1
        major, info = initial >> 5, initial & 0x1F
        if info < 24:
            return major, info, info
        if info <= 27:
            width = 1 << (info - 24)  # 1, 2, 4 or 8 bytes follow
            end = start + 1 + width
            if end > len(data):
                raise DecodeError(f"truncated input at byte {start + 1}: need {width} more")
            if width == 1:
                argument, minimum = data[start + 1], 24
            else:
                argument, minimum = int.from_bytes(data[start + 1 : end], "big"), 1 << (4 * width)
            self.pos = end
            if argument < minimum and major != 7:
                raise DecodeError(f"non-shortest integer or length at byte {start}")
            return major, info, argument
        if info == 31:
            raise DecodeError(f"indefinite length at byte {start}")
        raise DecodeError(f"reserved additional information {info} at byte {start}")

    def _length(self, argument: int, what: str, limit: int, min_size: int) -> int:
        if argument > limit:
            raise LimitError(f"{what} of {argument} exceeds the limit of {limit}")
        if argument * min_size > len(self.data) - self.pos:
            raise DecodeError(f"truncated input: {what} of {argument} at byte {self.pos}")
        return argument

    def item(self, depth: int) -> object:
        start = self.pos
        major, info, argument = self._head()
        if major == MAJOR_UINT:
            return argument
        if major == MAJOR_NINT:
            return -1 - argument
        if major == MAJOR_BYTES:
            size = self._length(argument, "byte string", self.limits.max_string_bytes, 1)
            return self._take(size)
        if major == MAJOR_TEXT:
            size = self._length(argument, "text string", self.limits.max_string_bytes, 1)
            try:
                return self._take(size).decode("utf-8")
            except UnicodeDecodeError as exc:
                raise DecodeError(f"invalid UTF-8 in text at byte {start}") from exc
        if major in (MAJOR_ARRAY, MAJOR_MAP):
            if depth >= self.limits.max_depth:
                raise LimitError(f"nesting deeper than {self.limits.max_depth}")
            if major == MAJOR_ARRAY:
                count = self._length(argument, "array", self.limits.max_items, 1)
                return [self.item(depth + 1) for _ in range(count)]
            count = self._length(argument, "map", self.limits.max_items, 2)
            return self._map(count, depth)
        if major == MAJOR_TAG:
            raise DecodeError(f"tags are not allowed (byte {start})")
        return self._simple(info, start)

    def _map(self, count: int, depth: int) -> dict[object, object]:
        result: dict[object, object] = {}
        previous = b""
        for index in range(count):
            key_start = self.pos
            key = self.item(depth + 1)
            encoded_key = self.data[key_start : self.pos]
            if not isinstance(key, (int, str, bytes)) or isinstance(key, bool):
                raise DecodeError(f"map key at byte {key_start} must be int, text or bytes")
            if index and encoded_key <= previous:
                kind = "duplicate" if encoded_key == previous else "unsorted"
                raise DecodeError(f"{kind} map key at byte {key_start}")
            previous = encoded_key
            result[key] = self.item(depth + 1)
        return result

    def _simple(self, info: int, start: int) -> object:
        initial = 0xE0 | info
        if initial == SIMPLE_FALSE:
            return False
        if initial == SIMPLE_TRUE:
            return True
        if initial == SIMPLE_NULL:
            return None
        if info in (25, 26, 27):
            raise DecodeError(f"floats are not allowed (byte {start})")
        raise DecodeError(f"simple value not allowed (byte {start})")
