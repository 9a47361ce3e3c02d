"""Refused inbound links, logged at a bounded rate: one line per key per interval.

Issue 13 item 3. Anyone who can reach the peer port can fail a handshake
as often as they like; a warning per failure would flood the log. The
first refusal under a key (a peer address and the kind of refusal) is
logged at once; later ones within ``interval_s`` are only counted, and the
next line after the interval says how many were left out. The table of
keys is bounded (the least recently refused goes first). Pure: the caller
passes the time.
"""

from __future__ import annotations

from collections import OrderedDict

__all__ = ["RefusalLog"]


class RefusalLog:
    """Decides which refusals get a log line, per key (e.g. the kind and the peer's host)."""

    def __init__(self, interval_s: float, max_keys: int) -> None:
        assert interval_s > 0, "interval_s"
        assert max_keys >= 1, "max_keys"
        self.interval_s = interval_s
        self.max_keys = max_keys
        self._seen: OrderedDict[str, tuple[float, int]] = OrderedDict()
        """key -> (when its last line was logged, refusals left out since)."""

    def __len__(self) -> int:
        return len(self._seen)

    def note(self, key: str, now_s: float) -> int | None:
        """Count a refusal under ``key``.

        Returns None when it is not to be logged; else the number of refusals
        under that key left out since its last line (0 for the first).
        """
        entry = self._seen.get(key)
        if entry is not None and now_s - entry[0] < self.interval_s:
            self._seen[key] = (entry[0], entry[1] + 1)
            self._seen.move_to_end(key)
            return None
        left_out = 0 if entry is None else entry[1]
        self._seen[key] = (now_s, 0)
        self._seen.move_to_end(key)
        while len(self._seen) > self.max_keys:
            self._seen.popitem(last=False)
        return left_out
