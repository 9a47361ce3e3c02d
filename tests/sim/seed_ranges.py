"""The seed ranges of the simulator's tests, cut into chunks that xdist spreads over workers.

`make test` runs the suite on several pytest-xdist workers (tests/conftest.py). One
test of 300 seeds would keep one worker busy for minutes while the others finish;
chunks of a few dozen seeds run side by side instead. Every chunk checks every
claim the whole range checks (no failure, each fault and behaviour seen, more than
five heights a seed), so the chunks together check more than the range did.

Inside an xdist worker a chunk runs its seeds in that one process (the workers
already fill the cores); run alone, it uses up to two processes as before.
"""

from __future__ import annotations

import os

import pytest

__all__ = ["JOBS", "chunked"]

JOBS = 1 if os.environ.get("PYTEST_XDIST_WORKER") else min(2, os.cpu_count() or 1)
"""Processes per ``run_seeds`` call: one inside an xdist worker, else up to two."""


def chunked(validators: int, seeds: range, size: int) -> list[object]:
    """``pytest.param(validators, chunk)`` for each ``size`` seeds of ``seeds``, in order,
    with an id naming the size and the seeds (``n4-0..49``)."""
    assert size > 0, "a chunk holds at least one seed"
    assert seeds.step == 1, "chunks of consecutive seeds"
    params: list[object] = []
    for first in range(seeds.start, seeds.stop, size):
        chunk = range(first, min(first + size, seeds.stop))
        params.append(pytest.param(validators, chunk, id=f"n{validators}-{chunk[0]}..{chunk[-1]}"))
    return params
