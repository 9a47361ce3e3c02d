"""Hypothesis strategies that damage valid bytes the way a faulty or hostile peer might."""

from __future__ import annotations

from hypothesis import strategies as st

MAX_EDITS = 8
"""The most edits applied to one input: enough to break it in several places at once."""


@st.composite
def _edit(draw: st.DrawFn, data: bytes) -> bytes:
    """``data`` with one edit: a flipped bit, a new byte, an insertion, a cut or a repeat."""
    if not data:
        return draw(st.binary(min_size=1, max_size=16))
    at = draw(st.integers(0, len(data) - 1))
    kind = draw(st.sampled_from(["flip", "set", "insert", "delete", "truncate", "repeat"]))
    if kind == "flip":
        return data[:at] + bytes([data[at] ^ (1 << draw(st.integers(0, 7)))]) + data[at + 1 :]
    if kind == "set":
        interesting = st.sampled_from([0x00, 0x17, 0x18, 0x1F, 0x3F, 0x5B, 0x7F, 0xBF, 0xFF])
        return data[:at] + bytes([draw(interesting | st.integers(0, 255))]) + data[at + 1 :]
    if kind == "insert":
        return data[:at] + draw(st.binary(min_size=1, max_size=9)) + data[at:]
    if kind == "delete":
        return data[:at] + data[at + draw(st.integers(1, 9)) :]
    if kind == "truncate":
        return data[:at]
    end = min(len(data), at + draw(st.integers(1, 32)))
    return data[:end] + data[at:end] + data[end:]


@st.composite
def mutated(draw: st.DrawFn, seeds: list[bytes]) -> bytes:
    """One of ``seeds`` after 0 to ``MAX_EDITS`` edits (0 replays the valid input)."""
    data = draw(st.sampled_from(seeds))
    for _ in range(draw(st.integers(0, MAX_EDITS))):
        data = draw(_edit(data))
    return data


def inputs(seeds: list[bytes]) -> st.SearchStrategy[bytes]:
    """Mutated seeds most of the time, and plain random bytes for the rest."""
    return st.one_of(mutated(seeds), st.binary(max_size=512))
