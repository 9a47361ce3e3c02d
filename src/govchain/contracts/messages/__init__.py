"""Service ``messages`` (消息, F-C6): proof of delivery of a message, when its sender asks.

docs/spec/messages.md. Messages themselves are sealed on the client and kept
by the storage nodes (``govchain.storage_node.inbox``); the chain holds only
a sender's notice ``{sender, recipient, hash, height, time}``. The modules
follow the one shape:

- ``txs``: ``messages.notice``, its argument record and builder;
- ``handlers``: the deterministic handler;
- ``state``: the state key and the stored record;
- ``reads``: the notice with its state fact.
"""

from __future__ import annotations

from govchain.contracts.context import ServiceContext
from govchain.contracts.messages.handlers import NOTICED_EVENT, notice_handler
from govchain.contracts.messages.reads import ProvenNotice, notice_with_fact
from govchain.contracts.messages.state import MESSAGES_KEY_PREFIX, Notice, notice_key
from govchain.contracts.messages.txs import NOTICE_TX_TYPE, NoticeArgs, notice_tx
from govchain.execution.registry import Registry

__all__ = [
    "MESSAGES_KEY_PREFIX",
    "NOTICED_EVENT",
    "NOTICE_TX_TYPE",
    "Notice",
    "NoticeArgs",
    "ProvenNotice",
    "notice_handler",
    "notice_key",
    "notice_tx",
    "notice_with_fact",
    "register",
]


def register(registry: Registry, context: ServiceContext) -> None:
    """The service's entry in the node's ``SERVICES``: add its handler to ``registry``."""
    registry.register(NOTICE_TX_TYPE, notice_handler(context.suite))
