"""SDK of service ``gov`` (docs/spec/gov.md): propose, vote, withdraw; proposals, proven.

:class:`GovClient` builds and submits the txs of a member's admin and reads
the gov routes; :func:`verify_proposal` checks one proposal's state fact
against the genesis the caller trusts.
"""

from __future__ import annotations

from typing import Any

from govchain.client.registry import Proven, _page, verify_record
from govchain.client.sdk import NodeClient
from govchain.client.submission import submit_args, submit_built
from govchain.contracts.gov.records import Proposal
from govchain.contracts.gov.state import proposal_key
from govchain.contracts.gov.txs import ProposeArgs, propose_tx, vote_tx, withdraw_tx
from govchain.crypto import SigningKey
from govchain.types import Genesis, Tx
from govchain.types.errors import ProofError

__all__ = ["GovClient", "verify_proposal"]


class GovClient:
    """The gov routes of a node, and the txs of a member's admin."""

    def __init__(self, node: NodeClient) -> None:
        self.node = node

    def propose(self, signer: SigningKey, args: ProposeArgs) -> tuple[Tx, bytes]:
        """Submit ``gov.propose``; the proposal's id is in the receipt's ``gov.proposed`` event."""
        return submit_args(self.node, signer, propose_tx, args)

    def vote(self, signer: SigningKey, proposal_id: int, yes: bool) -> tuple[Tx, bytes]:
        """Submit ``gov.vote``."""
        return submit_built(
            self.node,
            signer.suite_name,
            lambda chain, nonce, expiry: vote_tx(signer, chain, proposal_id, yes, nonce, expiry),
        )

    def withdraw(self, signer: SigningKey, proposal_id: int) -> tuple[Tx, bytes]:
        """Submit ``gov.withdraw``."""
        return submit_args(self.node, signer, withdraw_tx, proposal_id)

    def proposal(self, proposal_id: int) -> dict[str, Any]:
        """``GET /v1/gov/proposals/{id}``: ``{proposal, fact}``."""
        return self.node.get_json(f"/v1/gov/proposals/{proposal_id}")

    def proposals(
        self, *, state: str | None = None, cursor: str | None = None, limit: int | None = None
    ) -> dict[str, Any]:
        """One page of ``GET /v1/gov/proposals``, newest first."""
        params = _page(cursor, limit)
        if state is not None:
            params["state"] = state
        return self.node.get_json("/v1/gov/proposals", params)

    def policies(self, *, cursor: str | None = None, limit: int | None = None) -> dict[str, Any]:
        """One page of ``GET /v1/policies``."""
        return self.node.get_json("/v1/policies", _page(cursor, limit))


def verify_proposal(genesis: Genesis, answer: dict[str, Any]) -> Proven:
    """Check a ``{proposal, fact}`` answer against the genesis; ProofError if it does not hold.

    The state shown may be ``expired`` where the record says ``open``: that
    is read from the proven height and expiry, and checked here too.
    """
    shown = answer.get("proposal")
    if not isinstance(shown, dict) or not isinstance(shown.get("id"), int):
        raise ProofError("the answer has no proposal record", "format")
    stored = {**shown, "state": "open" if shown.get("state") == "expired" else shown.get("state")}
    proven = verify_record(
        genesis,
        proposal_key(shown["id"]),
        answer.get("fact"),
        stored,
        Proposal.from_stored,
        Proposal.to_json,
    )
    record = proven.record
    assert isinstance(record, Proposal)
    if record.state_at(proven.height) != shown.get("state"):
        raise ProofError("the proposal's state differs from its proof", "state")
    return proven
