"""SDK of service ``contracts`` (docs/spec/contracts.md): the lifecycle's txs and proven reads.

:class:`ContractsClient` builds and submits the txs of a contract's member
(submit, upgrade, test record, deploy), a reviewer's review and anyone's
call; freezing, unfreezing, abolishing and parameters are governance
actions (``GovClient.propose``). With a trusted genesis,
:func:`verify_contract` checks a contract read (the contract, each version,
each review, each test record against its state fact) and
:func:`verify_history` each history step against its receipt.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from govchain.client.registry import _page, verify_record
from govchain.client.sdk import NodeClient
from govchain.client.submission import submit_args
from govchain.client.verify import verify_tx_receipt
from govchain.codec import decode
from govchain.codec.errors import CodecError
from govchain.contracts.lifecycle.records import (
    ContractRecord,
    HistoryEntry,
    ReviewVote,
    TestRecord,
    VersionRecord,
)
from govchain.contracts.lifecycle.state import contract_key, tested_key, version_key, vote_key
from govchain.contracts.lifecycle.tested import CALLED_EVENT
from govchain.contracts.lifecycle.txs import (
    MAX_TEST_FILE,
    CallArgs,
    DeployArgs,
    ReviewArgs,
    SubmitArgs,
    TestRecordArgs,
    UpgradeArgs,
    lifecycle_tx,
)
from govchain.crypto import SigningKey
from govchain.ledger.proofs import TxReceiptBundle
from govchain.types import Genesis, Receipt, Tx
from govchain.types.errors import ProofError, ValidationError

__all__ = [
    "CallResult",
    "ContractsClient",
    "call_result",
    "compact_file",
    "verify_contract",
    "verify_history",
]


@dataclass(frozen=True, slots=True)
class CallResult:
    """A committed call: its version, method, fuel used, decoded result and events."""

    version: int
    method: str
    fuel: int
    result: object
    events: tuple[tuple[str, object], ...]


def call_result(receipt: Receipt) -> CallResult:
    """What a successful call's receipt says; ValidationError when it is no such receipt."""
    called = [e.attributes for e in receipt.events if e.type == CALLED_EVENT]
    if receipt.status != 0 or len(called) != 1:
        raise ValidationError(f"not the receipt of a successful call: {receipt.error}")
    event = called[0]
    try:
        result = decode(event["result"])
        events = tuple(
            (str(e.attributes["name"]), decode(e.attributes["data"]))
            for e in receipt.events
            if e.type == "contracts.event"
        )
    except (CodecError, KeyError, TypeError) as exc:
        raise ValidationError(f"the call's receipt does not decode: {exc}") from exc
    return CallResult(
        int(event["version"]), str(event["method"]), int(event["fuel"]), result, events
    )


def compact_file(path: Path, what: str) -> bytes:
    """A genesis or receipt file's bytes, as a test record's tx carries them.

    The genesis file goes as it is (the recorded ``test_genesis`` is the hash
    of its bytes); a receipt file as compact JSON. Raises ValidationError when
    it is not JSON or over :data:`MAX_TEST_FILE` bytes.
    """
    data = path.read_bytes()
    if what != "genesis":
        try:
            data = json.dumps(json.loads(data), separators=(",", ":")).encode()
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise ValidationError(f"{path}: not a {what} file: {exc}") from exc
    if len(data) > MAX_TEST_FILE:
        raise ValidationError(f"{path}: {len(data)} bytes, over the {MAX_TEST_FILE} a tx carries")
    return data


