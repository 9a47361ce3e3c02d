"""Service ``notary`` (存证, F-C5): a document digest anchored on the chain.

A client hashes a document with the chain's suite hash (SM3 under ``gm``) and
submits the digest; the document itself never leaves the client. The record
says who anchored it (the signer's address), when (the block's BFT time) and
at which height. The spec is docs/spec/notary.md; the modules follow the one
shape every service has:

- ``txs``: ``notary.anchor``, its argument record and its builder;
- ``handlers``: the deterministic handler;
- ``state``: state keys and the stored record;
- ``reads``: pages of anchorings, each with its receipt bundle.
"""

from __future__ import annotations

from govchain.contracts.context import ServiceContext
from govchain.contracts.notary.handlers import NOTARY_EVENT, notary_handler
from govchain.contracts.notary.reads import (
    NOTARY_CURSOR_PATTERN,
    NOTARY_PAGE_DEFAULT,
    NOTARY_PAGE_MAX,
    AnchoringPage,
    ProvenAnchoring,
    anchorings_page,
    format_notary_cursor,
    parse_notary_cursor,
    read_anchorings,
)
from govchain.contracts.notary.state import (
    MAX_ANCHORINGS,
    NOTARY_KEY_PREFIX,
    Anchoring,
    count_key,
    record_key,
)
from govchain.contracts.notary.txs import NOTARY_TX_TYPE, AnchorArgs, anchor_tx
from govchain.crypto import CryptoSuite
from govchain.execution.registry import Registry

__all__ = [
    "MAX_ANCHORINGS",
    "NOTARY_CURSOR_PATTERN",
    "NOTARY_EVENT",
    "NOTARY_KEY_PREFIX",
    "NOTARY_PAGE_DEFAULT",
    "NOTARY_PAGE_MAX",
    "NOTARY_TX_TYPE",
    "AnchorArgs",
    "Anchoring",
    "AnchoringPage",
    "ProvenAnchoring",
    "anchor_tx",
    "anchorings_page",
    "count_key",
    "format_notary_cursor",
    "notary_handler",
    "parse_notary_cursor",
    "read_anchorings",
    "record_key",
    "register",
    "register_notary",
]


def register_notary(registry: Registry, suite: CryptoSuite) -> None:
    """Add the ``notary.anchor`` handler to ``registry``."""
    registry.register(NOTARY_TX_TYPE, notary_handler(suite))


def register(registry: Registry, context: ServiceContext) -> None:
    """The service's entry in the node's ``SERVICES``: add its handlers to ``registry``."""
    register_notary(registry, context.suite)
