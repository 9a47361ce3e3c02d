"""SDK of service ``supervision``: a regulator's reads of cases and txs in its scope.

Each read is recorded on chain first (``grants.use`` naming the case, or the
tx and its sender, through the regulator's scope: a usage record in the
holder's history), then served by a node against that record as a signed
read of the regulator (``GET /v1/supervision/reads/{use_tx}``). With a
trusted genesis the served case's fact and the tx's receipt bundle are
checked before anything is returned. docs/spec/supervision.md.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from govchain.client.assets import AssetClient, AssetRefusedError
from govchain.client.registry import verify_record
from govchain.client.verify import verify_tx_receipt
from govchain.contracts.grants.txs import RecordReadArgs
from govchain.contracts.registry.records import json_form
from govchain.contracts.workflow.records import Case
from govchain.contracts.workflow.state import case_key
from govchain.ledger import records
from govchain.ledger.proofs import TxReceiptBundle
from govchain.types import Genesis
from govchain.types.errors import ProofError

__all__ = ["RegulatorClient", "ScopedReadResult", "verify_scoped_read"]


@dataclass(frozen=True, slots=True)
class ScopedReadResult:
    """A regulator's read: the usage tx that recorded it and what the node served."""

    use_tx: bytes
    answer: dict[str, Any]
    verified: bool


class RegulatorClient:
    """A regulator's account reading cases and txs in its scope (the node client must sign
    reads with this account's key)."""

    def __init__(self, assets: AssetClient, genesis: Genesis | None = None) -> None:
        self.assets = assets
        self.node = assets.node
        self.address = assets.address
        self.genesis = genesis

    def scope_id(self) -> bytes:
        """The id of this account's scope (``not_found`` when it is no regulator)."""
        shown = self.node.get_json(f"/v1/regulators/{self.address.hex()}")["scope"]
        return bytes.fromhex(str(shown["id"]))

    def read_case(self, case_id: bytes, purpose: str) -> ScopedReadResult:
        """Record a read of case ``case_id`` in scope, then read its form and materials."""
        args = RecordReadArgs("view", purpose, {"scope": self.scope_id()}, case=case_id)
        return self.served(self.assets.send(args).tx_hash)

    def read_tx(self, tx_hash: bytes, purpose: str) -> ScopedReadResult:
        """Record a read of tx ``tx_hash`` (naming its sender as the holder), then read it."""
        holder = self.sender_of(tx_hash)
        args = RecordReadArgs(
            "view", purpose, {"scope": self.scope_id()}, tx=tx_hash, holder=holder
        )
        return self.served(self.assets.send(args).tx_hash)

    def sender_of(self, tx_hash: bytes) -> bytes:
        """The address of the account that sent a committed tx."""
        found = self.node.tx(tx_hash)
        if found.receipt is None:
            raise AssetRefusedError(
                "not_found", f"tx {tx_hash.hex()} is not committed on this node"
            )
        tx = TxReceiptBundle.from_json(found.receipt).tx
        if tx.sender_kind != "key":
            raise AssetRefusedError(
                "invalid_args", f"tx {tx_hash.hex()} was sent under a certificate: not supported"
            )
        return records.address_of(self.assets.suite, tx.sender)

    def served(self, use_tx: bytes) -> ScopedReadResult:
        """What the node serves against the usage record ``use_tx`` (a signed read), checked
        against the genesis when this client has one."""
        answer = self.node.get_json(f"/v1/supervision/reads/{use_tx.hex()}")
        if self.genesis is not None:
            self._verify(answer)
        return ScopedReadResult(use_tx, answer, self.genesis is not None)

    def _verify(self, answer: dict[str, Any]) -> None:
        assert self.genesis is not None
        verify_scoped_read(self.genesis, answer)


def verify_scoped_read(genesis: Genesis, answer: dict[str, Any]) -> None:
    """Check what a node served against a usage record (``GET /v1/supervision/reads/{use_tx}``)
    with ``genesis`` alone: the case's state fact, or the tx's receipt bundle, that it is the
    tx the record names and that the served args are the bundle's tx's; ProofError if not."""
    usage = answer["usage"]
    if answer.get("case") is not None:
        verify_record(
            genesis, case_key(bytes.fromhex(str(usage["target_id"]))),
            answer["case_fact"], answer["case"], Case.from_stored, Case.to_json,
        )  # fmt: skip
        return
    shown = answer.get("tx")
    if not isinstance(shown, dict):
        raise ProofError("the node served neither a case nor a tx", "format")
    bundle = TxReceiptBundle.from_json(shown["receipt"])
    verified = verify_tx_receipt(genesis, bundle)
    if verified.tx_hash.hex() != usage["target_id"]:
        raise ProofError("the served tx is not the one the record names", "tx")
    if shown.get("args") != json_form(bundle.tx.args):
        raise ProofError("the served args are not the receipt's tx's", "tx")
