"""The handler of ``notary.anchor``: record who anchored a digest, when and at which height.

Deterministic: the owner is the signer's address, the time the block's BFT
time. The same digest may be anchored again, by anyone; every anchoring is
kept, in order. Event ``notary.anchored`` with ``digest``, ``index`` and
``owner``.
"""

from __future__ import annotations

from govchain.contracts.notary.state import (
    MAX_ANCHORINGS,
    Anchoring,
    count_key,
    record_key,
)
from govchain.contracts.notary.txs import AnchorArgs
from govchain.crypto import CryptoSuite
from govchain.execution.registry import ContractError, Handler, TxContext
from govchain.ledger import records
from govchain.types import Tx

__all__ = ["NOTARY_EVENT", "notary_handler"]

NOTARY_EVENT = "notary.anchored"


def notary_handler(suite: CryptoSuite) -> Handler:
    """The handler of ``notary.anchor`` txs for a chain of ``suite``."""

    def handle(ctx: TxContext, tx: Tx) -> None:
        args = AnchorArgs.from_args(tx.args)
        raw_count = ctx.get(count_key(args.digest))
        count = 0 if raw_count is None else int.from_bytes(raw_count, "big")
        if count >= MAX_ANCHORINGS:
            raise ContractError("notary: this digest has the most anchorings a key can hold")
        owner = records.address_of(suite, tx.sender)
        record = Anchoring(
            args.digest,
            count,
            owner,
            ctx.time,
            ctx.height,
            ctx.tx_hash,
            args.title,
            args.doc_type,
            args.ref,
        )
        ctx.put(record_key(args.digest, count), record.encode())
        ctx.put(count_key(args.digest), (count + 1).to_bytes(4, "big"))
        ctx.emit(NOTARY_EVENT, digest=args.digest, index=count, owner=owner)

    return handle
