"""The mempool as compact proposals see it (``network.compact.ProposalTxs``)."""

from __future__ import annotations

from govchain.crypto import CryptoSuite
from govchain.ledger import records
from govchain.mempool import Mempool
from govchain.types import Block, Tx

__all__ = ["PoolTxs"]


class PoolTxs:
    """Hashes a block's txs, and finds a tx by hash among the pending ones."""

    def __init__(self, mempool: Mempool, suite: CryptoSuite) -> None:
        self._mempool = mempool
        self._suite = suite

    def hashes(self, block: Block) -> list[bytes]:
        """The tx hash (``records.tx_hash``) of each of ``block``'s txs, in order."""
        return [records.tx_hash(self._suite, tx) for tx in block.txs]

    def lookup(self, tx_hash: bytes) -> Tx | None:
        """The pending tx with that hash, or None."""
        return self._mempool.tx(tx_hash)
