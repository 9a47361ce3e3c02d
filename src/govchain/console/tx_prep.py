"""Txs the console prepares and the browser signs (docs/spec/console.md, "Signing in the browser").

The console builds the same unsigned tx ``govchain gov vote`` or ``gov
propose`` would (:mod:`govchain.contracts.gov.txs`), with the signed-in
account's public key as sender, a fresh nonce and an expiry ahead of the
chain; the browser signs its signing bytes; :func:`attach_signature` puts
the signature in and checks it before anything is submitted. A prepared tx
waits in :class:`PendingTxStore` (bounded, minutes) bound to the session
that asked for it, and is taken once.
"""

from __future__ import annotations

import dataclasses
import os
import re
import secrets
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass

from govchain.client.submission import EXPIRY_HEIGHTS
from govchain.contracts.gov.txs import (
    PROPOSE_TX_TYPE,
    VOTE_TX_TYPE,
    ProposeArgs,
    VoteArgs,
)
from govchain.contracts.signing import unsigned_tx
from govchain.crypto import suite_for
from govchain.ledger import records
from govchain.types import Tx
from govchain.types.errors import GovChainError, InvalidSignatureError

__all__ = [
    "ISOLATION_ACTIONS",
    "MAX_PENDING",
    "PENDING_SECONDS",
    "PendingTx",
    "PendingTxStore",
    "PreparationError",
    "attach_signature",
    "propose_unsigned",
    "vote_unsigned",
]

PENDING_SECONDS = 300
MAX_PENDING = 1000
PROPOSAL_OPEN_HEIGHTS = 1000
"""Heights a proposal made from the console stays open (as ``gov propose``'s default)."""
ISOLATION_ACTIONS = ("account.freeze", "node.remove")
"""The governance actions the console proposes from evidence (F-E6)."""
_PENDING_ID = re.compile(r"[0-9a-f]{32}")
_SIGNATURE = re.compile(r"(?:[0-9a-f]{2}){1,128}")

Clock = Callable[[], float]


class PreparationError(GovChainError):
    """A tx the console will not prepare or submit as asked; the message says why."""

    code = "bad_request"


def vote_unsigned(public_key: bytes, chain_id: str, height: int, proposal_id: int, yes: bool) -> Tx:
    """The unsigned ``gov.vote`` of ``public_key`` on ``proposal_id``."""
    args = VoteArgs.from_args({"id": proposal_id, "yes": yes}).to_args()
    return unsigned_tx(
        public_key, chain_id, VOTE_TX_TYPE, args, os.urandom(16), height + EXPIRY_HEIGHTS
    )


def propose_unsigned(
    public_key: bytes, chain_id: str, height: int, action: str, args: dict[str, object],
    reason: str,
) -> Tx:  # fmt: skip
    """The unsigned ``gov.propose`` of ``action`` with ``args``, open for
    :data:`PROPOSAL_OPEN_HEIGHTS` heights."""
    proposal = ProposeArgs(action, args, reason, height + 1 + PROPOSAL_OPEN_HEIGHTS)
    checked = ProposeArgs.from_args(proposal.to_args()).to_args()
    return unsigned_tx(
        public_key, chain_id, PROPOSE_TX_TYPE, checked, os.urandom(16), height + EXPIRY_HEIGHTS
    )


def attach_signature(suite: str, tx: Tx, signature_hex: object) -> Tx:
    """``tx`` with the browser's signature (hex); PreparationError unless it is the sender's
    valid signature of the tx's signing bytes."""
    if not isinstance(signature_hex, str) or not _SIGNATURE.fullmatch(signature_hex):
        raise PreparationError("the signature must be lowercase hex")
    signed = dataclasses.replace(tx, signature=bytes.fromhex(signature_hex))
    try:
        records.verify_tx_signature(suite_for(suite), signed)
    except InvalidSignatureError as exc:
        raise PreparationError("the signature is not the signed-in key's signature") from exc
    return signed


@dataclass(frozen=True, slots=True)
class PendingTx:
    """A prepared tx waiting for its signature: for ``session_id`` only, once."""

    id: str
    session_id: str
    tx: Tx
    expires_at: float
    then: str
    """Where the page goes after the commit (the proposal's page, or ``proposal`` for the
    proposal the tx makes)."""

    @property
    def signing_bytes(self) -> bytes:
        """What the browser signs."""
        return records.tx_signing_bytes(self.tx)


class PendingTxStore:
    """Prepared txs, in memory, at most ``max_pending`` (the oldest go first)."""

    def __init__(
        self,
        seconds: int = PENDING_SECONDS,
        max_pending: int = MAX_PENDING,
        clock: Clock = time.monotonic,
    ) -> None:
        self._seconds = seconds
        self._max = max_pending
        self._clock = clock
        self._pending: OrderedDict[str, PendingTx] = OrderedDict()
        self._lock = threading.Lock()

    def put(self, session_id: str, tx: Tx, then: str) -> PendingTx:
        """Keep ``tx`` for the session's signature."""
        pending = PendingTx(secrets.token_hex(16), session_id, tx, self._clock() + self._seconds,
                            then)  # fmt: skip
        with self._lock:
            while len(self._pending) >= self._max:
                self._pending.popitem(last=False)
            self._pending[pending.id] = pending
        return pending

    def take(self, pending_id: object, session_id: str) -> PendingTx:
        """The prepared tx ``pending_id`` of this session, removed; PreparationError if it is
        unknown, spent, expired or another session's."""
        if not isinstance(pending_id, str) or not _PENDING_ID.fullmatch(pending_id):
            raise PreparationError("the prepared tx id is 32 hex digits")
        with self._lock:
            pending = self._pending.get(pending_id)
            if pending is None or pending.session_id != session_id:
                raise PreparationError("no such prepared tx for this session (used already?)")
            del self._pending[pending_id]
        if self._clock() > pending.expires_at:
            raise PreparationError("the prepared tx expired; prepare it again")
        return pending
