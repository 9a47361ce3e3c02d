"""``RecentHeaders``: decoded headers of recent blocks, so reading one does not decode its block.

Admission asks for the latest block's time once per batch and block
checks once per block; decoding the stored block for it built every tx
(about 15 µs each). An entry is keyed by height *and* block hash, so it
answers only a read whose snapshot holds exactly that block.
"""

from __future__ import annotations

import threading
from collections import OrderedDict

from govchain.types import Header

DEFAULT_MAX_HEADERS = 64


class RecentHeaders:
    """A bounded map (height, block hash) -> Header, oldest dropped first; thread-safe."""

    def __init__(self, max_entries: int = DEFAULT_MAX_HEADERS) -> None:
        if max_entries < 1:
            raise ValueError("max_entries must be at least 1")
        self.max_entries = max_entries
        self._headers: OrderedDict[tuple[int, bytes], Header] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, height: int, block_hash: bytes) -> Header | None:
        """The header of the block ``block_hash`` at ``height``, if it was read before."""
        return self._headers.get((height, block_hash))

    def put(self, height: int, block_hash: bytes, header: Header) -> None:
        """Remember the decoded header of the block ``block_hash`` at ``height``."""
        with self._lock:
            self._headers[(height, block_hash)] = header
            while len(self._headers) > self.max_entries:
                self._headers.popitem(last=False)

    def __len__(self) -> int:
        return len(self._headers)
