"""Inbound connections before any TLS work: a cap on how many are open, and bounded logs.

Issue 13 item 3. Every accepted TCP connection costs a TLS handshake; a
node that accepted any number of them could be kept busy by anyone who
can reach its peer port. :class:`InboundGate` counts the inbound
connections that are open (handshaking or linked) and turns away the
ones over ``NetworkConfig.max_inbound`` at once, before the handshake.
Refusals are logged through a :class:`RefusalLog`: one line per peer
address and kind of refusal (over the cap, a failed TLS handshake, a
failed identification) per interval, with the count of those left out, so
a flood costs at most three lines a minute per address and a different
reason still shows. The network logs its refused redials of a configured
peer (kind ``dial``, keyed by the peer's name) the same way. Every refusal
is also told to ``on_refused`` (the node's security events: a counter for
each, a security log line for each logged one).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable

from govchain.network.config import NetworkConfig
from govchain.network.refusal_log import RefusalLog

__all__ = ["InboundGate", "OnRefused"]

logger = logging.getLogger("govchain.network")

OnRefused = Callable[[str, str, int | None], None]
"""Told of each refusal: its kind, the host (or peer name), and the count of refusals left out
of the log since the last line of that kind and host (None: this one is left out too)."""


class InboundGate:
    """Admission of inbound connections for one node's network."""

    def __init__(
        self,
        name: str,
        config: NetworkConfig,
        clock: Callable[[], float] = time.monotonic,
        on_refused: OnRefused | None = None,
    ) -> None:
        self.name = name
        self.max_inbound = config.max_inbound
        self.open = 0
        """Inbound connections open now (handshaking or linked)."""
        self.turned_away = 0
        """Connections closed on accept because ``open`` was at the cap."""
        self._log = RefusalLog(config.refusal_log_interval_s, config.refusal_log_keys)
        self._clock = clock
        self._on_refused = on_refused

    def enter(self, host: str) -> bool:
        """Count a new inbound connection from ``host``; False (close it now) if over the cap."""
        if self.open >= self.max_inbound:
            self.turned_away += 1
            reason = f"already {self.open} inbound connections (p2p.max_inbound)"
            self.refused("cap", host, host, reason)
            return False
        self.open += 1
        return True

    def leave(self) -> None:
        """An inbound connection counted by :meth:`enter` has closed."""
        assert self.open > 0, "leave() without enter()"
        self.open -= 1

    def refused(self, kind: str, host: str, where: str, reason: str) -> None:
        """Log a refused inbound connection: one line per ``kind`` and ``host`` per interval."""
        left_out = self._log.note(f"{kind} {host}", self._clock())
        if self._on_refused is not None:
            self._on_refused(kind, host, left_out)
        if left_out is None:
            return
        interval = f"{self._log.interval_s:g} s"
        more = f" ({left_out} more like it from {host} in the last {interval})" if left_out else ""
        logger.warning("%s refused the peer at %s: %s%s", self.name, where, reason, more)
