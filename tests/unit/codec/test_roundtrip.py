"""Canonical CBOR round trips and agreement with an independent library (F-F3)."""

from __future__ import annotations

import json
from pathlib import Path

import cbor2
import pytest
from hypothesis import given
from hypothesis import strategies as st

from govchain.codec import DecodeError, EncodeError, decode, encode

from .strategies import integers, typed, values

VECTORS = json.loads((Path(__file__).parents[2] / "vectors" / "cbor.json").read_text())


def _from_json(value: object) -> object:
    if isinstance(value, dict):
        if "$bytes" in value:
            return bytes.fromhex(value["$bytes"])
        return {_from_json(k): _from_json(v) for k, v in value["$map"]}
    if isinstance(value, list):
        return [_from_json(item) for item in value]
    return value


@pytest.mark.parametrize("case", VECTORS["valid"], ids=lambda c: c["hex"][:24] or "empty")
def test_vector_encodes_and_decodes(case: dict[str, object]) -> None:
    value = _from_json(case["value"])
    expected = bytes.fromhex(str(case["hex"]))
    assert encode(value) == expected
    assert typed(decode(expected)) == typed(value)


@pytest.mark.parametrize("case", VECTORS["invalid"], ids=lambda c: str(c["name"]))
def test_vector_is_rejected(case: dict[str, str]) -> None:
    with pytest.raises(DecodeError):
        decode(bytes.fromhex(case["hex"]))


@given(values)
def test_round_trip_keeps_value_and_bytes(value: object) -> None:
    encoded = encode(value)
    decoded = decode(encoded)
    assert typed(decoded) == typed(value)
    assert encode(decoded) == encoded


@given(values)
def test_independent_decoder_reads_our_bytes(value: object) -> None:
    assert typed(cbor2.loads(encode(value))) == typed(value)


@given(st.dictionaries(st.text(max_size=30), integers, max_size=12))
def test_same_bytes_as_cbor2_when_keys_share_a_major_type(value: dict[str, int]) -> None:
    # RFC 7049 length-first order and RFC 8949 bytewise order agree within
    # one major type, so cbor2's canonical mode is an oracle here.
    assert encode(value) == cbor2.dumps(value, canonical=True)


@given(st.dictionaries(st.integers(0, 2**64 - 1), st.binary(max_size=10), max_size=12))
def test_we_accept_cbor2_canonical_maps_with_uint_keys(value: dict[int, bytes]) -> None:
    # Non-negative keys only: with mixed signs the two orders differ (vector
    # "length-first key order" shows the case we must reject).
    assert decode(cbor2.dumps(value, canonical=True)) == value


def test_tuples_encode_as_arrays() -> None:
    assert encode((1, "a")) == encode([1, "a"])


@pytest.mark.parametrize(
    "value",
    [
        1.5,
        float("nan"),
        2**64,
        -(2**64) - 1,
        {1.0: 1},
        {(1,): 2},
        {True: 1},
        object(),
        {1, 2},
        "\ud800",
    ],
    ids=[
        "float",
        "nan",
        "too-big",
        "too-small",
        "float-key",
        "tuple-key",
        "bool-key",
        "object",
        "set",
        "surrogate",
    ],
)
def test_values_outside_the_data_model_are_refused(value: object) -> None:
    with pytest.raises(EncodeError):
        encode(value)


def test_deep_nesting_is_refused_by_the_encoder() -> None:
    value: list[object] = []
    for _ in range(100):
        value = [value]
    with pytest.raises(EncodeError):
        encode(value)


def test_map_order_does_not_depend_on_insertion_order() -> None:
    assert encode({"b": 1, "a": 2, 3: 0}) == encode({3: 0, "a": 2, "b": 1})
