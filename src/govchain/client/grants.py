"""SDK of service ``grants``: grant, code, delegate, request, and read through a usage record.

The chain-end node does what needs a secret: the holder opens the asset's
data key with its locker password and seals it to the grantee (a grant) or
under a key derived from a fresh code (a code); a reader records its use on
chain first (``grants.use``), then fetches the ciphertext against that
record from a storage node and decrypts it with its grant's envelope or the
code. docs/spec/grants.md.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from govchain.client.annotations import AnnotatedCopy, Annotation
from govchain.client.asset_crypto import Plaintext, decrypt_content, envelope_for, open_envelope
from govchain.client.assets import AssetClient, AssetRefusedError
from govchain.client.auth_codes import (
    code_id,
    code_proof,
    derive,
    new_code,
    open_data_key,
    parse_code,
    seal_data_key,
)
from govchain.client.sdk import NodeClient
from govchain.contracts.assets import Asset
from govchain.contracts.grants import (
    AnswerArgs,
    CodeArgs,
    DelegateArgs,
    Grant,
    GrantArgs,
    RemindArgs,
    RequestArgs,
    RevokeArgs,
    UndelegateArgs,
    UseArgs,
)
from govchain.crypto.envelopes import LockerKey
from govchain.ledger.proofs import TxReceiptBundle
from govchain.types import Receipt
from govchain.types.errors import GovChainError

__all__ = ["FetchedForUse", "GrantClient", "GrantTerms", "IssuedCode"]


@dataclass(frozen=True, slots=True)
class IssuedCode:
    """A new authorization code (shown once) and the tx that registered its key."""

    code: str
    code_id: bytes
    tx_hash: bytes


@dataclass(frozen=True, slots=True)
class FetchedForUse:
    """Content read through a usage record: its tx and the storage node's annotation."""

    asset: Asset
    plaintext: Plaintext
    use_tx: bytes
    annotation: Annotation

    def annotated_copy(self, node: NodeClient) -> AnnotatedCopy:
        """The annotated copy (加注件) of this read: the annotation and the usage tx's receipt."""
        result = node.tx(self.use_tx)
        if result.receipt is None:
            raise AssetRefusedError("not_found", "the usage tx has no receipt on this node yet")
        return AnnotatedCopy(self.annotation, TxReceiptBundle.from_json(result.receipt))


@dataclass(frozen=True, slots=True)
class GrantTerms:
    """What a grant allows: scope (view or use), purpose, until when, how often, for which
    matter."""

    scope: str
    purpose: str
    expires_ms: int
    uses: int
    matter: str = ""


