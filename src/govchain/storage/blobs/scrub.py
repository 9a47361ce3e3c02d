"""Scrub: re-read every blob of a store and check its hash (F-A1, ``govchain storage scrub``).

A scrub finds the blobs a disk or an object store damaged since they were
written, before a reader asks for them: each is read through the store's
own ``get`` (which checks the hash) and counted as intact, corrupt (its
bytes no longer match its hash) or unreadable (gone since the listing, or
the store failed to read it). Nothing is changed: repairing a blob means
storing a good copy again, from another storage node.
"""

from __future__ import annotations

import enum
from collections.abc import Callable
from dataclasses import dataclass

from govchain.storage.blobs.base import (
    BlobCorruptError,
    BlobError,
    BlobStore,
)

__all__ = ["BlobHealth", "ScrubProgress", "ScrubReport", "blob_health", "scrub"]


class BlobHealth(enum.Enum):
    """What a scrub found for one blob."""

    OK = "ok"
    CORRUPT = "corrupt"
    UNREADABLE = "unreadable"


ScrubProgress = Callable[[bytes, BlobHealth], None]
"""Called once per blob checked, with its hash and what was found."""


@dataclass(frozen=True)
class ScrubReport:
    """The outcome of one scrub: counts, and the hashes of the blobs that failed."""

    ok: int
    corrupt: tuple[bytes, ...]
    unreadable: tuple[bytes, ...]

    @property
    def checked(self) -> int:
        """How many blobs were read."""
        return self.ok + len(self.corrupt) + len(self.unreadable)

    @property
    def clean(self) -> bool:
        """True when every blob read back intact."""
        return not self.corrupt and not self.unreadable

    def to_json(self) -> dict[str, object]:
        """The report as JSON-ready values (hashes as hex), for ``--json`` output."""
        return {
            "checked": self.checked,
            "ok": self.ok,
            "corrupt": [digest.hex() for digest in self.corrupt],
            "unreadable": [digest.hex() for digest in self.unreadable],
        }


def scrub(store: BlobStore, progress: ScrubProgress | None = None) -> ScrubReport:
    """Read every blob of ``store`` back, check its hash, and report what was found.

    Parameters: ``store``, any backend; ``progress``, called after each
    blob with its hash and :class:`BlobHealth`. A store that cannot even
    list its blobs raises its :class:`BlobError` (there is nothing to count).
    """
    ok = 0
    corrupt: list[bytes] = []
    unreadable: list[bytes] = []
    for digest in store.digests():
        health = blob_health(store, digest)
        if health is BlobHealth.OK:
            ok += 1
        elif health is BlobHealth.CORRUPT:
            corrupt.append(digest)
        else:
            unreadable.append(digest)
        if progress is not None:
            progress(digest, health)
    return ScrubReport(ok=ok, corrupt=tuple(corrupt), unreadable=tuple(unreadable))


def blob_health(store: BlobStore, digest: bytes) -> BlobHealth:
    """Read one blob back through ``store.get`` and say whether it is intact."""
    try:
        store.get(digest)
    except BlobCorruptError:
        return BlobHealth.CORRUPT
    except BlobError:
        return BlobHealth.UNREADABLE
    return BlobHealth.OK
