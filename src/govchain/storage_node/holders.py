"""The holders each blob was uploaded for, kept beside the blob store (docs/spec/assets.md).

One small file per blob, ``holders/<hash hex>``: the holder addresses (hex),
one a line, in upload order, each written through a synced temporary file
and a rename. A blob's reads are decided by the chain record that names it,
not by this list; the list tells an operator whose blob it is (scrub, an
audit) without asking the chain. Addresses are pseudonymous account
addresses, as on chain: no personal data.
"""

from __future__ import annotations

import threading
from pathlib import Path

from govchain.crypto.keyfiles import write_file_atomic
from govchain.types.validators import ADDRESS_SIZE

__all__ = ["HOLDERS_DIR", "HOLDERS_PER_BLOB_MAX", "HolderIndex"]

HOLDERS_DIR = "holders"
HOLDERS_PER_BLOB_MAX = 64
"""Holders listed for one blob; uploads for more holders still store the blob, unlisted."""


class HolderIndex:
    """``directory/<hash hex>`` lists the holders blob ``hash`` was uploaded for. Thread-safe."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self._lock = threading.Lock()

    def add(self, digest: bytes, holder: bytes) -> bool:
        """List ``holder`` for blob ``digest``; False when listed already or the list is full."""
        assert len(holder) == ADDRESS_SIZE, "holder address"
        with self._lock:
            listed = self.holders(digest)
            if holder in listed or len(listed) >= HOLDERS_PER_BLOB_MAX:
                return False
            lines = "".join(f"{h.hex()}\n" for h in (*listed, holder))
            write_file_atomic(self._path(digest), lines.encode("ascii"), 0o644)
            return True

    def holders(self, digest: bytes) -> tuple[bytes, ...]:
        """The holders listed for blob ``digest``, in upload order (none when it has no file)."""
        try:
            text = self._path(digest).read_text(encoding="ascii")
        except FileNotFoundError:
            return ()
        found = []
        for line in text.splitlines()[:HOLDERS_PER_BLOB_MAX]:
            try:
                address = bytes.fromhex(line.strip())
            except ValueError:
                continue  # a damaged line names no one
            if len(address) == ADDRESS_SIZE:
                found.append(address)
        return tuple(found)

    def _path(self, digest: bytes) -> Path:
        return self.directory / digest.hex()
