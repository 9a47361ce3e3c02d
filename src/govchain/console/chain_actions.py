"""The console's governance reads and its signed submissions, through the SDK
(docs/spec/console.md, "Governance" and "Isolation").

Who a signed-in key is on the chain (account, regulator scope), proposals,
committed duplicate-vote evidence and the registered nodes are read from
any node that answers. A tx the browser signed is submitted and waited for
here, so the page it leads to shows the outcome.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

from govchain.client.evidence import EvidenceClient
from govchain.client.gov import GovClient
from govchain.client.sdk import ApiError, NodeClient
from govchain.client.submission import committed_receipt
from govchain.console.chain_reader import NotFoundError
from govchain.console.sessions import Identity, identity_of
from govchain.console.signin import SignInRefusedError
from govchain.crypto import suite_for
from govchain.ledger import records
from govchain.types import Receipt, Tx

__all__ = ["COMMIT_WAIT_S", "ChainActions", "ChainHead", "Submitted"]

READ_TIMEOUT_S = 10.0
COMMIT_WAIT_S = 30.0
"""How long a page waits for the commit of a tx it submitted."""
PROPOSALS_PAGE = 50
EVIDENCE_SHOWN = 100
USAGE_SHOWN = 200
"""The most usage records an account page shows (8 pages of 25)."""


@dataclass(frozen=True, slots=True)
class ChainHead:
    """What a tx is built against: the chain, its suite and its height now."""

    chain_id: str
    suite: str
    height: int


@dataclass(frozen=True, slots=True)
class Submitted:
    """A tx the console submitted, committed: its hash, its receipt, and a height at or
    above its block's (the chain's height when the commit was seen)."""

    tx_hash: str
    height: int
    receipt: Receipt

    def event(self, event_type: str) -> dict[str, Any] | None:
        """The attributes of the receipt's first event of ``event_type``."""
        for event in self.receipt.events:
            if event.type == event_type:
                return dict(event.attributes)
        return None


class ChainActions:
    """Governance reads and submissions over the nodes ``urls``."""

    def __init__(
        self,
        urls: Sequence[str],
        ca_bundle: Path | None,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        self._node = NodeClient(
            list(urls), ca_bundle=ca_bundle, timeout_s=READ_TIMEOUT_S, transport=transport
        )
        self._gov = GovClient(self._node)

    def close(self) -> None:
        """Release the connection pool."""
        self._node.close()

    def head(self) -> ChainHead:
        """The chain id, suite and height a node answers now."""
        status = self._node.status()
        return ChainHead(str(status["chain_id"]), str(status["suite"]), int(status["height"]))

    def identity(self, suite: str, public_key: bytes) -> Identity:
        """Who ``public_key`` is on the chain; SignInRefusedError if it is no account or one
        that is frozen or closed."""
        address = records.address_of(suite_for(suite), public_key).hex()
        try:
            account = self._node.get_json(f"/v1/accounts/{address}")["account"]
        except ApiError as exc:
            if exc.code == "unknown_account":
                raise SignInRefusedError("account", address) from exc
            raise
        if account.get("status") != "active":
            raise SignInRefusedError("frozen", str(account.get("status")))
        return identity_of(suite, public_key, account, self._is_regulator(address))

    def _is_regulator(self, address: str) -> bool:
        try:
            self._node.get_json(f"/v1/regulators/{address}")
        except ApiError as exc:
            if exc.status == 404:
                return False
            raise
        return True

    def account(self, address: str) -> dict[str, Any]:
        """The account record at ``address`` (hex); NotFoundError if none."""
        try:
            return dict(self._node.get_json(f"/v1/accounts/{address}")["account"])
        except ApiError as exc:
            if exc.status == 404:
                raise NotFoundError(f"no account {address}") from exc
            raise

    def holder_usage(self, address: str) -> tuple[list[dict[str, Any]], bool]:
        """The account's usage history as the holder (``GET /v1/accounts/{address}/usage``),
        oldest first, at most :data:`USAGE_SHOWN` records; and whether there are more."""
        found: list[dict[str, Any]] = []
        cursor: str | None = None
        while len(found) < USAGE_SHOWN:
            params: dict[str, str | int] = {} if cursor is None else {"cursor": cursor}
            page = self._node.get_json(f"/v1/accounts/{address}/usage", params)
            found += page.get("usage", [])
            cursor = page.get("next")
            if cursor is None:
                break
        return found[:USAGE_SHOWN], cursor is not None or len(found) > USAGE_SHOWN

    def proposals(self, cursor: str | None) -> dict[str, Any]:
        """One page of proposals, newest first: ``{proposals, next, height}``."""
        return self._gov.proposals(cursor=cursor, limit=PROPOSALS_PAGE)

    def proposal(self, proposal_id: int) -> dict[str, Any]:
        """One proposal record; NotFoundError if there is none."""
        try:
            return dict(self._gov.proposal(proposal_id)["proposal"])
        except ApiError as exc:
            if exc.status == 404:
                raise NotFoundError(f"no proposal {proposal_id}") from exc
            raise

    def evidence(self) -> list[dict[str, Any]]:
        """Committed duplicate-vote evidence, the first :data:`EVIDENCE_SHOWN` records."""
        page = EvidenceClient(self._node).page(limit=EVIDENCE_SHOWN)
        return list(page.evidence)

    def validator_nodes(self) -> dict[str, str]:
        """Validator address (hex) -> the name of its registered, active node."""
        found: dict[str, str] = {}
        cursor: str | None = None
        for _ in range(100):
            params: dict[str, str | int] = {} if cursor is None else {"cursor": cursor}
            page = self._node.get_json("/v1/registry/nodes", params)
            for node in page.get("nodes", []):
                if node.get("role") == "validator" and node.get("status") == "active":
                    found[str(node["validator"])] = str(node["name"])
            cursor = page.get("next")
            if cursor is None:
                break
        return found

    def submit(self, tx: Tx) -> Submitted:
        """Submit a signed tx and wait for its commit (at most :data:`COMMIT_WAIT_S`)."""
        tx_hash = self._node.submit(tx)
        receipt = committed_receipt(self._node, tx_hash, COMMIT_WAIT_S)
        return Submitted(tx_hash.hex(), int(self._node.status()["height"]), receipt)
