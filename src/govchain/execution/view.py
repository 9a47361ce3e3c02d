"""What ``apply_block`` may read of the chain so far (a read-only view)."""

from __future__ import annotations

from typing import Protocol

from govchain.crypto import CryptoSuite
from govchain.ledger.results import BlockResult
from govchain.ledger.statetree import NodeReader
from govchain.types import Genesis, ValidatorSet

__all__ = ["BlockResult", "LedgerView"]


class LedgerView(Protocol):
    """The chain after its latest block, as ``apply_block`` needs it."""

    @property
    def suite(self) -> CryptoSuite:
        """The chain's crypto suite."""
        ...

    @property
    def genesis(self) -> Genesis:
        """The genesis document."""
        ...

    @property
    def height(self) -> int:
        """The latest committed height (0 before block 1)."""
        ...

    @property
    def last_block_hash(self) -> bytes:
        """Hash of the latest block (``b""`` before block 1)."""
        ...

    @property
    def last_time(self) -> int:
        """BFT time of the latest block (genesis time before block 1)."""
        ...

    @property
    def state(self) -> NodeReader:
        """State tree nodes and root records."""
        ...

    def validators(self, height: int) -> ValidatorSet:
        """The validator set that votes on blocks at ``height``."""
        ...

    def history_root(self, size: int) -> bytes:
        """History log root over the first ``size`` block hashes."""
        ...

    def tx_location(self, tx_hash: bytes) -> tuple[int, int] | None:
        """(height, index) of a committed tx, or None."""
        ...
