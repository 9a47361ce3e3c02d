"""Append-only lists in state: how a service lists records the state tree cannot enumerate.

The state tree hashes its keys, so it has no prefix scan; a service that
pages through its records keeps ``<prefix>n`` (the length, 4 bytes
big-endian) and ``<prefix><i>`` (item i, i 4 bytes big-endian).
"""

from __future__ import annotations

from collections.abc import Callable

from govchain.execution.registry import ReadState
from govchain.types.errors import ValidationError

__all__ = ["MAX_LIST", "ListKeys", "append_to_list", "list_count"]

MAX_LIST = 2**32 - 1

Write = Callable[[bytes, bytes], None]


class ListKeys:
    """An append-only list in state: ``<prefix>n`` holds its length, ``<prefix><i>`` item i."""

    def __init__(self, prefix: bytes) -> None:
        self.prefix = prefix

    def count_key(self) -> bytes:
        """The key of the length (4 bytes big-endian)."""
        return self.prefix + b"n"

    def item_key(self, index: int) -> bytes:
        """The key of item ``index`` (from 0)."""
        return self.prefix + index.to_bytes(4, "big")


def list_count(read: ReadState, keys: ListKeys) -> int:
    """The length of a list (0 when never written); ValidationError if malformed."""
    raw = read(keys.count_key())
    if raw is None:
        return 0
    if len(raw) != 4:
        raise ValidationError(f"list length: expected 4 bytes, got {len(raw)}")
    return int.from_bytes(raw, "big")


def append_to_list(read: ReadState, write: Write, keys: ListKeys, item: bytes) -> int:
    """Append ``item``; return its index."""
    index = list_count(read, keys)
    if index >= MAX_LIST:
        raise ValidationError("the list holds the most items it can")
    write(keys.item_key(index), item)
    write(keys.count_key(), (index + 1).to_bytes(4, "big"))
    return index
