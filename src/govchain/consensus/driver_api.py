"""What the consensus driver is given and what it reports (spec: consensus.md, "The driver").

The node implements :class:`ConsensusApp` over its ledger and mempool; the
WAL, the clock and the settings are passed in, so tests can replace each.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from govchain.consensus.events import Step
from govchain.consensus.evidence import DuplicateVote
from govchain.consensus.wal import Wal
from govchain.types import Block, Commit, Tx, ValidatorSet

__all__ = [
    "DEFAULT_INBOX_SIZE",
    "ConsensusApp",
    "DriverConfig",
    "DriverStatus",
    "WalLog",
    "WalOpener",
    "open_wal",
    "system_clock_ms",
]

DEFAULT_INBOX_SIZE = 1024
"""Messages from peers the inbox holds; more are dropped (and counted)."""


class ConsensusApp(Protocol):
    """What the node gives the driver: its ledger and its source of txs.

    ``validate``, ``build`` and ``commit`` may run in a worker thread (the
    event loop goes on meanwhile); the driver never calls two methods at
    once, and calls every other method on the event loop's thread.
    """

    @property
    def height(self) -> int:
        """The latest committed height (0 before block 1)."""

    @property
    def last_block_time(self) -> int:
        """BFT time of the latest block, in Unix ms (genesis time before block 1)."""

    def validators(self, height: int) -> ValidatorSet:
        """The set that votes at ``height`` (known up to two heights past the latest)."""

    def validate(self, block: Block) -> bool:
        """Whether ``block`` validly extends the chain (``apply_block`` accepts it)."""

    def reap(self, height: int, allow_empty: bool) -> Sequence[Tx] | None:
        """The txs of our block for ``height``; None when there are none and not ``allow_empty``."""

    def build(self, height: int, txs: Sequence[Tx]) -> Block:
        """Our block for ``height`` holding ``txs`` (executed on the latest state)."""

    def commit(self, block: Block, commit: Commit) -> None:
        """Write the decided ``block`` with its commit certificate (durably)."""

    def committed(self, block: Block, commit: Commit) -> None:
        """After :meth:`commit`, on the loop: forget the block's txs, tell whoever listens."""

    def decided(self, height: int) -> tuple[Block, Commit] | None:
        """The committed block and commit of ``height``, if this node has them."""

    def report_evidence(self, evidence: DuplicateVote) -> None:
        """A validator equivocated: gossip the evidence and get it committed."""


class WalLog(Protocol):
    """The part of :class:`~govchain.consensus.wal.Wal` the driver uses."""

    def append(self, record: object) -> None:
        """Write ``record`` durably (fsync) or raise."""

    def reset(self, record: object) -> None:
        """Replace the log atomically with one holding only ``record``, or raise."""

    def close(self) -> None:
        """Release the log."""


WalOpener = Callable[[Path], tuple[WalLog, list[object]]]
"""Opens the WAL at a path; returns it with the records it replayed."""


def open_wal(path: Path) -> tuple[WalLog, list[object]]:
    """The default :data:`WalOpener`: :meth:`Wal.open`."""
    return Wal.open(path)


def system_clock_ms() -> int:
    """Wall-clock time in whole Unix milliseconds."""
    return time.time_ns() // 1_000_000


@dataclass(frozen=True)
class DriverConfig:
    """Settings of one driver.

    ``empty_block_after_ms``: when set, a proposer with no txs proposes an
    empty block after this delay (multi-validator networks). When None it
    waits for txs (``Driver.notify_txs``) however long that takes.

    ``block_interval_ms``: when set, a proposer builds its block no sooner than
    this after it committed the previous height, so txs arriving meanwhile
    share one block: every block costs each validator signatures, WAL and
    store syncs whatever its size. None builds at once (one validator).
    """

    wal_path: Path
    inbox_size: int = DEFAULT_INBOX_SIZE
    empty_block_after_ms: int | None = None
    block_interval_ms: int | None = None

    def __post_init__(self) -> None:
        if self.inbox_size < 1:
            raise ValueError(f"inbox_size must be at least 1, got {self.inbox_size}")
        for name in ("empty_block_after_ms", "block_interval_ms"):
            value = getattr(self, name)
            if value is not None and value < 0:
                raise ValueError(f"{name} must not be negative, got {value}")


@dataclass(frozen=True, slots=True)
class DriverStatus:
    """A read-only snapshot for logs and metrics."""

    height: int
    round: int
    step: Step
    running: bool
    holding_proposal: bool
    refused_messages: int
    dropped_messages: int
    timeouts_fired: int
