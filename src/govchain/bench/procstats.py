"""CPU time and peak memory of named processes (nodes, load clients), and the machine they share.

CPU is read as user + system seconds at two marks and turned into percent of
one core over the wall time between them; a background sampler keeps marks,
so the CPU of any past window (a benchmark step) can be asked for afterwards.
The peak resident set is the kernel's high-water mark (``VmHWM`` in
``/proc/<pid>/status``) where there is one, which catches peaks between
samples; elsewhere it is the largest RSS the sampler saw. Beside it, where
the kernel tells it (``RssAnon``), the largest *anonymous* resident memory
the sampler saw: the process's own heap, without the file pages it maps
(a node's LMDB store is a mapped file, so its RSS grows with the chain).
"""

from __future__ import annotations

import contextlib
import os
import platform
import threading
import time
from collections import deque
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import psutil  # type: ignore[import-untyped]  # psutil 7.2.2 ships no type hints

__all__ = [
    "MACHINE",
    "NOISY_SHARE",
    "CpuMark",
    "ProcessStats",
    "anon_rss_bytes",
    "cpu_percent",
    "machine",
    "machine_busy_s",
    "peak_rss_bytes",
    "usable_cores",
]

MACHINE = "machine"
"""The name under which marks also carry the busy CPU seconds of the whole machine."""

SAMPLE_INTERVAL_S = 0.25
NOISY_SHARE = 0.10
"""A run where processes other than the benchmark's own took more than this part of the
machine is marked noisy: its figures are not used for the tables (issue 21)."""
MARKS_KEPT = 20_000
_MIB = 1024 * 1024


@dataclass(frozen=True)
class CpuMark:
    """CPU seconds used so far by each named process, at one moment."""

    at: float
    """``time.monotonic()`` when read."""
    cpu_s: Mapping[str, float]


def cpu_percent(before: CpuMark, after: CpuMark) -> dict[str, float]:
    """Percent of one core each process used between two marks (200.0: two cores busy)."""
    wall_s = after.at - before.at
    if wall_s <= 0:
        return dict.fromkeys(after.cpu_s, 0.0)
    return {
        name: round(100 * max(0.0, used - before.cpu_s.get(name, used)) / wall_s, 1)
        for name, used in after.cpu_s.items()
    }


def peak_rss_bytes(pid: int) -> int | None:
    """The kernel's peak resident set of ``pid`` (VmHWM), or None where there is none."""
    return _status_bytes(pid, "VmHWM:")


def anon_rss_bytes(pid: int) -> int | None:
    """The anonymous resident memory of ``pid`` now (RssAnon), or None where there is none."""
    return _status_bytes(pid, "RssAnon:")


def _status_bytes(pid: int, field: str) -> int | None:
    """A ``kB`` field of ``/proc/<pid>/status`` in bytes, or None."""
    try:
        status = Path(f"/proc/{pid}/status").read_text(encoding="ascii", errors="replace")
    except OSError:
        return None
    for line in status.splitlines():
        if line.startswith(field):
            return int(line.split()[1]) * 1024
    return None


def machine_busy_s() -> float:
    """CPU seconds every core of the machine spent running anything (not idle, not stolen)."""
    times = psutil.cpu_times()
    parts = ("user", "nice", "system", "irq", "softirq")
    return float(sum(getattr(times, part, 0.0) for part in parts))


