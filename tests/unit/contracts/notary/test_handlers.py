"""F-C5: ``notary.anchor`` records who anchored a digest, when and at which height; every time.

The chains are real: blocks go through ``propose_block``, ``apply_block`` and
``ChainStore.commit_block``, with txs signed by client keys.
"""

from __future__ import annotations

import dataclasses
import os

import pytest

from govchain.contracts.notary import (
    NOTARY_EVENT,
    NOTARY_TX_TYPE,
    Anchoring,
    anchor_tx,
    read_anchorings,
    register_notary,
)
from govchain.execution import ContractError
from govchain.ledger import records
from govchain.ledger.chainstore import TABLES, ChainStore
from govchain.ledger.statetree import get_value
from govchain.storage import MemoryStore
from govchain.types import Tx
from govchain.types.errors import ValidationError

from ....chain_support import CHAIN_ID, ChainMaker, make_registry


@pytest.fixture(scope="module", params=["intl", "gm"])
def maker(request: pytest.FixtureRequest) -> ChainMaker:
    base = ChainMaker.make(request.param)
    registry = make_registry()
    register_notary(registry, base.suite)
    return dataclasses.replace(base, registry=registry)


def _chain(maker: ChainMaker) -> ChainStore:
    return ChainStore.create(MemoryStore(TABLES), maker.genesis)


def _anchor(maker: ChainMaker, signer: int, digest: bytes, **optional: str) -> Tx:
    return anchor_tx(maker.keys[signer], CHAIN_ID, digest, os.urandom(16), 1_000, **optional)


def _read(chain: ChainStore, digest: bytes) -> list[Anchoring]:
    with chain.view() as view:

        def read(key: bytes) -> bytes | None:
            return get_value(view.state, view.suite.hash_name, view.height, key)

        return read_anchorings(read, digest)


def test_f_c5_an_anchoring_records_owner_bft_time_height_and_tx(maker: ChainMaker) -> None:
    chain = _chain(maker)
    digest = maker.suite.hash(b"license 2026-0001")
    tx = _anchor(maker, 2, digest, title="Business license", doc_type="license", ref="SZ-1")
    maker.extend(chain, [tx], None)
    with chain.view() as view:
        [receipt] = view.receipts(1)
        header = view.header(1)
    assert receipt.status == 0, receipt.error
    [event] = receipt.events
    assert event.type == NOTARY_EVENT
    [record] = _read(chain, digest)
    assert record.owner == records.address_of(maker.suite, maker.keys[2].public_key)
    assert (record.time, record.height, record.index) == (header.time, 1, 0)
    assert record.tx_hash == records.tx_hash(maker.suite, tx)
    assert (record.title, record.doc_type, record.ref) == ("Business license", "license", "SZ-1")


def test_f_c5_the_same_digest_twice_keeps_both_anchorings_in_order(maker: ChainMaker) -> None:
    chain = _chain(maker)
    digest = maker.suite.hash(b"contract v3")
    last = maker.extend(chain, [_anchor(maker, 0, digest)], None)
    maker.extend(chain, [_anchor(maker, 1, digest), _anchor(maker, 3, digest)], last)
    found = _read(chain, digest)
    assert [a.index for a in found] == [0, 1, 2]
    assert [a.height for a in found] == [1, 2, 2]
    owners = [records.address_of(maker.suite, maker.keys[i].public_key) for i in (0, 1, 3)]
    assert [a.owner for a in found] == owners
    assert _read(chain, maker.suite.hash(b"never anchored")) == []


@pytest.mark.parametrize(
    "args",
    [
        {},
        {"digest": b"\x01" * 31},
        {"digest": "not bytes"},
        {"digest": b"\x01" * 32, "title": "t" * 257},
        {"digest": b"\x01" * 32, "doc_type": 7},
        {"digest": b"\x01" * 32, "colour": "blue"},
    ],
    ids=["no-digest", "short", "text", "long-title", "doc-type-int", "unknown-field"],
)
def test_f_c5_bad_args_get_a_failure_receipt_and_write_nothing(
    maker: ChainMaker, args: dict[str, object]
) -> None:
    chain = _chain(maker)
    key = maker.keys[0]
    unsigned = Tx(CHAIN_ID, NOTARY_TX_TYPE, args, "key", key.public_key, os.urandom(16), 1_000)
    maker.extend(chain, [records.sign_tx(key, unsigned)], None)
    with chain.view() as view:
        [receipt] = view.receipts(1)
    assert receipt.status != 0
    assert NOTARY_TX_TYPE in receipt.error
    assert receipt.events == ()


def test_anchor_tx_refuses_bad_args_before_signing(maker: ChainMaker) -> None:
    with pytest.raises(ContractError, match="digest"):
        anchor_tx(maker.keys[0], CHAIN_ID, b"short", os.urandom(16), 10)
    with pytest.raises(ValidationError):
        anchor_tx(maker.keys[0], CHAIN_ID, b"\x00" * 32, b"", 10)  # nonce too short
