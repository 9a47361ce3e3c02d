"""The handler of ``contracts.test_record``: a test network's receipt of a passing call, checked
offline against the test genesis the chain recorded (docs/spec/contracts.md, "Test and
production networks").

The tx carries the test network's genesis file and the receipt file of the
call. The handler checks, in order: the genesis file hashes (with this
chain's suite) to the ``test_genesis`` parameter; it is a genesis whose
chain id ends in ``-test``; the receipt verifies against it
(``ledger.receipt_checks.verify_tx_receipt``: signature, inclusion, commit,
set transitions); it is the receipt of a successful ``contracts.call``
whose ``contracts.called`` event names this version's code hash.
Deterministic: JSON parsing and the checks are pure functions of the bytes.
"""

from __future__ import annotations

import json

from govchain.contracts.lifecycle.params import read_params
from govchain.contracts.lifecycle.records import HistoryEntry, TestRecord, VersionRecord
from govchain.contracts.lifecycle.refusals import live_contract, owner_member, refuse
from govchain.contracts.lifecycle.state import read_version, record_history, tested_key
from govchain.contracts.lifecycle.txs import CALL_TX_TYPE, TestRecordArgs
from govchain.crypto import CryptoSuite
from govchain.execution.registry import ContractError, Handler, TxContext
from govchain.ledger import records
from govchain.ledger.genesis_file import genesis_from_json
from govchain.ledger.proofs import TxReceiptBundle
from govchain.ledger.receipt_checks import verify_tx_receipt
from govchain.types import Genesis, Tx
from govchain.types.errors import ProofError, ValidationError

__all__ = ["CALLED_EVENT", "TEST_CHAIN_SUFFIX", "checked_test_call", "record_test_handler"]

TEST_CHAIN_SUFFIX = "-test"
"""How a test network's chain id ends (``govchain net init --profile test``)."""
CALLED_EVENT = "contracts.called"


def _bad(message: str) -> ContractError:
    return refuse("bad_test_record", message)


def _json(data: bytes, what: str) -> object:
    try:
        return json.loads(data)
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError) as exc:
        raise _bad(f"the {what} is not JSON: {exc}") from None


def _test_genesis(suite: CryptoSuite, data: bytes, recorded: bytes) -> Genesis:
    if not recorded:
        raise _bad("no test network is recorded (contracts.params test_genesis)")
    if suite.hash(data) != recorded:
        raise _bad(f"the genesis file does not hash to the recorded test genesis {recorded.hex()}")
    try:
        genesis = genesis_from_json(_json(data, "genesis file"))
    except ValidationError as exc:
        raise _bad(f"the genesis file: {exc}") from None
    if not genesis.chain_id.endswith(TEST_CHAIN_SUFFIX):
        raise _bad(f"chain {genesis.chain_id!r} is not a test network (its id ends in -test)")
    return genesis


def checked_test_call(
    suite: CryptoSuite,
    version: VersionRecord,
    genesis_file: bytes,
    receipt_file: bytes,
    recorded: bytes,
) -> tuple[Genesis, TxReceiptBundle, str]:
    """The test genesis, the verified receipt bundle and the called method; ``bad_test_record``."""
    genesis = _test_genesis(suite, genesis_file, recorded)
    try:
        bundle = TxReceiptBundle.from_json(_json(receipt_file, "receipt file"))
        verified = verify_tx_receipt(genesis, bundle)
    except (ProofError, ValidationError) as exc:
        raise _bad(f"the receipt does not verify against the test genesis: {exc}") from None
    if verified.tx_type != CALL_TX_TYPE:
        raise _bad(f"the receipt is of a {verified.tx_type} tx, not of a contract call")
    if verified.status != 0:
        raise _bad(f"the test call failed: {verified.error[:200]}")
    called = [e.attributes for e in bundle.receipt.events if e.type == CALLED_EVENT]
    if len(called) != 1 or called[0].get("code_hash") != version.code_hash:
        raise _bad(f"the receipt is not of a call of this version's code {version.code_hash.hex()}")
    method = called[0].get("method")
    if not isinstance(method, str):
        raise _bad("the receipt's call names no method")
    return genesis, bundle, method


def record_test_handler(suite: CryptoSuite) -> Handler:
    """The handler of ``contracts.test_record`` (sent by the contract's member)."""

    def handle(ctx: TxContext, tx: Tx) -> None:
        args = TestRecordArgs.from_args(tx.args)
        record = live_contract(ctx.get, args.contract)
        sender = records.address_of(suite, tx.sender)
        member = owner_member(ctx.get, sender, "record a test")
        if member.code != record.member:
            raise refuse("not_owner", f"contract {record.name} is member {record.member}'s")
        if args.version > record.versions:
            raise refuse("bad_version", f"{record.name} has no version {args.version}")
        version = read_version(ctx.get, record.id, args.version)
        if version.status not in ("in_review", "approved"):
            raise refuse(
                "bad_status", f"version {args.version} is {version.status}: nothing to test"
            )
        recorded = read_params(ctx.get).test_genesis
        genesis, bundle, method = checked_test_call(
            suite, version, args.genesis, args.receipt, recorded
        )
        test = TestRecord(
            recorded, genesis.chain_id, bundle.header.height,
            bundle.receipt.tx_hash, method, ctx.height,
        )  # fmt: skip
        test.validate()
        ctx.put(tested_key(record.id, args.version), test.encode())
        entry = HistoryEntry(
            "test_recorded", args.version, sender, ctx.height, ctx.tx_hash, genesis.chain_id
        )
        record_history(ctx.get, ctx.put, record.id, entry)
        ctx.emit(
            "contracts.test_recorded", contract=record.id, version=args.version,
            chain_id=genesis.chain_id, test_tx=bundle.receipt.tx_hash,
        )  # fmt: skip

    return handle
