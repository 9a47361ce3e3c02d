"""Rows from the API's JSON (issue 19 item 2; F-E3, N-3): a real chain's blocks and receipt
bundles into blocks, txs and events rows; the records an event names; derived rows that
keep nothing personal."""

from __future__ import annotations

import json
from typing import Any

import pytest

from govchain.api.json_forms import block_json
from govchain.indexer.rows import (
    RecordRef,
    asset_row,
    block_rows,
    case_rows,
    error_code,
    grant_row,
    records_named,
)
from govchain.ledger import records
from govchain.ledger.chainstore import TABLES, ChainStore
from govchain.ledger.proofs import tx_receipt_bundle
from govchain.storage import MemoryStore
from govchain.types.errors import ValidationError

from ...chain_support import ChainMaker

_Answers = list[tuple[dict[str, Any], list[dict[str, Any]]]]


def _chain_block(height_txs: list[list[bytes]]) -> tuple[ChainMaker, _Answers]:
    """A real chain of one block per list of keys; each block's JSON and its bundles' JSON."""
    maker = ChainMaker.make("gm")
    chain = ChainStore.create(MemoryStore(TABLES), maker.genesis)
    last = None
    for keys in height_txs:
        txs = [maker.tx(maker.keys[i % 4], key=k, value=b"v") for i, k in enumerate(keys)]
        last = maker.extend(chain, txs, last)
    found = []
    with chain.view() as view:
        for height in range(1, len(height_txs) + 1):
            block = view.block(height)
            hashes = [records.tx_hash(maker.suite, tx) for tx in block.txs]
            as_json = json.loads(json.dumps(
                block_json(block, view.block_hash(height), hashes, view.commit(height))
            ))  # fmt: skip
            bundles = [tx_receipt_bundle(view, h).to_json() for h in hashes]
            found.append((as_json, bundles))
    return maker, found


def test_block_txs_and_events_rows_of_a_real_chain() -> None:
    maker, blocks = _chain_block([[b"a", b"deny", b"c"], []])
    (first, bundles), (second, none) = blocks
    rows = block_rows(maker.suite, first, bundles)
    assert rows.height == 1
    assert rows.block == (1, first["hash"], first["header"]["prev_hash"],
                          first["header"]["time"], first["header"]["proposer"], 3)  # fmt: skip
    senders = [records.address_of(maker.suite, maker.keys[i].public_key).hex() for i in range(3)]
    assert [(t[0], t[1], t[2], t[3], t[4], t[5]) for t in rows.txs] == [
        (h, 1, i, "kv.put", "key", senders[i]) for i, h in enumerate(first["txs"])
    ]
    assert [(t[6], t[7], t[8]) for t in rows.txs] == [
        ("committed", 0, ""), ("failed", 1, "contract_error"), ("committed", 0, ""),
    ]  # fmt: skip
    assert rows.events == (
        (1, first["txs"][0], 0, "kv.written", '{"key":"61"}'),
        (1, first["txs"][2], 0, "kv.written", '{"key":"63"}'),
    )
    assert rows.named == ()
    empty = block_rows(maker.suite, second, none)
    assert (empty.height, empty.prev_hash, empty.txs) == (2, first["hash"], ())


def test_bundles_that_do_not_fit_the_block_are_refused() -> None:
    maker, [(block, bundles)] = _chain_block([[b"a", b"b"]])
    with pytest.raises(ValidationError, match="one receipt bundle per tx"):
        block_rows(maker.suite, block, bundles[:1])
    with pytest.raises(ValidationError, match="the bundle is of another tx"):
        block_rows(maker.suite, block, list(reversed(bundles)))
    with pytest.raises(ValidationError, match="bad receipt bundle"):
        block_rows(maker.suite, block, [bundles[0], {"format": "x"}])


def test_error_codes() -> None:
    assert error_code(0, "") == ""
    assert error_code(1, "grant_expired: the grant ended at 17:00") == "grant_expired"
    assert error_code(3, "permission_denied: account ab is frozen") == "permission_denied"
    assert error_code(2, "unknown tx type 'x.y'") == "unknown_type"
    assert error_code(1, "member M is not an active member") == "contract_error"


def test_the_records_an_event_names() -> None:
    content, other, tx = bytes(range(16)), bytes(16), b"\x07" * 32
    assert records_named("assets.transferred", {"content_id": content, "to": other}, tx) == [
        RecordRef("asset", content.hex()), RecordRef("asset", other.hex()),
    ]  # fmt: skip
    assert records_named("grants.code_issued", {"code": other, "asset": content}, tx) == [
        RecordRef("grant", other.hex())
    ]
    assert records_named("grants.used", {"asset": content}, tx) == [RecordRef("usage", tx.hex())]
    assert records_named("workflow.step_done", {"case": content, "step": "s"}, tx) == [
        RecordRef("case", content.hex())
    ]
    assert records_named("workflow.matter_defined", {"code": "M"}, tx) == []
    assert records_named("registry.roles_set", {"address": b"\x01" * 20}, tx) == [
        RecordRef("account", "01" * 20)
    ]
    assert records_named("notary.anchored", {"digest": content}, tx) == []


def test_derived_rows_keep_nothing_personal_and_refuse_bad_fields() -> None:
    asset = {
        "content_id": "11" * 16, "identifier": "1.2.156.3005.2.x", "type": "T001",
        "holder": "ab" * 20, "issuer": "ORG", "mode": "authority", "status": "valid",
        "version": 1, "valid_until": 0, "holder_code": "110101199003074477",
        "metadata": {"姓名": "张三"},
    }  # fmt: skip
    row = asset_row(asset, 9)
    assert row == ("11" * 16, "1.2.156.3005.2.x", "T001", "ab" * 20, "ORG", "authority",
                   "valid", 1, 0, 9)  # fmt: skip
    with pytest.raises(ValidationError, match="version"):
        asset_row({**asset, "version": 2**63}, 9)
    delegation = {"id": "22" * 16, "holder": "ab" * 20, "agent": "cd" * 20, "purpose": "代办",
                  "status": "active", "expires": 5}  # fmt: skip
    assert grant_row("delegation", delegation, 3) == (
        "22" * 16, "delegation", "", "ab" * 20, "cd" * 20, "代办", "active", 5, 0, 0, 3
    )  # fmt: skip
    case = {"id": "33" * 16, "process": "p", "version": 1, "applicant": "ab" * 20,
            "window": "cd" * 20, "state": "open", "opened": 10, "closed": 0,
            "form": {"名称": "某公司", "法定代表人": "张三"}}  # fmt: skip
    step = {"step": "licence", "department": "D", "state": "ready", "ready_at": 10,
            "deadline": 20, "done_at": 0, "overdue": True, "interventions": 0, "attempts": 1,
            "reason": "张三"}  # fmt: skip
    case_row, steps = case_rows({"case": case, "steps": [step]}, 4)
    assert case_row == ("33" * 16, "p", 1, "ab" * 20, "cd" * 20, "open", 10, 0, 4)
    assert steps == [("33" * 16, "licence", "D", "ready", 10, 20, 0, 1, 0, 1, 4)]
    assert "张三" not in repr((row, case_row, steps))
