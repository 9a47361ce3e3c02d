"""Argument checks shared by the storage backends, so both refuse the same things."""

from __future__ import annotations

from collections.abc import Sequence
from itertools import pairwise

from govchain.storage.base import MAX_KEY_SIZE


def check_tables(tables: Sequence[str]) -> tuple[str, ...]:
    """A non-empty list of distinct, non-empty table names."""
    names = tuple(tables)
    if (
        not names
        or len(set(names)) != len(names)
        or not all(isinstance(n, str) and n for n in names)
    ):
        raise ValueError(f"tables must be distinct non-empty names, got {names!r}")
    return names


def check_table(tables: tuple[str, ...], table: str) -> None:
    """Refuse a table the store was not opened with."""
    if table not in tables:
        raise ValueError(f"unknown table {table!r}; this store has {list(tables)}")


def check_key(key: object) -> bytes:
    """Keys are 1..MAX_KEY_SIZE bytes."""
    if not isinstance(key, bytes):
        raise TypeError(f"storage keys are bytes, not {type(key).__name__}")
    if not 1 <= len(key) <= MAX_KEY_SIZE:
        raise ValueError(f"storage keys are 1..{MAX_KEY_SIZE} bytes, got {len(key)}")
    return key


def check_value(value: object) -> bytes:
    """Values are bytes (possibly empty)."""
    if not isinstance(value, bytes):
        raise TypeError(f"storage values are bytes, not {type(value).__name__}")
    return value


def check_items(items: Sequence[tuple[bytes, bytes]]) -> None:
    """``put_many``'s items: each key and value as ``check_key`` and ``check_value`` take
    them, keys in strictly rising order (a caller's bug otherwise).

    One loop of plain type and order tests over a block's few thousand rows; only when
    one fails do the item-by-item checks run, for the error they raise.
    """
    previous = b""  # below every key of at least one byte
    for key, value in items:
        if (
            type(key) is not bytes
            or type(value) is not bytes
            or not previous < key
            or len(key) > MAX_KEY_SIZE
        ):
            _check_each(items)  # raises, or passes bytes subclasses as the checks allow
            return
        previous = key


def check_keys(keys: Sequence[bytes]) -> None:
    """``delete_many``'s keys: each as ``check_key`` takes it (one plain loop, as above)."""
    for key in keys:
        if type(key) is not bytes or not 1 <= len(key) <= MAX_KEY_SIZE:
            for each in keys:
                check_key(each)  # raises, or passes bytes subclasses as the check allows
            return


def _check_each(items: Sequence[tuple[bytes, bytes]]) -> None:
    for key, value in items:
        check_key(key)
        check_value(value)
    for (before, _), (after, _) in pairwise(items):
        if not before < after:
            raise ValueError("put_many takes items sorted by key, each key once")
