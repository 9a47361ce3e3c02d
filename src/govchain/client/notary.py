"""SDK of service ``notary`` (docs/spec/notary.md): anchor digests, look them up, verify offline.

:class:`NotaryClient` builds and signs ``notary.anchor`` txs (with
``govchain.contracts.notary.anchor_tx``), submits them through a
:class:`~govchain.client.sdk.NodeClient` and pages through a digest's
anchorings. :func:`verify_anchoring` checks one anchoring the node handed
out against the genesis the caller trusts: its receipt proves the tx was
committed with success, and the anchoring's fields must be what that tx and
its event say. Nothing the node says is taken on its word.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from govchain.client.sdk import ApiError, NodeClient
from govchain.client.verify import VerifiedTx, check_genesis, verify_tx_receipt
from govchain.contracts.notary import NOTARY_EVENT, NOTARY_TX_TYPE, AnchorArgs, anchor_tx
from govchain.crypto import SigningKey, suite_for
from govchain.execution.registry import ContractError
from govchain.ledger import records
from govchain.ledger.proofs import TxReceiptBundle
from govchain.types import Genesis, Tx
from govchain.types.errors import ProofError

__all__ = [
    "EXPIRY_HEIGHTS",
    "AnchoringsPage",
    "NotaryClient",
    "VerifiedAnchoring",
    "verify_anchoring",
]

EXPIRY_HEIGHTS = 100
"""An anchoring tx may be committed up to this many heights after the node's current one."""
MAX_PAGES = 10_000
"""The most pages :meth:`NotaryClient.all_anchorings` follows (a guard against a looping node)."""


@dataclass(frozen=True, slots=True)
class AnchoringsPage:
    """One page of ``GET /v1/notary/{digest}``: anchorings as JSON, and the next cursor."""

    digest: bytes
    anchorings: tuple[dict[str, Any], ...]
    next: str | None


@dataclass(frozen=True, slots=True)
class VerifiedAnchoring:
    """What a verified anchoring proves: this signer anchored this digest, here, then."""

    digest: bytes
    index: int
    owner: bytes
    time: int
    height: int
    title: str
    doc_type: str
    ref: str
    tx: VerifiedTx


class NotaryClient:
    """The notary routes of one node, through its :class:`NodeClient`."""

    def __init__(self, node: NodeClient) -> None:
        self.node = node

    def anchor(
        self,
        signer: SigningKey,
        digest: bytes,
        *,
        title: str = "",
        doc_type: str = "",
        ref: str = "",
        expiry_heights: int = EXPIRY_HEIGHTS,
    ) -> tuple[Tx, bytes]:
        """Sign and submit a ``notary.anchor`` tx for ``digest``; return it and its hash.

        The chain id and the expiry come from the node's status. Raises
        ApiError when the node refuses the tx or answers with another hash.
        """
        status = self.node.status()
        chain_id, height = str(status.get("chain_id")), int(status.get("height", 0))
        optional = {"title": title, "doc_type": doc_type, "ref": ref}
        tx = anchor_tx(
            signer, chain_id, digest, os.urandom(16), height + expiry_heights, **optional
        )
        tx_hash = self.node.submit(tx)
        if tx_hash != records.tx_hash(suite_for(signer.suite_name), tx):
            raise ApiError(202, "bad_response", f"the node answered the hash {tx_hash.hex()}")
        return tx, tx_hash

    def lookup(
        self, digest: bytes, *, cursor: str | None = None, limit: int | None = None
    ) -> AnchoringsPage:
        """One page of ``digest``'s anchorings, from ``cursor`` (None: the first)."""
        params: dict[str, str | int] = {}
        if cursor is not None:
            params["cursor"] = cursor
        if limit is not None:
            params["limit"] = limit
        answer = self.node.get_json(f"/v1/notary/{digest.hex()}", params)
        items = answer.get("anchorings")
        following = answer.get("next")
        if not isinstance(items, list) or not (following is None or isinstance(following, str)):
            raise ApiError(200, "bad_response", "a notary page has no anchorings list or next")
        return AnchoringsPage(digest, tuple(items), following)

    def all_anchorings(self, digest: bytes) -> Iterator[dict[str, Any]]:
        """Every anchoring of ``digest``, following the pages to the last."""
        cursor: str | None = None
        for _ in range(MAX_PAGES):
            page = self.lookup(digest, cursor=cursor)
            yield from page.anchorings
            if page.next is None:
                return
            cursor = page.next
        raise ApiError(200, "bad_response", f"more than {MAX_PAGES} pages of anchorings")


def verify_anchoring(genesis: Genesis, digest: bytes, item: dict[str, Any]) -> VerifiedAnchoring:
    """Check one anchoring of ``digest`` (an item of a notary page) against a trusted genesis.

    Raises ProofError (``check`` names the step) if its receipt does not
    verify, or if it does not prove what the item says.
    """
    suite = check_genesis(genesis)
    try:
        bundle = TxReceiptBundle.from_json(item.get("receipt"))
    except (ProofError, ValueError) as exc:
        raise ProofError(f"anchoring receipt: {exc}", "format") from exc
    verified = verify_tx_receipt(genesis, bundle)
    tx = bundle.tx
    if tx.type != NOTARY_TX_TYPE or verified.status != 0:
        raise ProofError("the receipt is not of a successful notary.anchor tx", "anchoring")
    try:
        args = AnchorArgs.from_args(tx.args)
    except ContractError as exc:
        raise ProofError(f"the anchoring tx's args: {exc}", "anchoring") from exc
    owner = records.address_of(suite, tx.sender)
    index = _event_index(bundle, args.digest, owner)
    claimed = {
        "digest": digest.hex(),
        "index": item.get("index"),
        "owner": item.get("owner"),
        "time": item.get("time"),
        "height": item.get("height"),
        "tx_hash": item.get("tx_hash"),
        "title": item.get("title"),
        "doc_type": item.get("doc_type"),
        "ref": item.get("ref"),
    }
    proven = {
        "digest": args.digest.hex(),
        "index": index,
        "owner": owner.hex(),
        "time": bundle.header.time,
        "height": bundle.header.height,
        "tx_hash": verified.tx_hash.hex(),
        "title": args.title,
        "doc_type": args.doc_type,
        "ref": args.ref,
    }
    wrong = sorted(name for name in proven if claimed[name] != proven[name])
    if wrong:
        raise ProofError(f"the anchoring's {', '.join(wrong)} differ from its proof", "anchoring")
    return VerifiedAnchoring(
        args.digest,
        index,
        owner,
        bundle.header.time,
        bundle.header.height,
        args.title,
        args.doc_type,
        args.ref,
        verified,
    )


def _event_index(bundle: TxReceiptBundle, digest: bytes, owner: bytes) -> int:
    for event in bundle.receipt.events:
        attributes = event.attributes
        if event.type == NOTARY_EVENT and attributes.get("digest") == digest:
            index = attributes.get("index")
            if attributes.get("owner") == owner and isinstance(index, int):
                return index
    raise ProofError("the receipt has no notary.anchored event for this digest", "anchoring")
