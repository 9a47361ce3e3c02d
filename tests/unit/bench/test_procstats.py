"""CPU and peak memory of watched processes (here: this test process itself)."""

from __future__ import annotations

import os
import subprocess
import sys
import time

import pytest

from govchain.bench.procstats import MACHINE, CpuMark, ProcessStats, cpu_percent, peak_rss_bytes


def _burn(seconds: float) -> None:
    deadline = time.process_time() + seconds
    while time.process_time() < deadline:
        sum(range(1000))


def test_cpu_percent_is_cpu_seconds_over_wall_seconds() -> None:
    before = CpuMark(10.0, {"a": 1.0, "b": 5.0})
    after = CpuMark(12.0, {"a": 2.0, "b": 9.0})
    assert cpu_percent(before, after) == {"a": 50.0, "b": 200.0}
    assert cpu_percent(after, after) == {"a": 0.0, "b": 0.0}


def test_this_process_shows_its_cpu_and_memory() -> None:
    with ProcessStats({"me": os.getpid()}, interval_s=0.05, machine=True) as stats:
        assert stats.names == ["me"]
        before = stats.mark()
        _burn(0.3)
        after = stats.mark()
        assert cpu_percent(before, after)["me"] > 10
        assert cpu_percent(before, after)[MACHINE] >= cpu_percent(before, after)["me"] * 0.8
        assert stats.cpu_percent_between(before.at, after.at)["me"] > 10
        assert stats.peak_rss_mb()["me"] > 1


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="VmHWM is Linux's")
def test_the_kernel_high_water_mark_is_read() -> None:
    peak = peak_rss_bytes(os.getpid())
    assert peak is not None
    assert peak > 1024 * 1024


def test_the_heap_peak_is_apart_from_mapped_files() -> None:
    """Issue 21: a node's RSS includes its store's mapped pages; the heap is reported too."""
    with ProcessStats({"me": os.getpid()}, interval_s=0.05) as stats:
        first = stats.peak_anon_mb()["me"]
        held = bytearray(64 * 1024 * 1024)  # 64 MiB of heap, touched
        held[::4096] = b"\x01" * len(held[::4096])
        grown = stats.peak_anon_mb()["me"]
        assert grown - first > 50
        assert grown <= stats.peak_rss_mb()["me"]
        del held


def test_a_process_that_is_gone_is_left_out() -> None:
    child = subprocess.run([sys.executable, "-c", "pass"], check=True)
    assert child.returncode == 0
    finished = subprocess.Popen([sys.executable, "-c", "pass"])
    finished.wait()
    with ProcessStats({"gone": finished.pid, "me": os.getpid()}) as stats:
        assert "me" in stats.names
        assert "gone" not in stats.names
        assert set(stats.peak_rss_mb()) == {"me"}
