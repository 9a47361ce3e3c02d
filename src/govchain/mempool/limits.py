"""The mempool's limits: named defaults, set from the node's config, checked when built."""

from __future__ import annotations

from dataclasses import dataclass

from govchain.ledger.records import TX_LIMITS

__all__ = [
    "DEFAULT_MAX_BYTES",
    "DEFAULT_MAX_TXS",
    "DEFAULT_MAX_TX_BYTES",
    "MAX_EXPIRY_HORIZON",
    "MempoolLimits",
]

DEFAULT_MAX_TXS = 10_000
"""Pending txs a pool holds before it refuses more."""
DEFAULT_MAX_BYTES = 64 * 1024 * 1024
"""Encoded bytes of all pending txs a pool holds before it refuses more (64 MiB)."""
DEFAULT_MAX_TX_BYTES = TX_LIMITS.max_bytes
"""Largest encoded tx admitted (64 KiB); the tx decoder refuses anything larger anyway."""
MAX_EXPIRY_HORIZON = 10_000
"""How far above the next height a tx's expiry may be, in heights.

Nodes remember a committed tx's hash until its expiry passes (F-A7), so this
bounds that memory: at most this many heights of committed txs.
"""


@dataclass(frozen=True, slots=True)
class MempoolLimits:
    """Every bound of one pool; ``ValueError`` names the first one that is out of range."""

    max_txs: int = DEFAULT_MAX_TXS
    max_bytes: int = DEFAULT_MAX_BYTES
    max_tx_bytes: int = DEFAULT_MAX_TX_BYTES
    expiry_horizon: int = MAX_EXPIRY_HORIZON

    def __post_init__(self) -> None:
        for name in ("max_txs", "max_bytes", "max_tx_bytes", "expiry_horizon"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise ValueError(f"mempool {name} must be a positive integer, got {value!r}")
        if self.max_tx_bytes > TX_LIMITS.max_bytes:
            raise ValueError(
                f"mempool max_tx_bytes {self.max_tx_bytes} is over the tx decoder's limit "
                f"of {TX_LIMITS.max_bytes} bytes"
            )
        if self.max_tx_bytes > self.max_bytes:
            raise ValueError(
                f"mempool max_tx_bytes {self.max_tx_bytes} is over max_bytes {self.max_bytes}, "
                "so no tx of the largest size could ever be admitted"
            )