class ContractsClient:
    """The contracts routes of a node, and the lifecycle's txs."""

    def __init__(self, node: NodeClient) -> None:
        self.node = node

    def send(
        self,
        signer: SigningKey,
        args: SubmitArgs | UpgradeArgs | ReviewArgs | TestRecordArgs | DeployArgs | CallArgs,
    ) -> tuple[Tx, bytes]:
        """Submit the tx of ``args`` signed by ``signer``; returns the tx and its hash."""
        return submit_args(self.node, signer, lifecycle_tx, args)

    def contracts(self, *, cursor: str | None = None, limit: int | None = None) -> dict[str, Any]:
        """One page of ``GET /v1/contracts``: ``{contracts: [{record, fact}], next}``."""
        return self.node.get_json("/v1/contracts", _page(cursor, limit))

    def contract(self, contract: bytes) -> dict[str, Any]:
        """``GET /v1/contracts/{id}``: the contract, its newest versions, reviews and tests."""
        return self.node.get_json(f"/v1/contracts/{contract.hex()}")

    def history(
        self, contract: bytes, *, cursor: str | None = None, limit: int | None = None
    ) -> dict[str, Any]:
        """One page of ``GET /v1/contracts/{id}/history``, oldest first."""
        return self.node.get_json(f"/v1/contracts/{contract.hex()}/history", _page(cursor, limit))

    def params(self) -> dict[str, Any]:
        """``GET /v1/contracts/params``: the parameters in force."""
        params = self.node.get_json("/v1/contracts/params")["params"]
        assert isinstance(params, dict)
        return params


def _proven_record(genesis: Genesis, key: bytes, item: object, decode_record: Any) -> Any:
    if not isinstance(item, dict) or not isinstance(item.get("record"), dict):
        raise ProofError("a proven record is missing", "format")
    return verify_record(
        genesis, key, item.get("fact"), item["record"], decode_record, lambda r: r.to_json()
    ).record


def verify_contract(genesis: Genesis, answer: dict[str, Any]) -> ContractRecord:
    """Check a ``GET /v1/contracts/{id}`` answer against the genesis; ProofError if it fails.

    Every record shown (the contract, each version, review and test record)
    must be the one its state fact proves under its own key.
    """
    shown = answer.get("contract")
    if not isinstance(shown, dict):
        raise ProofError("the answer has no contract", "format")
    contract = bytes.fromhex(str(shown.get("id")))
    record: ContractRecord = _proven_record(
        genesis, contract_key(contract), {"record": shown, "fact": answer.get("fact")},
        ContractRecord.from_stored,
    )  # fmt: skip
    for item in answer.get("versions") or []:
        if not isinstance(item, dict):
            raise ProofError("a version is malformed", "format")
        number = item.get("version", {}).get("number")
        if not isinstance(number, int):
            raise ProofError("a version has no number", "format")
        proven = {"record": item.get("version"), "fact": item.get("fact")}
        version: VersionRecord = _proven_record(
            genesis, version_key(contract, number), proven, VersionRecord.from_stored
        )
        for review in item.get("reviews") or []:
            member = str((review.get("record") or {}).get("member"))
            if member not in version.electorate:
                raise ProofError(f"a review is by {member}, not of the electorate", "state")
            _proven_record(
                genesis, vote_key(contract, number, member), review, ReviewVote.from_stored
            )
        if item.get("test") is not None:
            _proven_record(
                genesis, tested_key(contract, number), item["test"], TestRecord.from_stored
            )
    return record


def verify_history(genesis: Genesis, answer: dict[str, Any]) -> list[HistoryEntry]:
    """Check each step of a history page against its tx's receipt; ProofError if one fails."""
    entries = []
    for step in answer.get("steps") or []:
        try:
            entry: HistoryEntry = HistoryEntry(
                **{**step["entry"], "actor": bytes.fromhex(step["entry"]["actor"]),
                   "tx_hash": bytes.fromhex(step["entry"]["tx_hash"])}
            )  # fmt: skip
            entry.validate()
            bundle = TxReceiptBundle.from_json(step["receipt"])
        except (KeyError, TypeError, ValueError, ValidationError) as exc:
            raise ProofError(f"a history step is malformed: {exc}", "format") from exc
        verified = verify_tx_receipt(genesis, bundle)
        if verified.tx_hash != entry.tx_hash or verified.height != entry.height:
            raise ProofError("a history step names another tx than its receipt's", "receipt")
        if verified.status != 0:
            raise ProofError("a history step's tx failed", "receipt")
        entries.append(entry)
    return entries
