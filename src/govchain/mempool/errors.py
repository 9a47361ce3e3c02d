"""Why the mempool refuses a transaction: one typed error per rule, each with a stable code.

The API returns ``code`` to the client as is, so a code never changes once
published. Every refusal is an operating error (something a client or a peer
caused), never a crash.
"""

from __future__ import annotations

from govchain.types.errors import GovChainError

__all__ = [
    "BadSignatureError",
    "ExpiryTooFarError",
    "MalformedTxError",
    "MempoolError",
    "MempoolFullError",
    "PermissionDeniedError",
    "TxExpiredError",
    "TxReplayedError",
    "TxTooLargeError",
    "UnsupportedSenderError",
    "WrongChainError",
]


class MempoolError(GovChainError):
    """Root of the mempool's refusals; the tx was not admitted and nothing changed."""

    code = "mempool_error"


class MalformedTxError(MempoolError):
    """The bytes are not strict canonical CBOR, or not a valid tx record."""

    code = "malformed_tx"


class TxTooLargeError(MempoolError):
    """The encoded tx is larger than the pool's per-tx limit."""

    code = "tx_too_large"


class WrongChainError(MempoolError):
    """The tx names another chain id than this node's."""

    code = "wrong_chain"


class TxExpiredError(MempoolError):
    """The tx's expiry is below the next height, so no block may include it."""

    code = "tx_expired"


class ExpiryTooFarError(MempoolError):
    """The tx's expiry is beyond the horizon the node remembers tx hashes for (F-A7)."""

    code = "expiry_too_far"


class UnsupportedSenderError(MempoolError):
    """The sender is named by a certificate this chain cannot check (unknown, or no registry)."""

    code = "unsupported_sender"


class TxReplayedError(MempoolError):
    """The same tx (same hash) is already pending, or was already committed (F-A7)."""

    code = "tx_replayed"


class BadSignatureError(MempoolError):
    """The signature does not verify against the sender's public key."""

    code = "bad_signature"


class MempoolFullError(MempoolError):
    """The pool holds as many txs, or as many bytes, as its limits allow."""

    code = "mempool_full"


class PermissionDeniedError(MempoolError):
    """The sender may not send this tx type (the registry's permission check, latest state)."""

    code = "permission_denied"
