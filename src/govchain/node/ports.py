"""Free loopback ports for local networks that tools lay out (tests, benchmarks, chaos runs).

The ports are taken below the kernel's ephemeral range (``ip_local_port_range``,
from which every outgoing connection gets its local port). A port inside that
range is safe only while its node listens: while a node restarts, any client's
connection may take the port as its local end, and the node then cannot bind
it ("Address already in use"). Below the range no connection takes it.
"""

from __future__ import annotations

import random
import socket
from pathlib import Path

__all__ = ["EPHEMERAL_RANGE_FILE", "ephemeral_range", "free_base_port", "is_free", "port_window"]

PORT_CEILING = 65000
LOWEST_PORT = 10000
"""The lowest port handed out: well above the ports of system services."""
HEADROOM = 100
"""Ports kept free after a base, for nodes added later (``net add-node`` takes the next)."""
EPHEMERAL_RANGE_FILE = Path("/proc/sys/net/ipv4/ip_local_port_range")
DEFAULT_EPHEMERAL_RANGE = (32768, 60999)
"""Linux's default, for systems that do not say theirs."""
_ATTEMPTS = 200


def ephemeral_range(source: Path = EPHEMERAL_RANGE_FILE) -> tuple[int, int]:
    """The first and last port of the kernel's ephemeral range (Linux's default if unknown)."""
    try:
        low, high = (int(part) for part in source.read_text().split())
    except (OSError, ValueError):
        return DEFAULT_EPHEMERAL_RANGE
    if not 0 < low <= high <= 65535:
        return DEFAULT_EPHEMERAL_RANGE
    return low, high


def port_window(count: int, ephemeral: tuple[int, int]) -> tuple[int, int] | None:
    """The bases (first, last) from which ``count`` ports and the headroom stay outside
    ``ephemeral``: below it where there is room, else above it; None if neither has room."""
    low, high = ephemeral
    span = count + HEADROOM
    if low - span > LOWEST_PORT:
        return LOWEST_PORT, low - span
    if high + 1 + span < PORT_CEILING:
        return high + 1, PORT_CEILING - span
    return None


def free_base_port(count: int, host: str = "127.0.0.1") -> int:
    """A base port with ``count`` free ports from it on, outside the ephemeral range when it
    leaves room (best effort on a shared machine: a random base, each port probed)."""
    window = port_window(count, ephemeral_range())
    chooser = random.SystemRandom()  # not consensus: any base will do, two runs should differ
    for _ in range(_ATTEMPTS):
        base = _any_port(host) if window is None else chooser.randint(*window)
        if base + count > PORT_CEILING:
            continue
        if all(is_free(base + i, host) for i in range(count)):
            return base
    raise OSError(f"no {count} free consecutive ports on {host}")


def _any_port(host: str) -> int:
    """A port the kernel calls free right now (from its ephemeral range)."""
    with socket.socket() as probe:
        probe.bind((host, 0))
        return int(probe.getsockname()[1])


def is_free(port: int, host: str = "127.0.0.1") -> bool:
    """Whether ``port`` can be bound on ``host`` right now."""
    with socket.socket() as probe:
        try:
            probe.bind((host, port))
        except OSError:
            return False
    return True