class GrantClient:
    """One account's grants, codes, delegations, requests and reads, over an AssetClient."""

    def __init__(self, assets: AssetClient) -> None:
        self.assets = assets
        self.suite = assets.suite
        self.address = assets.address

    def _send(self, args: Any) -> Receipt:
        return self.assets.send(args)

    @staticmethod
    def _id(receipt: Receipt) -> bytes:
        return receipt.tx_hash[:16]

    # --- the holder's side ----------------------------------------------------------------

    def grant(
        self,
        ref: str,
        grantee: bytes,
        scope: str,
        purpose: str,
        expires_ms: int,
        uses: int,
        password: bytes,
        *,
        matter: str = "",
        on_behalf: bytes = b"",
    ) -> bytes:
        """Grant ``grantee`` view or use of an asset; the grant's id.

        The data key is opened here (the holder's envelope, or for an agent the
        envelope of a grant to it) and sealed to the grantee's locker key.
        """
        asset = self.assets.asset(ref)
        data_key = self._data_key(asset, password)
        terms = GrantTerms(scope, purpose, expires_ms, uses, matter)
        return self.grant_key(asset.content_id, data_key, grantee, terms, on_behalf)

    def grant_key(
        self,
        content_id: bytes,
        data_key: bytes,
        grantee: bytes,
        terms: GrantTerms,
        on_behalf: bytes = b"",
    ) -> bytes:
        """Grant an asset whose data key the caller holds already (its issuer, sharing it as
        the holder's agent); the grant's id."""
        return self.grant_keys(content_id, data_key, [(grantee, terms)], on_behalf)[0]

    def grant_keys(
        self,
        content_id: bytes,
        data_key: bytes,
        grants: list[tuple[bytes, GrantTerms]],
        on_behalf: bytes = b"",
    ) -> list[bytes]:
        """:meth:`grant_key` to several grantees at once (submitted together); the ids."""
        batch = []
        for grantee, terms in grants:
            locker = self.assets.locker(grantee)
            if locker is None:
                raise AssetRefusedError("no_locker", f"grantee {grantee.hex()} has no locker")
            envelope = envelope_for(self.suite, locker.public_key, data_key)
            batch.append(GrantArgs(
                content_id, grantee, terms.scope, terms.purpose, terms.expires_ms, terms.uses,
                envelope, terms.matter, on_behalf,
            ))  # fmt: skip
        return [self._id(receipt) for receipt in self.assets.send_all(batch)]

    def revoke(self, record_id: bytes, reason: str, on_behalf: bytes = b"") -> Receipt:
        """Revoke a grant or a code."""
        return self._send(RevokeArgs(record_id, reason, on_behalf))

    def new_code(
        self, ref: str, purpose: str, expires_ms: int, uses: int, password: bytes
    ) -> IssuedCode:
        """A fresh authorization code for an asset: its key and sealed data key go on chain."""
        asset = self.assets.asset(ref)
        data_key = self._data_key(asset, password)
        code = new_code()
        keys = derive(self.suite, code, asset.content_id)
        sealed = seal_data_key(self.suite, keys, data_key, asset.content_id)
        args = CodeArgs(
            asset.content_id, keys.signing_key.public_key, sealed, purpose, expires_ms, uses
        )
        receipt = self._send(args)
        return IssuedCode(code, code_id(self.suite, keys), receipt.tx_hash)

    def delegate(
        self,
        agent: bytes,
        scope: tuple[str, ...],
        expires_ms: int,
        purpose: str,
        *,
        types: tuple[str, ...] = (),
        assets: tuple[bytes, ...] = (),
    ) -> bytes:
        """Delegate acts on this account's assets to ``agent``; the delegation's id."""
        args = DelegateArgs(agent, tuple(sorted(scope)), expires_ms, purpose, types, assets)
        return self._id(self._send(args))

    def undelegate(self, delegation: bytes, reason: str) -> Receipt:
        """End a delegation."""
        return self._send(UndelegateArgs(delegation, reason))

    def answer(
        self,
        request_id: bytes,
        approve: bool,
        password: bytes | None = None,
        *,
        reason: str = "",
        uses: int = 1,
        on_behalf: bytes = b"",
    ) -> Receipt:
        """Approve a request (sealing the data key to the requester) or decline it."""
        if not approve:
            return self._send(AnswerArgs(request_id, False, reason, on_behalf=on_behalf))
        shown = self.assets.node.get_json(f"/v1/grants/{request_id.hex()}")["record"]
        asset = self.assets.asset(str(shown["asset"]))
        if password is None:
            raise AssetRefusedError("invalid_args", "approving needs the locker password")
        locker = self.assets.locker(bytes.fromhex(str(shown["requester"])))
        if locker is None:
            raise AssetRefusedError("no_locker", "the requester has no locker")
        envelope = envelope_for(self.suite, locker.public_key, self._data_key(asset, password))
        return self._send(AnswerArgs(request_id, True, reason, envelope, uses, on_behalf))

    # --- the reader's side ----------------------------------------------------------------

    def request(
        self,
        ref: str,
        scope: str,
        purpose: str,
        expires_ms: int,
        *,
        remind_every: int = 100,
        reminders: int = 3,
        matter: str = "",
    ) -> bytes:
        """Ask the holder of an asset for a grant; the request's id."""
        asset = self.assets.asset(ref)
        args = RequestArgs(
            asset.content_id, scope, purpose, expires_ms, remind_every, reminders, matter
        )
        return self._id(self._send(args))

    def remind(self, request_id: bytes) -> Receipt:
        """Count a due reminder (the notifier sends these; anyone may)."""
        return self._send(RemindArgs(request_id))

    def shared_with_me(self) -> list[dict[str, Any]]:
        """The grants to this account, every page (a signed read: the node client needs this
        account's key)."""
        return self._every_page(f"/v1/grants/to/{self.address.hex()}", "records")

    def requests(self) -> list[dict[str, Any]]:
        """The requests to this account, every page (a signed read)."""
        return self._every_page(f"/v1/grants/requests/{self.address.hex()}", "records")

    def _every_page(self, path: str, field: str) -> list[dict[str, Any]]:
        return self.assets.node.get_every_page(path, field)

    def history(self, ref: str) -> list[dict[str, Any]]:
        """Every usage record of an asset, oldest first, each with its receipt bundle."""
        return self._every_page(f"/v1/assets/{ref}/usage", "usage")

    def fetch_with_grant(
        self, ref: str, purpose: str, password: bytes, action: str = "view"
    ) -> FetchedForUse:
        """Record a use through this account's grant, then fetch and decrypt the content."""
        asset = self.assets.asset(ref)
        grant = self._my_grant(asset)
        receipt = self._send(UseArgs(asset.content_id, action, purpose, {"grant": grant.id}))
        data_key = open_envelope(self.suite, self.assets.unlock(password), grant.envelope)
        return self._fetch(asset, receipt.tx_hash, data_key)

    def fetch_granted(
        self, grant_id: bytes, purpose: str, locker: LockerKey, action: str = "use"
    ) -> FetchedForUse:
        """Record a use through the grant ``grant_id`` (to this account), then fetch and
        decrypt with the already unlocked locker key (an adapter unlocks once)."""
        shown = self.assets.node.get_json(f"/v1/grants/{grant_id.hex()}")["record"]
        grant = Grant(**_grant_fields(shown))
        grant.validate()
        asset = self.assets.asset(grant.asset.hex())
        receipt = self._send(UseArgs(asset.content_id, action, purpose, {"grant": grant.id}))
        data_key = open_envelope(self.suite, locker, grant.envelope)
        return self._fetch(asset, receipt.tx_hash, data_key)

    def fetch_in_scope(self, ref: str, purpose: str, password: bytes) -> FetchedForUse:
        """As a regulator (docs/spec/supervision.md): record a view in this account's scope,
        then fetch and decrypt with the regulator's own envelope."""
        asset = self.assets.asset(ref)
        envelope = asset.content.envelope_of(self.address)
        if envelope is None:
            raise AssetRefusedError("no_envelope", "the asset's type does not name this account")
        shown = self.assets.node.get_json(f"/v1/regulators/{self.address.hex()}")["scope"]
        via = {"scope": bytes.fromhex(str(shown["id"]))}
        receipt = self._send(UseArgs(asset.content_id, "view", purpose, via))
        data_key = open_envelope(self.suite, self.assets.unlock(password), envelope.sealed)
        return self._fetch(asset, receipt.tx_hash, data_key)

    def fetch_with_code(
        self, ref: str, code_text: str, purpose: str, action: str = "view"
    ) -> FetchedForUse:
        """Record a use with a code (bound to this account), then fetch and decrypt."""
        code = parse_code(code_text)
        asset = self.assets.asset(ref)
        keys = derive(self.suite, code, asset.content_id)
        the_id = code_id(self.suite, keys)
        try:
            shown = self.assets.node.get_json(f"/v1/grants/{the_id.hex()}")["record"]
        except GovChainError as exc:
            if getattr(exc, "code", "") == "not_found":
                raise AssetRefusedError("wrong_code", "no code like this one was issued") from exc
            raise
        chain_id = str(self.assets.node.status().get("chain_id"))
        proof = code_proof(self.suite, keys, chain_id, self.address, asset.content_id)
        receipt = self._send(
            UseArgs(asset.content_id, action, purpose, {"code": the_id, "proof": proof})
        )
        sealed = bytes.fromhex(str(shown["sealed"]))
        data_key = open_data_key(self.suite, keys, sealed, asset.content_id)
        return self._fetch(asset, receipt.tx_hash, data_key)

    # --- shared ---------------------------------------------------------------------------

    def _fetch(self, asset: Asset, use_tx: bytes, data_key: bytes) -> FetchedForUse:
        blob = asset.content.blob
        data, annotation = self.assets.storage.get_for_use(blob.hash, blob.locators, use_tx)
        plaintext = decrypt_content(
            self.suite, data_key, asset.content_id, max(asset.version, 1), data
        )
        return FetchedForUse(asset, plaintext, use_tx, annotation)

    def _my_grant(self, asset: Asset) -> Grant:
        """This account's grant of ``asset``: an active one with uses left, else the latest (the
        chain then says why it no longer serves)."""
        mine = [g for g in self.shared_with_me() if g["asset"] == asset.content_id.hex()]
        if not mine:
            raise AssetRefusedError("not_grantee", "this account holds no grant of the asset")
        usable = [g for g in mine if g["status"] == "active" and g["used"] < g["uses"]]
        grant = Grant(**_grant_fields((usable or mine)[-1]))
        grant.validate()
        return grant

    def _data_key(self, asset: Asset, password: bytes) -> bytes:
        """The data key: the holder's envelope, or an agent's through a grant to it."""
        envelope = asset.content.envelope_of(self.address)
        sealed = envelope.sealed if envelope is not None else self._my_grant(asset).envelope
        return open_envelope(self.suite, self.assets.unlock(password), sealed)


def _grant_fields(shown: dict[str, Any]) -> dict[str, Any]:
    """A grant's fields from its JSON form (bytes fields from hex)."""
    found = dict(shown)
    for name in ("id", "asset", "holder", "grantee", "envelope", "by"):
        found[name] = bytes.fromhex(str(found[name]))
    return found
