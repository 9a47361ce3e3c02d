"""SDK of service ``assets``: the chain-end node's side of types, lockers and assets (F-A1, F-C1).

Everything secret happens here, never on a node: content is checked
against the type's schema and encrypted with a fresh data key, the key is
sealed to the holder's (and the regulator's) locker key, the ciphertext is
stored on k storage nodes, and only then is the tx submitted. Reading
reverses it: the locker's wrapped key is fetched and unwrapped with the
account's password, the envelope opened, the blob fetched from the first
storage node that serves it intact, and decrypted.

With a genesis, every record the SDK relies on (a type, a locker key, an
asset) is checked against it first (its state fact), so a lying node cannot
make the client encrypt to a key of its choosing.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

from govchain.client.asset_crypto import (
    Plaintext,
    content_method,
    decrypt_content,
    encrypt_content,
    envelope_for,
    new_content_id,
    open_envelope,
)
from govchain.client.locker_keys import new_locker, unwrap, wrap
from govchain.client.registry import verify_record
from govchain.client.sdk import NodeClient
from govchain.client.storage import StorageClient, StorageNode
from govchain.client.submission import committed_receipt, submit_args
from govchain.contracts.assets import (
    Asset,
    AssetType,
    BlobRef,
    Content,
    Envelope,
    IssueArgs,
    Locker,
    LockerInitArgs,
    NewVersion,
    SubmitArgs,
    TransferArgs,
    asset_key,
    assets_tx,
    locker_key,
)
from govchain.contracts.assets.schema import parse_schema
from govchain.contracts.assets.state import type_version_key
from govchain.contracts.assets.txs import ArgsRecord
from govchain.crypto import CryptoSuite, SigningKey, suite_for
from govchain.crypto.envelopes import LockerKey
from govchain.ledger import records
from govchain.ledger.proofs import StateFact
from govchain.types import Genesis, Receipt, Tx
from govchain.types.errors import GovChainError, ProofError, ValidationError

__all__ = [
    "AssetClient",
    "AssetRefusedError",
    "FetchedAsset",
    "Issued",
    "show_asset",
    "storage_nodes",
]

COMMIT_TIMEOUT_S = 60.0
_R = TypeVar("_R")


class AssetRefusedError(GovChainError):
    """The chain refused an asset tx; ``code`` is the refusal's error code."""

    code = "refused"

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message if message.startswith(f"{code}: ") else f"{code}: {message}")
        self.code = code


@dataclass(frozen=True, slots=True)
class Issued:
    """A committed asset tx: its hash, and the asset's content id and identifier (if any)."""

    tx_hash: bytes
    content_id: bytes
    identifier: str
    data_key: bytes = b""


@dataclass(frozen=True, slots=True)
class FetchedAsset:
    """An asset's record and its decrypted content."""

    asset: Asset
    plaintext: Plaintext


def storage_nodes(node: NodeClient) -> list[StorageNode]:
    """The storage nodes a chain node is configured with (``GET /v1/storage-nodes``)."""
    answer = node.get_json("/v1/storage-nodes")
    return [StorageNode(str(n["name"]), str(n["url"])) for n in answer.get("nodes", [])]