class ProcessStats:
    """Watch named processes from now on; ``close()`` stops the background sampler."""

    def __init__(
        self,
        pids: Mapping[str, int],
        interval_s: float = SAMPLE_INTERVAL_S,
        *,
        machine: bool = False,
    ) -> None:
        """Watch ``pids`` by name; with ``machine`` marks also carry the whole machine's CPU."""
        self._machine = machine
        self._processes: dict[str, psutil.Process] = {}
        for name, pid in pids.items():
            try:
                self._processes[name] = psutil.Process(pid)
            except psutil.Error:
                continue  # already gone: it reports nothing
        self._last_cpu: dict[str, float] = {}
        self._marks: deque[CpuMark] = deque(maxlen=MARKS_KEPT)
        self._peak: dict[str, int] = dict.fromkeys(self._processes, 0)
        self._peak_anon: dict[str, int] = {}
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._sampler = threading.Thread(
            target=self._sample_until_closed, args=(interval_s,), daemon=True
        )
        self._sample()
        self._sampler.start()

    @property
    def names(self) -> list[str]:
        """The processes watched."""
        return list(self._processes)

    def mark(self) -> CpuMark:
        """CPU seconds used so far (a process that has exited keeps its last reading)."""
        with self._lock:
            for name, process in self._processes.items():
                try:
                    times = process.cpu_times()
                except psutil.Error:
                    continue
                self._last_cpu[name] = times.user + times.system
            if self._machine:
                self._last_cpu[MACHINE] = machine_busy_s()
            mark = CpuMark(time.monotonic(), dict(self._last_cpu))
            self._marks.append(mark)
            return mark

    def cpu_percent_between(self, start: float, end: float) -> dict[str, float]:
        """Percent of one core each process used from ``start`` to ``end`` (monotonic times).

        Measured between the first and the last sampler mark inside the window;
        a window too short to hold two marks is widened to the marks around it.
        """
        now = self.mark()
        with self._lock:
            marks = list(self._marks)
        inside = [m for m in marks if start <= m.at <= end]
        if len(inside) >= 2:
            return cpu_percent(inside[0], inside[-1])
        before = [m for m in marks if m.at <= start]
        after = [m for m in marks if m.at >= end]
        return cpu_percent(before[-1] if before else marks[0], after[0] if after else now)

    def peak_rss_mb(self) -> dict[str, float]:
        """Peak resident memory of each process so far, in MiB."""
        self._sample()
        with self._lock:
            return {name: round(peak / _MIB, 1) for name, peak in self._peak.items()}

    def peak_anon_mb(self) -> dict[str, float]:
        """Peak anonymous resident memory of each process so far, in MiB (where the kernel
        tells it: Linux)."""
        self._sample()
        with self._lock:
            return {name: round(peak / _MIB, 1) for name, peak in self._peak_anon.items()}

    def close(self) -> None:
        """Stop sampling."""
        self._stop.set()
        self._sampler.join(timeout=5)

    def __enter__(self) -> ProcessStats:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def _sample(self) -> None:
        self.mark()
        for name, process in self._processes.items():
            try:
                rss = process.memory_info().rss
            except psutil.Error:
                continue
            peak = max(rss, peak_rss_bytes(process.pid) or 0)
            anon = anon_rss_bytes(process.pid)
            with self._lock:
                self._peak[name] = max(self._peak[name], peak)
                if anon is not None:
                    self._peak_anon[name] = max(self._peak_anon.get(name, 0), anon)

    def _sample_until_closed(self, interval_s: float) -> None:
        while not self._stop.wait(interval_s):
            self._sample()


def usable_cores() -> int:
    """Cores this process may run on."""
    if hasattr(os, "sched_getaffinity"):
        return max(1, len(os.sched_getaffinity(0)))
    return max(1, os.cpu_count() or 1)


def machine() -> dict[str, Any]:
    """What the figures were measured on."""
    model = ""
    with contextlib.suppress(OSError):  # no /proc (not Linux): the model stays unnamed
        for line in Path("/proc/cpuinfo").read_text(encoding="utf-8").splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    load = os.getloadavg() if hasattr(os, "getloadavg") else (0.0, 0.0, 0.0)
    return {
        "cores": usable_cores(),
        "cpu": model or platform.processor(),
        "python": platform.python_version(),
        "platform": platform.platform(),
        "load_average_at_start": [round(x, 2) for x in load],
    }
