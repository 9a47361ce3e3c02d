"""Replay every corpus file through its target; the valid ones must still be accepted."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from govchain.client import verify_tx_receipt
from govchain.consensus.wire import decode_message
from govchain.ledger.proofs import TxReceiptBundle

from .samples import samples
from .targets import TARGETS

CORPUS = Path(__file__).parent / "corpus"
FILES = sorted(p for p in CORPUS.rglob("*") if p.is_file() and p.parent != CORPUS)


@pytest.mark.parametrize("path", FILES, ids=lambda p: str(p.relative_to(CORPUS)))
def test_every_corpus_file_replays_through_its_target(path: Path) -> None:
    TARGETS[path.parent.name](path.read_bytes())


def test_every_target_has_a_corpus_and_every_corpus_a_target() -> None:
    assert {p.parent.name for p in FILES} == set(TARGETS)


@pytest.mark.parametrize("name", ["prevote", "precommit", "proposal", "decision"])
def test_the_corpus_messages_still_decode(name: str) -> None:
    decode_message((CORPUS / "consensus_message" / f"{name}.bin").read_bytes())


def test_the_corpus_receipt_still_verifies() -> None:
    obj = json.loads((CORPUS / "receipt_json" / "receipt.json").read_bytes())
    verified = verify_tx_receipt(samples().genesis, TxReceiptBundle.from_json(obj))
    assert verified.height == 1
