"""The handler of ``messages.notice``: record that a sender sent a message, once.

Deterministic: the sender is the signer's address, the time the block's BFT
time. Event ``messages.noticed`` with ``hash``, ``sender`` and ``recipient``.
"""

from __future__ import annotations

from govchain.contracts.messages.state import Notice, notice_key
from govchain.contracts.messages.txs import NoticeArgs
from govchain.crypto import CryptoSuite
from govchain.execution.registry import ContractError, Handler, TxContext
from govchain.ledger import records
from govchain.types import Tx

__all__ = ["NOTICED_EVENT", "notice_handler"]

NOTICED_EVENT = "messages.noticed"


def notice_handler(suite: CryptoSuite) -> Handler:
    """The handler of ``messages.notice`` txs for a chain of ``suite``."""

    def handle(ctx: TxContext, tx: Tx) -> None:
        args = NoticeArgs.from_args(tx.args)
        sender = records.address_of(suite, tx.sender)
        key = notice_key(args.hash, sender)
        if ctx.get(key) is not None:
            raise ContractError("already_noticed: this sender noticed this message already")
        notice = Notice(args.hash, sender, args.recipient, ctx.height, ctx.time, ctx.tx_hash)
        ctx.put(key, notice.encode())
        ctx.emit(NOTICED_EVENT, hash=args.hash, sender=sender, recipient=args.recipient)

    return handle
