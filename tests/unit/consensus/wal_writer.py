"""Child process for the WAL kill test: append records forever, print each index once durable.

Run as ``python -m tests.unit.consensus.wal_writer PATH``. Record ``i`` is
``{"i": i, "pad": <i % 7 * 1000 bytes>}`` so frames vary in size and some span
several pages. The index is printed (and flushed) only after ``append``
returns, so every printed index must survive ``kill -9``.
"""

from __future__ import annotations

import sys
from pathlib import Path

from govchain.consensus.wal import Wal


def record(index: int) -> dict[str, object]:
    """The record the writer appends as number ``index``."""
    return {"i": index, "pad": bytes([index % 251]) * (index % 7 * 1000)}


def main(path: Path) -> None:
    """Append records to a fresh WAL at ``path`` until killed."""
    wal, replayed = Wal.open(path)
    assert not replayed, "the kill test expects a fresh WAL"
    print("ready", flush=True)
    index = 0
    while True:
        wal.append(record(index))
        print(index, flush=True)
        index += 1


if __name__ == "__main__":
    main(Path(sys.argv[1]))
