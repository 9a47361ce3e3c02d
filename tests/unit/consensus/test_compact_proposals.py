"""Issue 21: a proposal by tx hash, rebuilt from a pool, is the proposer's message byte for byte."""

from __future__ import annotations

import dataclasses

import pytest

from govchain.consensus.messages import ProposalMessage
from govchain.consensus.wire import (
    decode_compact_proposal,
    encode_compact_proposal,
    encode_message,
)
from govchain.ledger import records
from govchain.types import Block, Tx
from govchain.types.errors import ValidationError

from .core_support import SUITE, BlockMaker, Committee

COMMITTEE = Committee((10, 10, 10, 10))


def _proposal(txs: int = 5, round_: int = 0) -> ProposalMessage:
    """A signed proposal for ``(1, round_)`` of a block with ``txs`` distinct signed txs.

    The header is the same whatever the txs (these tests do not check ``tx_root``;
    the core does), so two proposals differ only if their rounds do.
    """
    maker = BlockMaker(COMMITTEE)
    base = maker.block(label=1)
    signed = [
        records.sign_tx(
            COMMITTEE.keys[i % 4],
            dataclasses.replace(
                base.txs[0], sender=COMMITTEE.keys[i % 4].public_key, nonce=bytes([i + 1]) * 16
            ),
        )
        for i in range(txs)
    ]
    return COMMITTEE.proposal(0, round_, Block(base.header, tuple(signed), base.last_commit))


def _hashes(message: ProposalMessage) -> list[bytes]:
    return [records.tx_hash(SUITE, tx) for tx in message.block.txs]


def test_a_pool_holding_every_tx_rebuilds_the_same_message() -> None:
    message = _proposal()
    compact = decode_compact_proposal(encode_compact_proposal(message, _hashes(message)))
    pool = dict(zip(_hashes(message), message.block.txs, strict=True))
    rebuilt = compact.rebuild(pool.get)
    assert rebuilt is not None
    assert encode_message(rebuilt) == encode_message(message)
    assert len(encode_compact_proposal(message, _hashes(message))) < len(encode_message(message))


def test_a_missing_tx_gives_none_so_the_whole_is_asked_for() -> None:
    message = _proposal()
    compact = decode_compact_proposal(encode_compact_proposal(message, _hashes(message)))
    pool = dict(zip(_hashes(message), message.block.txs, strict=True))
    del pool[_hashes(message)[3]]
    assert compact.rebuild(pool.get) is None


def test_a_tx_held_with_another_signature_takes_the_proposers() -> None:
    """The tx hash does not cover the signature; the block must be the proposer's."""
    message = _proposal()
    pool: dict[bytes, Tx] = dict(zip(_hashes(message), message.block.txs, strict=True))
    first = message.block.txs[0]
    other = dataclasses.replace(first, signature=bytes(len(first.signature)))
    assert records.tx_hash(SUITE, other) == _hashes(message)[0]
    pool[_hashes(message)[0]] = other
    compact = decode_compact_proposal(encode_compact_proposal(message, _hashes(message)))
    rebuilt = compact.rebuild(pool.get)
    assert rebuilt is not None
    assert rebuilt.block.txs[0].signature == first.signature
    assert encode_message(rebuilt) == encode_message(message)


def test_an_empty_block_travels_compact_too() -> None:
    message = _proposal(txs=0)
    compact = decode_compact_proposal(encode_compact_proposal(message, []))
    rebuilt = compact.rebuild(lambda _hash: None)
    assert rebuilt is not None
    assert encode_message(rebuilt) == encode_message(message)


@pytest.mark.parametrize(
    "damage",
    [
        lambda raw: raw[:-1],
        lambda _raw: b"\xa0",
        lambda raw: raw.replace(b"\x58\x20", b"\x58\x1f", 1),  # a 31-byte "hash"
    ],
    ids=["truncated", "empty map", "short hash"],
)
def test_damaged_bytes_are_refused_with_a_validation_error(damage: object) -> None:
    message = _proposal()
    raw = encode_compact_proposal(message, _hashes(message))
    with pytest.raises(ValidationError, match="compact proposal"):
        decode_compact_proposal(damage(raw))  # type: ignore[operator]
