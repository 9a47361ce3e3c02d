"""System contracts: built-in Python handlers for tx types, and their context.

A handler is called as ``handler(ctx, tx)``. It reads state through
``ctx.get``, writes with ``ctx.put``/``ctx.delete``, reports with
``ctx.emit``, and rejects a tx by raising :class:`ContractError`. The writes
of a rejected tx are dropped; it still gets a (failure) receipt. Handlers
must be deterministic: no clock (use ``ctx.time``), no randomness, no I/O.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any, Protocol

from govchain.types import Event, Tx
from govchain.types.errors import GovChainError

STATUS_CONTRACT_ERROR = 1
STATUS_UNKNOWN_TYPE = 2
STATUS_PERMISSION_DENIED = 3
PERMISSION_DENIED = "permission_denied"
"""The code a refused sender gets: a receipt's error starts with it, the API answers it (403)."""

ReadState = Callable[[bytes], bytes | None]


class PermissionCheck(Protocol):
    """The registry's check of a tx's sender, and the key a ``cert`` sender signs with.

    Both read the state committed before the block (never the block's own
    writes) and look at the tx's type and sender only, so an answer holds
    for every tx of the same (sender, type) in a block (docs/spec/registry.md).
    """

    def __call__(self, read: ReadState, tx: Tx, time: int) -> str | None:
        """None when the tx's sender may send it at BFT time ``time`` (ms), else why not."""
        ...

    def certificate_key(self, read: ReadState, certificate_id: bytes) -> bytes | None:
        """The public key of a registered certificate (revoked ones too), or None."""
        ...


class ContractError(GovChainError):
    """A contract refused a tx; it is committed with a failure receipt."""

    code = "contract_error"

    def __init__(self, message: str, status: int = STATUS_CONTRACT_ERROR) -> None:
        super().__init__(message)
        self.status = status


@dataclass
class TxContext:
    """What a handler sees: the block's height and BFT time, the tx, and the state.

    Reads see the writes of earlier txs in the block and of this tx so far.
    """

    height: int
    time: int
    tx_hash: bytes
    read_state: ReadState
    block_writes: dict[bytes, bytes | None]
    writes: dict[bytes, bytes | None] = field(default_factory=dict)
    events: list[Event] = field(default_factory=list)

    def get(self, key: bytes) -> bytes | None:
        """The current value of ``key``."""
        if key in self.writes:
            return self.writes[key]
        if key in self.block_writes:
            return self.block_writes[key]
        return self.read_state(key)

    def put(self, key: bytes, value: bytes) -> None:
        """Set ``key`` (applied only if the tx succeeds)."""
        if not isinstance(key, bytes) or not isinstance(value, bytes) or not key:
            raise ContractError("state keys and values must be bytes, keys non-empty")
        self.writes[key] = value

    def delete(self, key: bytes) -> None:
        """Remove ``key`` (applied only if the tx succeeds)."""
        self.writes[key] = None

    def emit(self, event_type: str, **attributes: Any) -> None:
        """Report an event in the tx's receipt."""
        self.events.append(Event(event_type, dict(attributes)))


Handler = Callable[[TxContext, Tx], None]


class Registry:
    """Tx type -> handler. Registration order does not matter; lookups are by name."""

    def __init__(self) -> None:
        self._handlers: dict[str, Handler] = {}
        self.permission_check: PermissionCheck | None = None
        """Run before every handler when set (by the registry service's ``register``)."""

    def set_permission_check(self, check: PermissionCheck) -> None:
        """Install the one permission check; it is set once."""
        if self.permission_check is not None:
            raise ValueError("a permission check is already installed")
        self.permission_check = check

    def register(self, tx_type: str, handler: Handler) -> None:
        """Route txs of ``tx_type`` to ``handler``; a type is registered once."""
        if tx_type in self._handlers:
            raise ValueError(f"tx type {tx_type!r} is already registered")
        self._handlers[tx_type] = handler

    def handler(self, tx_type: str) -> Handler | None:
        """The handler for ``tx_type``, or None."""
        return self._handlers.get(tx_type)

    def __iter__(self) -> Iterator[str]:
        return iter(sorted(self._handlers))
