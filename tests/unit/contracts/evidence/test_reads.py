"""F-E6: committed evidence is listed from the chain's receipts, a bounded page at a time."""

from __future__ import annotations

import dataclasses
import os

import pytest

from govchain.client import verify_tx_receipt
from govchain.contracts import ChainReader
from govchain.contracts.evidence import (
    EvidenceCursor,
    evidence_page,
    evidence_tx,
    format_evidence_cursor,
    parse_evidence_cursor,
    register_evidence,
)
from govchain.ledger import records
from govchain.ledger.chainstore import TABLES, ChainStore
from govchain.storage import MemoryStore
from govchain.types.errors import ValidationError

from ....chain_support import CHAIN_ID, ChainMaker, double_vote, make_registry

BLOCKS = 6
EVIDENCE_AT = {2: [1, 2], 4: [3], 6: [0]}
"""Block height -> the validators whose duplicate votes (of height 1) it records."""


@pytest.fixture(scope="module")
def chain() -> tuple[ChainMaker, ChainStore]:
    base = ChainMaker.make("intl")
    registry = make_registry()
    register_evidence(registry, base.suite, lambda _h: base.validators)
    maker = dataclasses.replace(base, registry=registry)
    store = ChainStore.create(MemoryStore(TABLES), maker.genesis)
    last = None
    for height in range(1, BLOCKS + 1):
        txs = [maker.tx(maker.keys[0], key=f"k{height}".encode(), value=b"v")]
        for liar in EVIDENCE_AT.get(height, []):
            evidence = double_vote(maker, liar, 1)
            txs.append(evidence_tx(maker.keys[0], CHAIN_ID, evidence, os.urandom(16), 1_000))
        if height == 4:  # another pair for a recorded step: a failure receipt, not a record
            again = double_vote(maker, 3, 1)
            txs.append(evidence_tx(maker.keys[0], CHAIN_ID, again, os.urandom(16), 1_000))
        last = maker.extend(store, txs, last)
    return maker, store


def test_every_record_is_listed_in_chain_order_with_a_receipt_that_verifies(
    chain: tuple[ChainMaker, ChainStore],
) -> None:
    maker, store = chain
    with store.view() as view:
        page = evidence_page(ChainReader(view), EvidenceCursor(1, 0), 10)
    assert page.height == BLOCKS
    assert page.next is None
    assert [p.committed_height for p in page.evidence] == [2, 2, 4, 6]
    liars = [i for height in sorted(EVIDENCE_AT) for i in EVIDENCE_AT[height]]
    addresses = [records.address_of(maker.suite, maker.keys[i].public_key) for i in liars]
    assert [p.evidence.first.validator for p in page.evidence] == addresses
    for proven in page.evidence:
        checked = verify_tx_receipt(maker.genesis, proven.receipt)
        assert checked.status == 0
        assert checked.height == proven.committed_height


def test_pages_split_inside_a_block_and_resume_where_they_stopped(
    chain: tuple[ChainMaker, ChainStore],
) -> None:
    _, store = chain
    heights: list[int] = []
    cursors: list[EvidenceCursor | None] = []
    cursor: EvidenceCursor | None = EvidenceCursor(1, 0)
    with store.view() as view:
        while cursor is not None:
            page = evidence_page(ChainReader(view), cursor, 1)
            heights += [p.committed_height for p in page.evidence]
            cursor = page.next
            cursors.append(cursor)
    assert heights == [2, 2, 4, 6]
    # block 2 holds a kv tx and two records: the second page starts at its index 2
    assert cursors[0] == EvidenceCursor(2, 2)


@pytest.mark.parametrize(
    ("start", "scan", "heights", "following"),
    [
        (EvidenceCursor(1, 0), 1, [], EvidenceCursor(2, 0)),  # one block scanned, nothing in it
        (EvidenceCursor(1, 0), 2, [2, 2], EvidenceCursor(3, 0)),
        (EvidenceCursor(3, 0), 1, [], EvidenceCursor(4, 0)),
        (EvidenceCursor(5, 0), 2, [6], None),  # the scan reaches the read height
        (EvidenceCursor(6, 2), 1000, [], None),  # past the last tx of the last block
        (EvidenceCursor(BLOCKS + 1, 0), 1000, [], None),  # cursor past the end
        (EvidenceCursor(10**9, 0), 1000, [], None),
        (EvidenceCursor(0, 7), 2, [2, 2], EvidenceCursor(3, 0)),  # height 0: before block 1
    ],
)
def test_a_page_scans_a_bounded_number_of_blocks(
    chain: tuple[ChainMaker, ChainStore],
    start: EvidenceCursor,
    scan: int,
    heights: list[int],
    following: EvidenceCursor | None,
) -> None:
    _, store = chain
    with store.view() as view:
        page = evidence_page(ChainReader(view), start, 10, scan_blocks=scan)
    assert [p.committed_height for p in page.evidence] == heights
    assert page.next == following


def test_a_read_at_an_older_height_stops_there(chain: tuple[ChainMaker, ChainStore]) -> None:
    _, store = chain
    with store.view() as view:
        page = evidence_page(ChainReader(view, 4), EvidenceCursor(1, 0), 10)
    assert (page.height, [p.committed_height for p in page.evidence]) == (4, [2, 2, 4])
    assert page.next is None


def test_cursors_round_trip_and_bad_ones_are_named() -> None:
    cursor = EvidenceCursor(12, 3)
    assert parse_evidence_cursor(format_evidence_cursor(cursor)) == cursor
    assert parse_evidence_cursor("0-0") == EvidenceCursor(0, 0)  # before block 1
    assert parse_evidence_cursor("9" * 20 + "-0").height == int("9" * 20)  # past any end
    for bad in ["", "1", "1-", "-1", "a-1", "1-2-3", "1--2", "9" * 21 + "-0", "1-" + "9" * 11]:
        with pytest.raises(ValidationError, match="cursor"):
            parse_evidence_cursor(bad)
