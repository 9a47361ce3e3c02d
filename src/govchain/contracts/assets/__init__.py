"""Service ``assets`` (电子证照, 数字保险箱; F-C1, F-C2, F-C7): types, lockers, assets.

docs/spec/assets.md. A member defines asset types; an account opens a
locker (its encryption key, the private half wrapped under its password and
kept as a blob); departments issue assets to lockers in the modes of seed
003, or review what a holder uploads; issuers revoke or abolish them. The
chain holds the records and the content's hash, locators and key
envelopes, never the content. The modules follow the one shape:

- ``txs``: argument records, strict parsing, ``assets_tx``;
- ``handlers``, ``type_handlers``: the deterministic handlers (``checks``:
  what they share);
- ``records``, ``state``: stored records and state keys;
- ``schema``: the field-schema subset;
- ``reads``: proven reads for the API.
"""

from __future__ import annotations

from govchain.contracts.assets.checks import CONTENT_METHODS
from govchain.contracts.assets.content import BlobRef, Content, Envelope
from govchain.contracts.assets.handlers import (
    issue_handler,
    review_handler,
    status_handler,
    submit_handler,
    transfer_handler,
)
from govchain.contracts.assets.records import (
    ASSET_STATUSES,
    CONTENT_ID_SIZE,
    MODES,
    Asset,
    AssetType,
    HistoryEntry,
    Locker,
)
from govchain.contracts.assets.state import ASSETS_KEY_PREFIX, asset_key, locker_key
from govchain.contracts.assets.txs import (
    ConsentArgs,
    IssueArgs,
    LockerInitArgs,
    NewVersion,
    ReviewArgs,
    StatusArgs,
    SubmitArgs,
    TransferArgs,
    TypeDefineArgs,
    assets_tx,
)
from govchain.contracts.assets.type_handlers import (
    consent_handler,
    locker_init_handler,
    type_define_handler,
)
from govchain.contracts.context import ServiceContext
from govchain.execution.registry import Registry

__all__ = [
    "ASSETS_KEY_PREFIX",
    "ASSET_STATUSES",
    "ASSET_TX_TYPES",
    "CONTENT_ID_SIZE",
    "CONTENT_METHODS",
    "MODES",
    "Asset",
    "AssetType",
    "BlobRef",
    "ConsentArgs",
    "Content",
    "Envelope",
    "HistoryEntry",
    "IssueArgs",
    "Locker",
    "LockerInitArgs",
    "NewVersion",
    "ReviewArgs",
    "StatusArgs",
    "SubmitArgs",
    "TransferArgs",
    "TypeDefineArgs",
    "asset_key",
    "assets_tx",
    "locker_key",
    "register",
]

ASSET_TX_TYPES = (
    "assets.abolish",
    "assets.consent",
    "assets.issue",
    "assets.locker_init",
    "assets.review",
    "assets.revoke",
    "assets.submit",
    "assets.transfer",
    "assets.type_define",
)


def register(registry: Registry, context: ServiceContext) -> None:
    """The service's entry in the node's ``SERVICES``: add its handlers to ``registry``."""
    suite = context.suite
    registry.register("assets.type_define", type_define_handler(suite))
    registry.register("assets.locker_init", locker_init_handler(suite))
    registry.register("assets.consent", consent_handler(suite))
    registry.register("assets.issue", issue_handler(suite))
    registry.register("assets.submit", submit_handler(suite))
    registry.register("assets.review", review_handler(suite))
    registry.register("assets.revoke", status_handler(suite, abolish=False))
    registry.register("assets.abolish", status_handler(suite, abolish=True))
    registry.register("assets.transfer", transfer_handler(suite))
