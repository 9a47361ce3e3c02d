"""What applying a block produces, for the chain store to write."""

from __future__ import annotations

from dataclasses import dataclass

from govchain.ledger.statetree import TreeUpdate
from govchain.types import Event, Receipt


@dataclass(frozen=True, slots=True)
class BlockResult:
    """Everything the chain store writes for a block, computed without writing."""

    block_hash: bytes
    tx_hashes: tuple[bytes, ...]
    receipts: tuple[Receipt, ...]
    state: TreeUpdate
    encoded_txs: tuple[bytes, ...]
    """Each tx's canonical bytes, made once while checking ``tx_root``."""
    encoded_receipts: tuple[bytes, ...]
    """Each receipt's canonical bytes, made once while checking ``receipts_root``."""
    validator_set: bytes | None = None
    """The encoded set that votes from ``height + 2`` when this block changed it."""

    @property
    def events(self) -> tuple[Event, ...]:
        """All events of the block, in tx order."""
        return tuple(event for receipt in self.receipts for event in receipt.events)
