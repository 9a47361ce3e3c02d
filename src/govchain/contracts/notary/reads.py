"""Reads of ``notary``: the anchorings of a digest, a page at a time, each with its proof.

``anchorings_page`` runs over a :class:`ProvingReader` (the node runs it off
its consensus loop with ``NodeService.read``). Each anchoring comes with the
receipt bundle of the tx that made it, which a client verifies offline
(``govchain.client.notary.verify_anchoring``).

Paging: the cursor is the index of the first anchoring of the page, as
decimal text of 1 to 10 digits (:data:`NOTARY_CURSOR_PATTERN`); ``next`` is
the index after the page, or None at the end. An index at or past the end
gives an empty last page.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from govchain.contracts.notary.state import (
    Anchoring,
    anchoring_count,
    read_anchoring,
)
from govchain.contracts.proving_reader import ProvingReader
from govchain.execution.registry import ReadState
from govchain.ledger.proofs import TxReceiptBundle
from govchain.types.errors import LedgerCorruptError, ValidationError

__all__ = [
    "NOTARY_CURSOR_PATTERN",
    "NOTARY_PAGE_DEFAULT",
    "NOTARY_PAGE_MAX",
    "AnchoringPage",
    "ProvenAnchoring",
    "anchorings_page",
    "format_notary_cursor",
    "parse_notary_cursor",
    "read_anchorings",
]

NOTARY_PAGE_DEFAULT = 10
"""Anchorings in a page when the caller names no limit."""
NOTARY_PAGE_MAX = 25
"""The most anchorings one page may hold: each carries a receipt bundle, built per block."""
NOTARY_CURSOR_PATTERN = "^[0-9]{1,10}$"
"""What a notary cursor looks like (the index of a page's first anchoring)."""
_CURSOR = re.compile(NOTARY_CURSOR_PATTERN)


@dataclass(frozen=True, slots=True)
class ProvenAnchoring:
    """An anchoring with the receipt bundle of the tx that made it."""

    anchoring: Anchoring
    receipt: TxReceiptBundle


@dataclass(frozen=True, slots=True)
class AnchoringPage:
    """Anchorings ``start`` onwards of one digest, in order, and where the next page starts."""

    digest: bytes
    anchorings: tuple[ProvenAnchoring, ...]
    next_index: int | None
    """The index of the next page's first anchoring; None when this page is the last."""


def parse_notary_cursor(text: str) -> int:
    """The anchoring index a cursor names; ValidationError if it is not one."""
    if not _CURSOR.fullmatch(text):
        raise ValidationError(
            f"cursor: expected an anchoring index of 1 to 10 decimal digits, got {text[:32]!r}"
        )
    return int(text)


def format_notary_cursor(index: int) -> str:
    """The cursor of the page that starts at anchoring ``index``."""
    return str(index)


def anchorings_page(reader: ProvingReader, digest: bytes, start: int, limit: int) -> AnchoringPage:
    """Up to ``limit`` anchorings of ``digest`` from index ``start``, each with its receipt.

    A ``start`` at or past the end gives an empty last page. The arguments
    are the caller's to check (1 <= limit <= NOTARY_PAGE_MAX); a record that
    is malformed or names a tx the chain does not hold is a damaged store
    (LedgerCorruptError or ValidationError).
    """
    assert 1 <= limit <= NOTARY_PAGE_MAX, f"page limit {limit}"
    assert start >= 0, f"page start {start}"
    count = anchoring_count(reader.get, digest)
    end = min(count, start + limit)
    found = []
    for index in range(start, end):
        anchoring = read_anchoring(reader.get, digest, index)
        bundle = reader.tx_receipt(anchoring.tx_hash)
        if bundle is None or bundle.header.height != anchoring.height:
            raise LedgerCorruptError(
                f"notary: record {index} names tx {anchoring.tx_hash.hex()} at height "
                f"{anchoring.height}, which the chain does not hold there"
            )
        found.append(ProvenAnchoring(anchoring, bundle))
    return AnchoringPage(digest, tuple(found), end if end < count else None)


def read_anchorings(read_state: ReadState, digest: bytes) -> list[Anchoring]:
    """Every anchoring of ``digest``, oldest first (``read_state`` reads one state version).

    Unbounded: for contracts and tests over small chains. The API pages with
    :func:`anchorings_page`.
    """
    count = anchoring_count(read_state, digest)
    return [read_anchoring(read_state, digest, index) for index in range(count)]
