"""What the HTTP API needs of a node: the ``NodeService`` protocol (F-F1).

The API is built against this protocol, not against the node, so the node can
be wired in later by the composition root and tests can use a fake. Only plain
typed values cross it: bytes, ints, frozen dataclasses and JSON-ready dicts
whose shapes are fixed by ``govchain.api.schemas``. No FastAPI types.

The API calls every method on the event loop thread, so an implementation
must answer quickly (the mempool and ledger cores are pure and synchronous)
and must not block on I/O.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass
from typing import Any, Literal, Protocol, get_args

from prometheus_client import CollectorRegistry

from govchain.types.errors import GovChainError, ValidationError

__all__ = [
    "TX_STATUSES",
    "NodeService",
    "NotReadyError",
    "TxStatus",
    "TxStatusName",
]

TxStatusName = Literal["pending", "committed", "failed", "unknown"]
"""Where a tx is: in the mempool, in a block (success or failure), or unseen."""

TX_STATUSES: tuple[str, ...] = get_args(TxStatusName)

_WITH_RECEIPT = frozenset({"committed", "failed"})


class NotReadyError(GovChainError):
    """The node cannot serve the request yet (starting, or catching up)."""

    code = "not_ready"


@dataclass(frozen=True, slots=True)
class TxStatus:
    """Where a tx is, and for a tx in a block its receipt bundle.

    - ``status``: one of :data:`TX_STATUSES`.
    - ``receipt``: the JSON object of the ``govchain/tx-receipt/v1`` file
      (``TxReceiptBundle.to_json()``) when the tx is committed or failed,
      which a client verifies offline; ``None`` otherwise.
    """

    status: TxStatusName
    receipt: dict[str, Any] | None = None

    def validate(self) -> None:
        """Raise ValidationError if the status is unknown or the receipt is (not) there."""
        if self.status not in TX_STATUSES:
            raise ValidationError(f"tx_status.status: {self.status!r} is not one of {TX_STATUSES}")
        if (self.receipt is not None) != (self.status in _WITH_RECEIPT):
            raise ValidationError(
                "tx_status.receipt: required when committed or failed, absent otherwise"
            )


class NodeService(Protocol):
    """The node as the API sees it.

    Errors a client can cause are raised as ``GovChainError`` subclasses with
    a stable ``code`` (``govchain.api.errors`` maps codes to HTTP statuses).
    Anything else raised is answered as a 500 with code ``internal``.
    """

    @property
    def metrics_registry(self) -> CollectorRegistry:
        """The registry ``/metrics`` exposes (``NodeMetrics`` lives in it)."""
        ...

    def submit_tx(self, raw: bytes) -> bytes:
        """Admit the canonical-CBOR signed tx ``raw`` to the mempool; return its hash.

        Raises a ``GovChainError`` with the mempool's code on refusal:
        ``malformed_tx``, ``tx_too_large``, ``wrong_chain``, ``tx_expired``,
        ``expiry_too_far``, ``unsupported_sender``, ``tx_replayed``,
        ``bad_signature`` or ``mempool_full``.
        """
        ...

    def submit_txs(self, raws: Sequence[bytes]) -> list[bytes | GovChainError]:
        """Admit many txs at once (their signatures checked together on every core).

        The result for each, in order, is its hash or the error that refused it
        (the codes of :meth:`submit_tx`); a refusal never affects the others.
        """
        ...

    def tx_status(self, tx_hash: bytes) -> TxStatus:
        """Where the tx ``tx_hash`` is; ``unknown`` if the node has not seen it."""
        ...

    def latest_height(self) -> int:
        """Height of the latest committed block; 0 before the first block."""
        ...

    def block(self, height: int) -> dict[str, Any] | None:
        """The committed block at ``height`` as JSON (``schemas.BlockResponse``); None if absent."""
        ...

    def notary_lookup(self, digest: bytes) -> list[dict[str, Any]]:
        """Every anchoring of a document digest, in order, each with its receipt bundle.

        Each item has the shape of ``schemas.Anchoring``; an empty list if the
        digest was never anchored.
        """
        ...

    def status(self) -> dict[str, Any]:
        """The node's status (``schemas.NodeStatus``): id, role, height, roots, peers."""
        ...

    def subscribe(self) -> AsyncIterator[dict[str, Any]]:
        """New blocks and tx results as they commit, each a dict with a ``"type"``.

        The API closes the iterator (``aclose()`` when it has one) as soon as
        the client goes away, so the node can drop the subscriber's queue.
        """
        ...
