"""F-C5: the notary's reads page through a digest's anchorings, each with its receipt bundle."""

from __future__ import annotations

import dataclasses
import os

import pytest

from govchain.client import verify_tx_receipt
from govchain.contracts import ChainReader
from govchain.contracts.notary import (
    NOTARY_PAGE_MAX,
    anchor_tx,
    anchorings_page,
    format_notary_cursor,
    parse_notary_cursor,
    read_anchorings,
    register_notary,
)
from govchain.ledger import records
from govchain.ledger.chainstore import TABLES, ChainStore
from govchain.storage import MemoryStore
from govchain.types.errors import ValidationError

from ....chain_support import CHAIN_ID, ChainMaker, make_registry

DIGEST = bytes(range(32))
ANCHORINGS = 7


@pytest.fixture(scope="module")
def chain() -> tuple[ChainMaker, ChainStore]:
    """Seven anchorings of DIGEST over three blocks, and one of another digest."""
    base = ChainMaker.make("intl")
    registry = make_registry()
    register_notary(registry, base.suite)
    maker = dataclasses.replace(base, registry=registry)
    store = ChainStore.create(MemoryStore(TABLES), maker.genesis)
    last = None
    per_block = [3, 1, 3]
    for count in per_block:
        txs = [
            anchor_tx(maker.keys[i % 4], CHAIN_ID, DIGEST, os.urandom(16), 1_000, title=f"t{i}")
            for i in range(count)
        ]
        txs.append(anchor_tx(maker.keys[0], CHAIN_ID, bytes(32), os.urandom(16), 1_000))
        last = maker.extend(store, txs, last)
    return maker, store


def test_a_page_holds_anchorings_in_order_each_with_a_receipt_that_verifies(
    chain: tuple[ChainMaker, ChainStore],
) -> None:
    maker, store = chain
    with store.view() as view:
        page = anchorings_page(ChainReader(view), DIGEST, 0, 5)
        everything = read_anchorings(ChainReader(view).get, DIGEST)
    assert [p.anchoring for p in page.anchorings] == everything[:5]
    assert page.next_index == 5
    for proven in page.anchorings:
        checked = verify_tx_receipt(maker.genesis, proven.receipt)
        assert checked.tx_hash == proven.anchoring.tx_hash
        assert checked.height == proven.anchoring.height
        assert proven.receipt.tx.args["digest"] == DIGEST


@pytest.mark.parametrize(
    ("start", "limit", "indexes", "next_index"),
    [
        (0, ANCHORINGS, list(range(ANCHORINGS)), None),  # exactly everything: no next page
        (5, 5, [5, 6], None),  # the last page is short
        (6, 1, [6], None),
        (ANCHORINGS, 3, [], None),  # at the end: an empty last page
        (10**6, 3, [], None),  # past the end
        (0, 1, [0], 1),
    ],
)
def test_page_boundaries(
    chain: tuple[ChainMaker, ChainStore],
    start: int,
    limit: int,
    indexes: list[int],
    next_index: int | None,
) -> None:
    _, store = chain
    with store.view() as view:
        page = anchorings_page(ChainReader(view), DIGEST, start, limit)
    assert [p.anchoring.index for p in page.anchorings] == indexes
    assert page.next_index == next_index


def test_a_read_at_an_older_height_sees_only_what_was_anchored_by_then(
    chain: tuple[ChainMaker, ChainStore],
) -> None:
    _, store = chain
    with store.view() as view:
        page = anchorings_page(ChainReader(view, 2), DIGEST, 0, NOTARY_PAGE_MAX)
    assert [p.anchoring.height for p in page.anchorings] == [1, 1, 1, 2]


def test_a_digest_never_anchored_has_an_empty_last_page(
    chain: tuple[ChainMaker, ChainStore],
) -> None:
    _, store = chain
    with store.view() as view:
        page = anchorings_page(ChainReader(view), b"\x07" * 32, 0, 3)
    assert (page.anchorings, page.next_index) == ((), None)


def test_cursors_round_trip_and_bad_ones_are_named() -> None:
    assert parse_notary_cursor(format_notary_cursor(12)) == 12
    assert parse_notary_cursor("9" * 10) == 9_999_999_999  # past any end: an empty page
    for bad in ["", "-1", "1.5", "abc", "9" * 11, " 1", "1 "]:
        with pytest.raises(ValidationError, match="cursor"):
            parse_notary_cursor(bad)


def test_the_receipt_of_an_anchoring_is_its_own_tx(chain: tuple[ChainMaker, ChainStore]) -> None:
    maker, store = chain
    with store.view() as view:
        page = anchorings_page(ChainReader(view), DIGEST, 2, 2)
    for proven in page.anchorings:
        assert records.tx_hash(maker.suite, proven.receipt.tx) == proven.anchoring.tx_hash
