"""Hypothesis strategies for values in the canonical CBOR data model."""

from __future__ import annotations

from hypothesis import strategies as st

integers = st.integers(min_value=-(2**64), max_value=2**64 - 1)
keys = st.one_of(integers, st.text(max_size=8), st.binary(max_size=8))
scalars = st.one_of(
    st.none(), st.booleans(), integers, st.binary(max_size=40), st.text(max_size=40)
)
values = st.recursive(
    scalars,
    lambda inner: st.one_of(
        st.lists(inner, max_size=6),
        st.dictionaries(keys, inner, max_size=6),
    ),
    max_leaves=30,
)


def typed(value: object) -> object:
    """A form of ``value`` where True and 1 (or False and 0) compare unequal."""
    if isinstance(value, list):
        return ("list", [typed(item) for item in value])
    if isinstance(value, dict):
        return ("map", sorted(((repr(typed(k)), typed(v)) for k, v in value.items()), key=repr))
    return (type(value).__name__, value)
