"""Free loopback ports for local networks that tools lay out (tests, benchmarks, chaos runs)."""

from __future__ import annotations

import socket

PORT_CEILING = 65000


def free_base_port(count: int, host: str = "127.0.0.1") -> int:
    """A base port with ``count`` free ports from it on (best effort on a shared machine)."""
    for _ in range(200):
        with socket.socket() as probe:
            probe.bind((host, 0))
            base = int(probe.getsockname()[1])
        if base + count > PORT_CEILING:
            continue
        if all(is_free(base + i, host) for i in range(count)):
            return base
    raise OSError(f"no {count} free consecutive ports on {host}")


def is_free(port: int, host: str = "127.0.0.1") -> bool:
    """Whether ``port`` can be bound on ``host`` right now."""
    with socket.socket() as probe:
        try:
            probe.bind((host, port))
        except OSError:
            return False
    return True
