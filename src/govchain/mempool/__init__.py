"""The bounded transaction pool: admission checks, the replay window and the signature cache.

Requirements F-A7 (replay protection: nonce and expiry, hashes remembered
until expiry) and F-A3 (bounded intake). :class:`Mempool` is pure and runs on
the node's event-loop thread; every refusal is a :class:`MempoolError` with a
stable ``code`` the API returns.
"""

from govchain.mempool.errors import (
    BadSignatureError,
    ExpiryTooFarError,
    MalformedTxError,
    MempoolError,
    MempoolFullError,
    PermissionDeniedError,
    TxExpiredError,
    TxReplayedError,
    TxTooLargeError,
    UnsupportedSenderError,
    WrongChainError,
)
from govchain.mempool.limits import (
    DEFAULT_MAX_BYTES,
    DEFAULT_MAX_TX_BYTES,
    DEFAULT_MAX_TXS,
    MAX_EXPIRY_HORIZON,
    MempoolLimits,
)
from govchain.mempool.pool import Mempool, TxStatus

__all__ = [
    "DEFAULT_MAX_BYTES",
    "DEFAULT_MAX_TXS",
    "DEFAULT_MAX_TX_BYTES",
    "MAX_EXPIRY_HORIZON",
    "BadSignatureError",
    "ExpiryTooFarError",
    "MalformedTxError",
    "Mempool",
    "MempoolError",
    "MempoolFullError",
    "MempoolLimits",
    "PermissionDeniedError",
    "TxExpiredError",
    "TxReplayedError",
    "TxStatus",
    "TxTooLargeError",
    "UnsupportedSenderError",
    "WrongChainError",
]
