"""What the HTTP API needs of a node: the ``NodeService`` protocol (F-F1).

The API is built against this protocol, not against the node, so the node can
be wired in later by the composition root and tests can use a fake. Only plain
typed values cross it: bytes, ints, frozen dataclasses and JSON-ready dicts
whose shapes are fixed by ``govchain.api.schemas``. No FastAPI types.

Routes run on the node's one event loop, which consensus and the peers share.
So everything that costs more than a few dictionary lookups is awaited: a
read runs ``fn(reader, *args)`` on a chain snapshot in a worker thread
(:meth:`NodeService.read`, the one generic proving read every service uses),
and submissions have their decoding and signature checks done off the loop.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Sequence
from dataclasses import dataclass
from typing import Any, Literal, Protocol, TypeVar, TypeVarTuple, get_args

from prometheus_client import CollectorRegistry

from govchain.contracts.proving_reader import ProvingReader
from govchain.crypto import CryptoSuite
from govchain.types.errors import GovChainError, ValidationError

__all__ = [
    "TX_STATUSES",
    "BusyError",
    "EventSubscription",
    "NodeService",
    "NotFoundError",
    "NotReadyError",
    "TooManyStreamsError",
    "TxStatus",
    "TxStatusName",
]

TxStatusName = Literal["pending", "committed", "failed", "unknown"]
"""Where a tx is: in the mempool, in a block (success or failure), or unseen."""

TX_STATUSES: tuple[str, ...] = get_args(TxStatusName)

_WITH_RECEIPT = frozenset({"committed", "failed"})
_T = TypeVar("_T")
_Args = TypeVarTuple("_Args")


class NotReadyError(GovChainError):
    """The node cannot serve the request yet (starting, catching up, or stopping)."""

    code = "not_ready"


class BusyError(GovChainError):
    """Every worker of the node is taken and its queue is full: retry after a moment."""

    code = "busy"


class NotFoundError(GovChainError):
    """What was asked for does not exist (yet) on this node."""

    code = "not_found"


class TooManyStreamsError(GovChainError):
    """The node has as many event subscribers as its limit allows."""

    code = "too_many_streams"


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


class EventSubscription(Protocol):
    """One subscriber's events, as an async iterator the API closes when the client leaves."""

    def __aiter__(self) -> AsyncIterator[dict[str, Any]]:
        """The iterator itself."""
        ...

    async def __anext__(self) -> dict[str, Any]:
        """The next event, waiting for it."""
        ...

    def ready(self) -> list[dict[str, Any]]:
        """The events that wait now (none: an empty list), in order, without waiting."""
        ...

    async def aclose(self) -> None:
        """Drop the subscriber (its queue and its slot); harmless twice."""
        ...


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

    async def submit_tx(self, raw: bytes) -> bytes:
        """Admit the canonical-CBOR signed tx ``raw`` to the mempool; return its hash.

        Raises a ``GovChainError`` with the mempool's code on refusal:
        ``malformed_tx``, ``tx_too_large``, ``wrong_chain``, ``tx_expired``,
        ``expiry_too_far``, ``unsupported_sender``, ``tx_replayed``,
        ``bad_signature`` or ``mempool_full``; ``busy`` when the node's
        workers are saturated.
        """
        ...

    async def submit_txs(self, raws: Sequence[bytes]) -> list[bytes | GovChainError]:
        """Admit many txs at once (their signatures checked together, off the loop).

        The result for each, in order, is its hash or the error that refused it
        (the codes of :meth:`submit_tx`); a refusal never affects the others.
        Raises ``busy`` (for the whole batch) when the workers are saturated.
        """
        ...

    def pending(self, tx_hash: bytes) -> bool:
        """Whether the tx waits in this node's mempool."""
        ...

    def latest_height(self) -> int:
        """Height of the latest committed block; 0 before the first block."""
        ...

    @property
    def suite(self) -> CryptoSuite:
        """The chain's crypto suite."""
        ...

    def latest_state(self, key: bytes) -> bytes | None:
        """The value of state ``key`` after the latest block: one key, cheap enough for the loop.

        For what must be known before a request is served (the public key of
        a signed read's account); anything larger goes through :meth:`read`.
        """
        ...

    async def read(
        self,
        fn: Callable[[ProvingReader, *_Args], _T],
        *args: *_Args,
        height: int | None = None,
    ) -> _T:
        """``fn(reader, *args)`` on one consistent chain snapshot, in a worker thread.

        ``reader`` reads at ``height`` (default: the latest committed one).
        Raises ``not_found`` for a height above the latest, ``busy`` when
        the workers are saturated, and ``ledger_corrupt`` when a stored
        record fails its checks (the node then stops: its store is damaged).
        """
        ...

    def status(self) -> dict[str, Any]:
        """The node's status (``schemas.NodeStatus``): id, role, height, roots, peers."""
        ...

    def subscribe(self) -> EventSubscription:
        """New blocks and tx results as they commit, each a dict with a ``"type"``.

        A subscriber that falls behind gets a ``gap`` event naming the heights
        it missed. Raises ``too_many_streams`` when the node has as many
        subscribers as it allows.
        """
        ...
