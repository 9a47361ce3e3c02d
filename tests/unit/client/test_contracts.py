"""SDK of ``contracts``: a call's result from its receipt, files for a test record, the tx
builder's checks (issue 20 items 5, 7; F-D1, F-F1)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from govchain.client.contracts import call_result, compact_file
from govchain.codec import encode
from govchain.contracts.lifecycle.txs import (
    MAX_TEST_FILE,
    CallArgs,
    ReviewArgs,
    SubmitArgs,
    lifecycle_tx,
)
from govchain.crypto import suite_for
from govchain.execution.registry import ContractError
from govchain.types import Event, Receipt
from govchain.types.errors import ValidationError

HASH = bytes(32)


def _called(**changes: object) -> Receipt:
    attributes = {
        "contract": b"\x01" * 16, "version": 2, "code_hash": HASH, "method": "fee",
        "fuel": 1234, "result": encode({"fee": 30}), **changes,
    }  # fmt: skip
    event = Event(
        "contracts.event", {"contract": b"\x01" * 16, "name": "charged", "data": encode(30)}
    )
    return Receipt(HASH, 0, (Event("contracts.called", attributes), event))


def test_a_call_result_decodes_its_receipt() -> None:
    outcome = call_result(_called())
    assert (outcome.version, outcome.method, outcome.fuel) == (2, "fee", 1234)
    assert outcome.result == {"fee": 30}
    assert outcome.events == (("charged", 30),)


def test_a_failed_or_malformed_receipt_is_no_call_result() -> None:
    with pytest.raises(ValidationError, match="out_of_fuel"):
        call_result(Receipt(HASH, 1, (), "out_of_fuel: used 5 of 5 fuel"))
    with pytest.raises(ValidationError, match="does not decode"):
        call_result(_called(result=b"\xff"))


def test_test_record_files(tmp_path: Path) -> None:
    genesis = tmp_path / "genesis.json"
    genesis.write_bytes(b'{\n  "chain_id": "x-test"\n}\n')
    assert compact_file(genesis, "genesis") == genesis.read_bytes()  # hashed as written
    receipt = tmp_path / "receipt.json"
    receipt.write_text(json.dumps({"format": "x", "tx": "00"}, indent=4))
    assert compact_file(receipt, "receipt") == b'{"format":"x","tx":"00"}'
    receipt.write_text("not json")
    with pytest.raises(ValidationError, match="not a receipt file"):
        compact_file(receipt, "receipt")
    genesis.write_bytes(b" " * (MAX_TEST_FILE + 1))
    with pytest.raises(ValidationError, match="over the"):
        compact_file(genesis, "genesis")


def test_the_builder_checks_its_arguments_before_signing() -> None:
    key = suite_for("intl").generate_key()
    tx = lifecycle_tx(key, "c-test", CallArgs(b"\x01" * 16, "fee"), b"n" * 16, 10)
    assert tx.type == "contracts.call"
    assert "args" not in tx.args  # no arguments: left out
    with pytest.raises(ValidationError, match="reserved"):
        lifecycle_tx(key, "c", CallArgs(b"\x01" * 16, "govchain_alloc"), b"n" * 16, 10)
    with pytest.raises(ValidationError, match="blank"):
        lifecycle_tx(key, "c", ReviewArgs(b"\x01" * 16, 1, True, " "), b"n" * 16, 10)
    submit = SubmitArgs("fee-rule", 1, b"\0asm", abi={"fee": "the fee"})
    assert lifecycle_tx(key, "c", submit, b"n" * 16, 10).args["abi"] == {"fee": "the fee"}
    with pytest.raises(ContractError, match="invalid_args"):
        SubmitArgs.from_args({"name": "x", "version": 0, "code": b"\0asm"})