class AssetClient:
    """One account's use of the assets service through one node and the storage nodes."""

    def __init__(
        self,
        node: NodeClient,
        key: SigningKey,
        *,
        storage: StorageClient | None = None,
        genesis: Genesis | None = None,
        copies: int = 2,
    ) -> None:
        self.node = node
        self.key = key
        self.suite: CryptoSuite = suite_for(key.suite_name)
        self.address = records.address_of(self.suite, key.public_key)
        self.genesis = genesis
        self.copies = copies
        self._storage = storage
        self._owns_storage = storage is None

    def close(self) -> None:
        """Close the storage client this client made (one passed in is the caller's)."""
        if self._storage is not None and self._owns_storage:
            self._storage.close()
            self._storage = None

    def __enter__(self) -> AssetClient:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    @property
    def storage(self) -> StorageClient:
        """The storage client (built from the node's list on first use)."""
        if self._storage is None:
            self._storage = StorageClient(self.suite, self.key, storage_nodes(self.node))
        return self._storage

    # --- txs -------------------------------------------------------------------------------

    def send(self, args: ArgsRecord) -> Receipt:
        """Submit an asset tx and wait for its commit; AssetRefusedError if it failed."""
        return self.send_all([args])[0]

    def send_all(self, batch: Sequence[ArgsRecord]) -> list[Receipt]:
        """Submit several txs at once, then wait for each commit (they may share a block);
        AssetRefusedError for the first that failed."""
        hashes = [submit_args(self.node, self.key, _build, args)[1] for args in batch]
        receipts = [committed_receipt(self.node, h, COMMIT_TIMEOUT_S) for h in hashes]
        for receipt in receipts:
            if receipt.status != 0:
                code, _, reason = receipt.error.partition(": ")
                raise AssetRefusedError(code if reason else "refused", receipt.error)
        return receipts

    def init_locker(self, password: bytes, kdf: str = "scrypt") -> Receipt:
        """Create the account's locker key pair, store the wrapped key, open the locker."""
        private, public = new_locker(self.suite)
        wrapped = wrap(self.suite, private, password, self.address, kdf)
        digest, names = self.storage.put(wrapped, self.address, self.copies)
        return self.send(LockerInitArgs(public, BlobRef(digest, len(wrapped), names)))

    def issue(
        self,
        type_code: str,
        holder: bytes,
        mode: str,
        fields: dict[str, Any],
        file: tuple[str, bytes] | None = None,
        *,
        content: tuple[bytes, bytes] | None = None,
        **options: Any,
    ) -> Issued:
        """Check, encrypt, store and issue an asset (options: ``valid_until``, ``verified_by``,
        ``replaces``); its content id, identifier and data key. ``content``: the content id
        and data key to use instead of fresh ones (an issuer that must be able to issue the
        same asset again after a crash derives both)."""
        version = 1
        if options.get("replaces"):
            version = self.asset(options["replaces"].hex()).version + 1
        new, data_key = self._new_version(type_code, holder, fields, file, version, content=content)
        receipt = self.send(IssueArgs(new, type_code, holder, mode, **options))
        issued = self._issued(receipt, new.content_id, "assets.issued")
        return Issued(issued.tx_hash, issued.content_id, issued.identifier, data_key)

    def transfer(
        self,
        ref: str,
        new_holder: bytes,
        fields: dict[str, Any],
        file: tuple[str, bytes] | None = None,
    ) -> Issued:
        """Move a valid asset to ``new_holder``: a new version under a fresh data key."""
        old = self.asset(ref)
        if self.asset_type(old.type).transfer == "none":
            raise AssetRefusedError("transfer_not_allowed", f"type {old.type} is never transferred")
        # stored as the sender's upload: a holder may store blobs for itself only, and the
        # chain, not the storage node, decides who may move the asset to whom
        new, _ = self._new_version(
            old.type, new_holder, fields, file, old.version + 1, upload_for=self.address
        )
        receipt = self.send(TransferArgs(old.content_id, new, new_holder))
        identifier = self.asset(new.content_id.hex()).identifier
        return Issued(receipt.tx_hash, new.content_id, identifier)

    def submit(
        self, type_code: str, fields: dict[str, Any], file: tuple[str, bytes] | None = None
    ) -> Issued:
        """Upload the account's own document for review (mode ``self``): it is pending."""
        new, _ = self._new_version(type_code, self.address, fields, file, 1)
        receipt = self.send(SubmitArgs(new, type_code))
        return self._issued(receipt, new.content_id, "assets.submitted")

    def _issued(self, receipt: Receipt, content_id: bytes, event_type: str) -> Issued:
        events = [e.attributes for e in receipt.events if e.type == event_type]
        identifier = str(events[0].get("identifier", "")) if events else ""
        return Issued(receipt.tx_hash, content_id, identifier)

    def _new_version(
        self,
        type_code: str,
        holder: bytes,
        fields: dict[str, Any],
        file: tuple[str, bytes] | None,
        version: int,
        upload_for: bytes | None = None,
        content: tuple[bytes, bytes] | None = None,
    ) -> tuple[NewVersion, bytes]:
        atype = self.asset_type(type_code)
        schema = parse_schema(atype.schema)
        schema.check_fields(fields)
        content_id, chosen_key = content if content is not None else (new_content_id(), None)
        data_key, blob = encrypt_content(self.suite, content_id, version, fields, file, chosen_key)
        envelopes = [Envelope(holder, "holder", self._seal_to(holder, data_key))]
        if atype.regulator:
            envelopes.append(
                Envelope(atype.regulator, "regulator", self._seal_to(atype.regulator, data_key))
            )
        digest, names = self.storage.put(blob, upload_for or holder, self.copies)
        stored = Content(
            BlobRef(digest, len(blob), names), content_method(self.suite), tuple(envelopes)
        )
        return NewVersion(content_id, schema.public_part(fields), stored), data_key

    def _seal_to(self, reader: bytes, data_key: bytes) -> bytes:
        locker = self.locker(reader)
        if locker is None:
            raise AssetRefusedError("no_locker", f"account {reader.hex()} has no locker")
        return envelope_for(self.suite, locker.public_key, data_key)

    # --- reads -----------------------------------------------------------------------------

    def asset_type(self, code: str, version: int | None = None) -> AssetType:
        """A type version (latest by default), verified when the client has a genesis."""
        params = {} if version is None else {"version": version}
        try:
            answer = self.node.get_json(f"/v1/asset-types/{code}", params)
        except GovChainError as exc:
            if getattr(exc, "code", "") == "not_found":
                raise AssetRefusedError(
                    "unknown_type", f"unknown_type: no asset type {code}"
                ) from exc
            raise
        shown = answer["type"]
        key = type_version_key(code, int(shown["version"]))
        return _record(self.genesis, key, answer, shown, AssetType.from_stored, AssetType.to_json)

    def locker(self, address: bytes) -> Locker | None:
        """An account's locker (None: it has none), verified when the client has a genesis."""
        try:
            answer = self.node.get_json(f"/v1/lockers/{address.hex()}/key")
        except GovChainError as exc:
            if getattr(exc, "code", "") == "not_found":
                return None
            raise
        shown = answer["locker"]
        key = locker_key(address)
        return _record(self.genesis, key, answer, shown, Locker.from_stored, Locker.to_json)

    def show(self, ref: str) -> tuple[Asset, dict[str, Any]]:
        """``GET /v1/assets/{ref}``: the record (checked against its fact) and the answer."""
        return show_asset(self.node, ref, self.genesis)

    def asset(self, ref: str) -> Asset:
        """The asset record ``ref`` names (identifier or content id hex)."""
        return self.show(ref)[0]

    def locker_view(self) -> dict[str, Any]:
        """The account's own locker, by type (a signed read)."""
        return self.node.get_json(f"/v1/lockers/{self.address.hex()}")

    # --- keys and content ------------------------------------------------------------------

    def unlock(self, password: bytes) -> LockerKey:
        """This account's locker key, fetched from the storage nodes and unwrapped here."""
        locker = self.locker(self.address)
        if locker is None:
            raise AssetRefusedError("no_locker", "this account has no locker")
        wrapped = self.storage.get(
            locker.key_blob.hash, locker.key_blob.locators, locker=self.address
        )
        return unwrap(self.suite, wrapped, password, self.address, locker.public_key)

    def data_key(self, ref: str, password: bytes) -> bytes:
        """The asset's data key, opened with the account's unlock password (seed 003)."""
        asset = self.asset(ref)
        envelope = asset.content.envelope_of(self.address)
        if envelope is None:
            raise AssetRefusedError("no_envelope", f"asset {ref} has no envelope for this account")
        return open_envelope(self.suite, self.unlock(password), envelope.sealed)

    def fetch(self, ref: str, password: bytes) -> FetchedAsset:
        """The asset's content: fetched, hash checked, decrypted with this account's envelope."""
        asset = self.asset(ref)
        key = self.data_key(ref, password)
        blob = self.storage.get(
            asset.content.blob.hash, asset.content.blob.locators, asset=asset.content_id
        )
        plaintext = decrypt_content(self.suite, key, asset.content_id, max(asset.version, 1), blob)
        return FetchedAsset(asset, plaintext)


