"""A long-lived command can be stopped cleanly as soon as its start line is out.

The CI run of 2026-12-07 caught `govchain supervise` killed by a SIGTERM sent
right after its "supervising chain" line: the line was printed before the
handlers were installed, so the signal's default action ended it (-15).
"""

from __future__ import annotations

import asyncio
import os
import signal

import pytest

from govchain.cli.until_signalled import STOP_SIGNALS, until_signalled


@pytest.mark.parametrize("sig", STOP_SIGNALS, ids=lambda s: signal.Signals(s).name)
def test_a_signal_sent_at_the_start_line_stops_the_work_cleanly(sig: int) -> None:
    order: list[str] = []

    def announce() -> None:
        order.append("announced")
        os.kill(os.getpid(), sig)  # what a test or an operator does on reading the line

    async def work(stop: asyncio.Event) -> None:
        order.append("working")
        await asyncio.wait_for(stop.wait(), timeout=10)
        order.append("stopped")

    asyncio.run(until_signalled(work, announce))
    assert order == ["announced", "working", "stopped"]


def test_work_that_ends_on_its_own_needs_no_signal() -> None:
    async def work(stop: asyncio.Event) -> None:
        assert not stop.is_set()

    asyncio.run(until_signalled(work, lambda: None))
