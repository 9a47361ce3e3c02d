"""The API's settings that a node's configuration checks: rate limits (N-5), storage nodes.

Apart from the routes and the limiter that use them, so that reading a
node's configuration (every ``govchain net`` and ``storage`` command does)
does not import the web framework they run in.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["STORAGE_NODES_MAX", "RateLimits"]

STORAGE_NODES_MAX = 64
"""The most storage nodes a chain node lists (its ``[storage]`` table holds at most these)."""


@dataclass(frozen=True)
class RateLimits:
    """``[api.rate_limit]`` of config.toml; a rate of 0 turns that limit off."""

    reads_per_s: int = 100
    """Read tokens per second per client address: a read costs 1, plus 1 per ms of work."""
    submissions_per_s: int = 100
    """Txs submitted per second per client address, and per account."""
    burst_s: int = 2
    """A client may spend this many seconds' worth of its rate at once (the bucket size)."""
    max_clients: int = 10_000
    """Client addresses (and accounts) remembered per bucket table; the oldest go first."""

    def problems(self) -> list[str]:
        """What is wrong with these limits, one line each (empty: nothing)."""
        found = []
        for name in ("reads_per_s", "submissions_per_s", "burst_s", "max_clients"):
            value = getattr(self, name)
            if type(value) is not int or not 0 <= value <= 10**9:
                found.append(
                    f"api.rate_limit.{name}: expected a whole number from 0 to {10**9}, "
                    f"got {value!r}"
                )
        if type(self.burst_s) is int and self.burst_s < 1:
            found.append("api.rate_limit.burst_s: at least 1")
        if type(self.max_clients) is int and self.max_clients < 1:
            found.append("api.rate_limit.max_clients: at least 1")
        return found
