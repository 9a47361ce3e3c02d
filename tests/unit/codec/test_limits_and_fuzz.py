"""The decoder's limits, and fuzzing: only the codec's own errors come out (F-F3)."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from govchain.codec import CodecError, DecodeError, LimitError, Limits, decode, encode

from .strategies import values


def test_input_size_limit() -> None:
    with pytest.raises(LimitError):
        decode(encode(b"x" * 100), Limits(max_bytes=50))
    assert decode(encode(b"x" * 40), Limits(max_bytes=50)) == b"x" * 40


def test_string_size_limit() -> None:
    with pytest.raises(LimitError):
        decode(encode("y" * 11), Limits(max_string_bytes=10))


def test_item_count_limit() -> None:
    with pytest.raises(LimitError):
        decode(encode(list(range(11))), Limits(max_items=10))
    with pytest.raises(LimitError):
        decode(encode({i: i for i in range(11)}), Limits(max_items=10))


def test_depth_limit() -> None:
    nested: list[object] = []
    for _ in range(5):
        nested = [nested]
    assert decode(encode(nested), Limits(max_depth=6)) == nested
    with pytest.raises(LimitError):
        decode(encode(nested), Limits(max_depth=5))


def test_declared_length_is_checked_before_allocation() -> None:
    huge = Limits(max_items=2**62, max_string_bytes=2**62)
    # A head that claims 2**62 entries but carries none must fail at once.
    with pytest.raises(DecodeError):
        decode(bytes.fromhex("9b4000000000000000"), huge)
    with pytest.raises(DecodeError):
        decode(bytes.fromhex("5b4000000000000000"), huge)
    with pytest.raises(DecodeError):
        decode(bytes.fromhex("bb2000000000000000"), huge)


def test_non_bytes_input_is_a_decode_error() -> None:
    with pytest.raises(DecodeError):
        decode("00")  # type: ignore[arg-type]


def test_limits_must_be_positive() -> None:
    with pytest.raises(ValueError, match="max_depth"):
        Limits(max_depth=0)


def _accepted_bytes_are_canonical(data: bytes) -> None:
    try:
        value = decode(data)
    except CodecError:
        return
    # Whatever the strict decoder accepts, the encoder reproduces exactly.
    assert encode(value) == data


@settings(max_examples=800, suppress_health_check=[HealthCheck.too_slow])
@given(st.binary(max_size=64))
def test_random_bytes_raise_only_codec_errors(data: bytes) -> None:
    _accepted_bytes_are_canonical(data)


@settings(max_examples=500)
@given(values, st.data())
def test_mutated_encodings_raise_only_codec_errors(value: object, data: st.DataObject) -> None:
    encoded = bytearray(encode(value))
    for _ in range(data.draw(st.integers(min_value=1, max_value=3))):
        action = data.draw(st.sampled_from(["flip", "insert", "delete", "truncate"]))
        position = data.draw(st.integers(min_value=0, max_value=max(len(encoded) - 1, 0)))
        if action == "flip" and encoded:
            encoded[position] ^= 1 << data.draw(st.integers(min_value=0, max_value=7))
        elif action == "insert":
            encoded.insert(position, data.draw(st.integers(min_value=0, max_value=255)))
        elif action == "delete" and encoded:
            del encoded[position]
        else:
            del encoded[position:]
    _accepted_bytes_are_canonical(bytes(encoded))
