"""A validator-set change in the middle of a chaos run: a power change decided by vote.

Issue 15 (F-A2): the chaos plan's ``set_power`` step has the members vote
``node.set_power`` on one validator, through the API like any operator,
while the load goes on. The first member proposes; the members vote yes in
turn until the vote that passes executes it (three of four). The
new power votes two heights later, and the run's checks (nothing lost,
nothing diverged, every node at one height) must still hold.
"""

from __future__ import annotations

from pathlib import Path

from govchain.client.gov import GovClient
from govchain.client.sdk import ApiError, CommitTimeoutError, NodeClient, NodeUnreachableError
from govchain.client.submission import committed_receipt
from govchain.contracts.gov.txs import ProposeArgs
from govchain.crypto import SigningKey
from govchain.crypto.keyfiles import read_signing_key
from govchain.ledger.proofs import TxReceiptBundle
from govchain.node.netinit import NetworkLayout
from govchain.types import Receipt
from govchain.types.errors import GovChainError

__all__ = ["SetChangeError", "change_power"]

PROPOSAL_LIFETIME = 200
"""Heights the proposal stays open."""
STEP_TIMEOUT_S = 60.0


class SetChangeError(GovChainError):
    """The members could not decide the change (every node refused, or it was rejected)."""


def change_power(layout: NetworkLayout, name: str, power: int) -> int:
    """Vote ``node.set_power`` of validator node ``name`` to ``power``; return the height
    of the block that executed it. SetChangeError when it could not be decided."""
    admins = [read_signing_key(Path(key)) for _code, _name, key in layout.members]
    if not admins:
        raise SetChangeError("the layout lists no member admins to vote the change")
    urls = [node.api_url for node in layout.nodes]
    try:
        with NodeClient(urls, timeout_s=10, ca_bundle=layout.ca_bundle) as client:
            return _decide(client, admins, name, power)
    except (ApiError, NodeUnreachableError, CommitTimeoutError) as exc:
        raise SetChangeError(f"node.set_power {name} {power}: {exc}") from exc


def _decide(client: NodeClient, admins: list[SigningKey], name: str, power: int) -> int:
    gov = GovClient(client)
    height = client.status().get("height", 0)
    args = ProposeArgs(
        "node.set_power",
        {"name": name, "power": power},
        "chaos: a validator's power changes",
        int(height) + PROPOSAL_LIFETIME,
    )
    _tx, tx_hash = gov.propose(admins[0], args)
    proposed = _ok(committed_receipt(client, tx_hash, STEP_TIMEOUT_S))
    [proposal_id] = [e.attributes["id"] for e in proposed.events if e.type == "gov.proposed"]
    assert isinstance(proposal_id, int)
    for admin in admins:
        _tx, tx_hash = gov.vote(admin, proposal_id, True)
        voted = _ok(committed_receipt(client, tx_hash, STEP_TIMEOUT_S))
        decided = [e.attributes["state"] for e in voted.events if e.type == "gov.decided"]
        if decided:
            if decided != ["executed"]:
                raise SetChangeError(f"proposal {proposal_id} was {decided[0]}")
            return _height_of(client, tx_hash)
    raise SetChangeError(f"proposal {proposal_id} was not decided by every member's vote")


def _ok(receipt: Receipt) -> Receipt:
    if receipt.status != 0:
        raise SetChangeError(f"refused: {receipt.error}")
    return receipt


def _height_of(client: NodeClient, tx_hash: bytes) -> int:
    result = client.wait(tx_hash, STEP_TIMEOUT_S)
    return TxReceiptBundle.from_json(result.receipt).header.height
