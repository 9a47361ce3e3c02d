"""Who may put and get a blob on a storage node (docs/spec/assets.md, "Blobs and storage nodes").

Pure: the caller has fetched the records from a chain node and verified
their state facts against the genesis (the signer's account, its member,
the asset or locker that names the blob); these functions only decide, and
raise :class:`AccessRefusedError` with the code the API answers.

- **PUT** for holder ``H``: the signer is ``H`` itself, or an active account
  of kind admin, client, staff or system (a department's) whose member is
  active. A subject uploading for another holder is refused
  (``upload_not_allowed``).
- **GET** of blob ``B`` against a record (an asset, or a locker's wrapped
  key): the record must name ``B``, and the reader must be the record's
  holder (a locker's owner) or an active account of the asset's issuing
  member (``read_not_allowed``).
- **GET** of blob ``B`` against a usage record (docs/spec/grants.md,
  "Storage nodes and annotated copies"): the signer is the record's reader
  or the agent that sent it for the reader (``by``), the record names ``B``
  (``read_not_allowed``), and it was committed at most :data:`USE_WINDOW`
  blocks below the height the storage node reads at (``use_stale``).
"""

from __future__ import annotations

from dataclasses import dataclass

from govchain.contracts.grants import Usage
from govchain.contracts.registry.records import Account, MemberRecord
from govchain.types.errors import GovChainError, ValidationError
from govchain.types.validators import ADDRESS_SIZE

__all__ = [
    "BLOB_HASH_SIZE",
    "UPLOADING_KINDS",
    "USE_WINDOW",
    "AccessRefusedError",
    "BlobGrant",
    "check_read",
    "check_upload",
    "check_use",
]

UPLOADING_KINDS = ("admin", "client", "staff", "system")
"""Account kinds of a member that may upload for any holder (a department's accounts)."""
BLOB_HASH_SIZE = 32
"""A blob's hash: the chain suite's hash of its bytes."""
USE_WINDOW = 100
"""A usage record serves reads while the chain is at most this many blocks above it."""
REFUSAL_CODES = ("upload_not_allowed", "read_not_allowed", "use_stale")


class AccessRefusedError(GovChainError):
    """The signer may not do this: ``code`` is one of :data:`REFUSAL_CODES`."""

    def __init__(self, code: str, message: str) -> None:
        assert code in REFUSAL_CODES, code
        super().__init__(message)
        self.code = code


@dataclass(frozen=True, slots=True)
class BlobGrant:
    """What a proven chain record says of one blob: which blob, whose, and which member issued it.

    ``what`` names the record for messages (``asset <content id>``,
    ``locker <address>``); ``issuer`` is the issuing member's credit code,
    empty when no member may read (a locker's key, a self-submitted asset
    not yet reviewed).
    """

    what: str
    blob_hash: bytes
    holder: bytes
    issuer: str = ""

    def validate(self) -> None:
        """Raise ValidationError naming the first field that breaks its rule."""
        if len(self.blob_hash) != BLOB_HASH_SIZE:
            raise ValidationError(f"grant.blob_hash: expected {BLOB_HASH_SIZE} bytes")
        if len(self.holder) != ADDRESS_SIZE:
            raise ValidationError(f"grant.holder: expected {ADDRESS_SIZE} bytes")
        if not self.what:
            raise ValidationError("grant.what: empty")


def check_upload(signer: Account, holder: bytes, member: MemberRecord | None) -> None:
    """Allow ``signer`` to store a blob for ``holder``, or raise ``upload_not_allowed``.

    ``member`` is the signer's member record (None when it has none, or it
    was not found); it is not consulted when the signer is the holder.
    """
    if signer.status != "active":
        raise AccessRefusedError(
            "upload_not_allowed", f"account {signer.address.hex()} is {signer.status}"
        )
    if signer.address == holder:
        return
    if signer.kind not in UPLOADING_KINDS:
        raise AccessRefusedError(
            "upload_not_allowed",
            f"a {signer.kind} account uploads only for itself, not for holder {holder.hex()}",
        )
    if member is None or member.code != signer.org:
        raise AccessRefusedError(
            "upload_not_allowed", f"the member {signer.org} of the signer is not registered"
        )
    if member.status != "active":
        raise AccessRefusedError(
            "upload_not_allowed", f"the member {signer.org} of the signer is {member.status}"
        )


def check_read(reader: Account, blob_hash: bytes, grant: BlobGrant) -> None:
    """Allow ``reader`` to fetch ``blob_hash`` under ``grant``, or raise ``read_not_allowed``."""
    if grant.blob_hash != blob_hash:
        raise AccessRefusedError(
            "read_not_allowed", f"{grant.what} names another blob than {blob_hash.hex()}"
        )
    if reader.status != "active":
        raise AccessRefusedError(
            "read_not_allowed", f"account {reader.address.hex()} is {reader.status}"
        )
    if reader.address == grant.holder:
        return
    if grant.issuer and reader.kind != "subject" and reader.org == grant.issuer:
        return
    raise AccessRefusedError(
        "read_not_allowed",
        f"{grant.what} is read by its holder and its issuing member's accounts only",
    )


def check_use(signer: bytes, blob_hash: bytes, usage: Usage, height: int) -> None:
    """Allow ``signer`` to fetch ``blob_hash`` against ``usage``, read at chain ``height``.

    Raises ``read_not_allowed`` when the signer is neither the record's
    reader nor the agent that sent it, or the record names another blob;
    ``use_stale`` when the record is more than :data:`USE_WINDOW` blocks old.
    """
    what = f"usage record {usage.tx_hash.hex()}"
    if signer not in (usage.reader, usage.by):
        raise AccessRefusedError(
            "read_not_allowed", f"{what} is for another reader than {signer.hex()}"
        )
    if usage.content_hash != blob_hash:
        raise AccessRefusedError(
            "read_not_allowed", f"{what} names another blob than {blob_hash.hex()}"
        )
    if height > usage.height + USE_WINDOW:
        raise AccessRefusedError(
            "use_stale",
            f"{what} was committed at height {usage.height}, more than {USE_WINDOW} blocks "
            f"below the chain's {height}: send a new grants.use",
        )
