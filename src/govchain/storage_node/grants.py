"""The chain records that name a blob, and what each grants (docs/spec/assets.md).

- An **asset** (``GET /v1/assets/{content id}`` on a chain node, proven
  under ``assets/asset/<content id>``) names its content blob,
  ``content.blob.hash``; its holder and the accounts of its issuing member
  (``issuer``; empty while a self-submitted asset waits for review) read it.
- A **locker** (``GET /v1/lockers/{address}/key``, proven under
  ``assets/locker/<address>``) names the blob of its wrapped private key,
  ``key_blob.hash``; only its owner reads it.

Anyone else reads an asset's blob only against a committed usage record
(``?use=``; ``storage_node.annotations.annotate_use``, docs/spec/grants.md).
"""

from __future__ import annotations

from govchain.contracts.assets.records import Asset, Locker
from govchain.contracts.assets.state import asset_key, locker_key
from govchain.storage_node.access import BlobGrant
from govchain.storage_node.chain_source import GrantRead

__all__ = ["ASSET_READ", "GRANT_READS", "LOCKER_READ", "asset_grant", "locker_grant"]


def asset_grant(raw: bytes) -> BlobGrant:
    """The grant of a stored asset record; ValidationError if it does not decode."""
    asset = Asset.from_stored(raw)
    return BlobGrant(
        f"asset {asset.content_id.hex()}", asset.content.blob.hash, asset.holder, asset.issuer
    )


def locker_grant(raw: bytes) -> BlobGrant:
    """The grant of a stored locker record (its owner only); ValidationError if malformed."""
    locker = Locker.from_stored(raw)
    return BlobGrant(f"locker {locker.address.hex()}", locker.key_blob.hash, locker.address)


ASSET_READ = GrantRead(
    path=lambda content_id: f"/v1/assets/{content_id.hex()}",
    state_key=asset_key,
    grant=asset_grant,
)
LOCKER_READ = GrantRead(
    path=lambda address: f"/v1/lockers/{address.hex()}/key",
    state_key=locker_key,
    grant=locker_grant,
)
GRANT_READS = {"asset": ASSET_READ, "locker": LOCKER_READ}
"""How the storage node reads each kind of record a ``GET /v1/blobs`` names (``?asset=``,
``?locker=``)."""