def show_asset(node: NodeClient, ref: str, genesis: Genesis | None) -> tuple[Asset, dict[str, Any]]:
    """``GET /v1/assets/{ref}``: the record, checked against its state fact (and the genesis,
    when given), and the whole answer (status, history with receipts)."""
    answer = node.get_json(f"/v1/assets/{ref}")
    shown = answer["asset"]
    key = asset_key(bytes.fromhex(str(shown.get("content_id", ""))))
    return _record(genesis, key, answer, shown, Asset.from_stored, Asset.to_json), answer


def _build(key: SigningKey, chain_id: str, args: ArgsRecord, nonce: bytes, expiry: int) -> Tx:
    return assets_tx(key, chain_id, args, nonce, expiry)


def _record(
    genesis: Genesis | None,
    key: bytes,
    answer: dict[str, Any],
    shown: dict[str, Any],
    decode: Callable[[bytes], _R],
    to_json: Callable[[_R], dict[str, Any]],
) -> _R:
    """The record an answer shows, decoded from its state fact (verified with a genesis)."""
    if genesis is not None:
        proven = verify_record(genesis, key, answer.get("fact"), shown, decode, to_json)
        return proven.record  # type: ignore[no-any-return]
    try:
        fact = StateFact.from_json(answer.get("fact"))
        raw = fact.proof.value
        if fact.proof.key != key or raw is None:
            raise ProofError("the state fact is not of the record asked for", "state")
        record = decode(raw)
    except (ValidationError, ValueError) as exc:
        raise ProofError(f"the answer's record does not decode: {exc}", "format") from exc
    if to_json(record) != shown:
        raise ProofError("the record shown differs from the one in its state fact", "state")
    return record
