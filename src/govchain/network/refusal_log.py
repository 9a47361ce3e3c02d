"""Refused inbound links, logged at a bounded rate: one line per address per interval.

Issue 13 item 3. Anyone who can reach the peer port can fail a handshake
as often as they like; a warning per failure would flood the log. The
first refusal from an address is logged at once; later ones within
``interval_s`` are only counted, and the next line after the interval says
how many were left out. The table of addresses is bounded (the least
recently refused goes first). Pure: the caller passes the time.
"""

from __future__ import annotations

from collections import OrderedDict

__all__ = ["RefusalLog"]


class RefusalLog:
    """Decides which refusals get a log line, per peer address (host)."""

    def __init__(self, interval_s: float, max_addresses: int) -> None:
        assert interval_s > 0, "interval_s"
        assert max_addresses >= 1, "max_addresses"
        self.interval_s = interval_s
        self.max_addresses = max_addresses
        self._seen: OrderedDict[str, tuple[float, int]] = OrderedDict()
        """address -> (when its last line was logged, refusals left out since)."""

    def __len__(self) -> int:
        return len(self._seen)

    def note(self, address: str, now_s: float) -> int | None:
        """Count a refusal from ``address``.

        Returns None when it is not to be logged; else the number of refusals
        from that address left out since its last line (0 for the first).
        """
        entry = self._seen.get(address)
        if entry is not None and now_s - entry[0] < self.interval_s:
            self._seen[address] = (entry[0], entry[1] + 1)
            self._seen.move_to_end(address)
            return None
        left_out = 0 if entry is None else entry[1]
        self._seen[address] = (now_s, 0)
        self._seen.move_to_end(address)
        while len(self._seen) > self.max_addresses:
            self._seen.popitem(last=False)
        return left_out
