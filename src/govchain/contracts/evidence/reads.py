"""Reads of ``evidence``: one step's record, and every committed record, a page at a time.

State keys are hashed into the state tree, so records cannot be listed from
state. Every record was written by a successful ``consensus.evidence`` tx,
and only that handler emits the ``consensus.evidence`` event, so the list
comes from the chain itself: :func:`evidence_page` walks the receipts of
blocks 1 to the read height and returns each such tx with its receipt
bundle, which a client verifies offline
(``govchain.client.evidence.verify_evidence``).

Paging: a cursor names a position, ``<height>-<index>`` (the tx at
``index`` of block ``height``; :data:`EVIDENCE_CURSOR_PATTERN`). Height 0 is
before block 1; a position past the read height gives an empty last page.
A page holds at most ``limit`` records and looks at the receipts of at most
``EVIDENCE_SCAN_BLOCKS`` blocks, so a page may be short, even empty, and
still have a ``next``; ``next`` is None once the read height is reached.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from govchain.consensus.evidence import DuplicateVote
from govchain.contracts.evidence.handlers import EVIDENCE_EVENT
from govchain.contracts.evidence.state import EvidenceRecord, evidence_key
from govchain.contracts.evidence.txs import EVIDENCE_TX_TYPE, EvidenceArgs
from govchain.contracts.proving_reader import ProvingReader
from govchain.execution.registry import ContractError, ReadState
from govchain.ledger.proofs import TxReceiptBundle
from govchain.types import Receipt
from govchain.types.errors import LedgerCorruptError, ValidationError

__all__ = [
    "EVIDENCE_CURSOR_PATTERN",
    "EVIDENCE_PAGE_DEFAULT",
    "EVIDENCE_PAGE_MAX",
    "EVIDENCE_SCAN_BLOCKS",
    "EvidenceCursor",
    "EvidencePage",
    "ProvenEvidence",
    "evidence_page",
    "format_evidence_cursor",
    "parse_evidence_cursor",
    "read_evidence",
]

EVIDENCE_PAGE_DEFAULT = 20
"""Records in a page when the caller names no limit."""
EVIDENCE_PAGE_MAX = 100
"""The most records one page may hold."""
EVIDENCE_SCAN_BLOCKS = 1000
"""The most blocks whose receipts one page looks at."""
EVIDENCE_CURSOR_PATTERN = "^[0-9]{1,20}-[0-9]{1,10}$"
"""What an evidence cursor looks like: ``<height>-<index>``, decimal."""
_CURSOR = re.compile(EVIDENCE_CURSOR_PATTERN)


@dataclass(frozen=True, slots=True, order=True)
class EvidenceCursor:
    """A position in the chain: the tx at ``index`` of block ``height``."""

    height: int
    index: int


@dataclass(frozen=True, slots=True)
class ProvenEvidence:
    """A committed evidence record with the receipt bundle of the tx that committed it."""

    evidence: DuplicateVote
    receipt: TxReceiptBundle

    @property
    def committed_height(self) -> int:
        """The height of the block that committed the record."""
        return self.receipt.header.height


@dataclass(frozen=True, slots=True)
class EvidencePage:
    """Records in chain order from the page's cursor, and where the next page starts."""

    height: int
    """The height read: no record above it is in this or a later page of this read."""
    evidence: tuple[ProvenEvidence, ...]
    next: EvidenceCursor | None


def parse_evidence_cursor(text: str) -> EvidenceCursor:
    """The position a cursor names; ValidationError if it is not ``<height>-<index>``."""
    if not _CURSOR.fullmatch(text):
        raise ValidationError(
            f"cursor: expected <height>-<index> in decimal (e.g. 12-0), got {text[:48]!r}"
        )
    height, index = text.split("-")
    return EvidenceCursor(int(height), int(index))


def format_evidence_cursor(cursor: EvidenceCursor) -> str:
    """The text form of a cursor."""
    return f"{cursor.height}-{cursor.index}"


def evidence_page(
    reader: ProvingReader,
    start: EvidenceCursor,
    limit: int,
    scan_blocks: int = EVIDENCE_SCAN_BLOCKS,
) -> EvidencePage:
    """Up to ``limit`` records committed at or after ``start``, in chain order.

    Looks at the receipts of at most ``scan_blocks`` blocks. The arguments are
    the caller's to check (1 <= limit <= EVIDENCE_PAGE_MAX); a receipt that
    names a tx the chain does not hold, or an evidence tx that does not parse,
    is a damaged store (LedgerCorruptError).
    """
    assert 1 <= limit <= EVIDENCE_PAGE_MAX, f"page limit {limit}"
    assert scan_blocks >= 1
    found: list[ProvenEvidence] = []
    height, index = (start.height, start.index) if start.height >= 1 else (1, 0)
    last = min(reader.height, height + scan_blocks - 1)
    while height <= last:
        receipts = reader.receipts(height)
        for position in range(index, len(receipts)):
            if not _records_evidence(receipts[position]):
                continue
            if len(found) == limit:
                return EvidencePage(reader.height, tuple(found), EvidenceCursor(height, position))
            found.append(_proven(reader, receipts[position]))
        height, index = height + 1, 0
    following = EvidenceCursor(height, 0) if height <= reader.height else None
    return EvidencePage(reader.height, tuple(found), following)


def _records_evidence(receipt: Receipt) -> bool:
    return receipt.ok and any(event.type == EVIDENCE_EVENT for event in receipt.events)


def _proven(reader: ProvingReader, receipt: Receipt) -> ProvenEvidence:
    bundle = reader.tx_receipt(receipt.tx_hash)
    if bundle is None or bundle.tx.type != EVIDENCE_TX_TYPE:
        raise LedgerCorruptError(
            f"evidence: receipt of tx {receipt.tx_hash.hex()} has the evidence event but the "
            "chain holds no evidence tx of that hash"
        )
    try:
        evidence = EvidenceArgs.from_args(bundle.tx.args).evidence
    except ContractError as exc:
        raise LedgerCorruptError(
            f"evidence: a committed evidence tx does not parse: {exc}"
        ) from exc
    return ProvenEvidence(evidence, bundle)


def read_evidence(
    read_state: ReadState,
    address: bytes,
    height: int,
    round: int,
    vote_type: int,
) -> DuplicateVote | None:
    """The evidence recorded for one step of one validator, or None.

    ``read_state`` reads the state at the height of interest.
    """
    value = read_state(evidence_key(address, height, round, vote_type))
    if value is None:
        return None
    return EvidenceRecord.from_stored(value).evidence
