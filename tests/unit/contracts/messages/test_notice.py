"""F-C6: ``messages.notice`` records a sender's proof of delivery once, on a real chain."""

from __future__ import annotations

import dataclasses
import os

import pytest

from govchain.contracts.messages import (
    NOTICED_EVENT,
    Notice,
    NoticeArgs,
    notice_handler,
    notice_key,
    notice_tx,
)
from govchain.contracts.messages.txs import NOTICE_TX_TYPE
from govchain.execution import ContractError
from govchain.ledger import records
from govchain.ledger.chainstore import TABLES, ChainStore
from govchain.ledger.statetree import get_value
from govchain.storage import MemoryStore
from govchain.types import Tx

from ....chain_support import CHAIN_ID, ChainMaker, make_registry

RECIPIENT = b"\x02" * 20


@pytest.fixture(scope="module")
def maker() -> ChainMaker:
    base = ChainMaker.make("gm")
    registry = make_registry()
    registry.register(NOTICE_TX_TYPE, notice_handler(base.suite))
    return dataclasses.replace(base, registry=registry)


def _notice(maker: ChainMaker, signer: int, message: bytes) -> Tx:
    args = NoticeArgs(RECIPIENT, message)
    return notice_tx(maker.keys[signer], CHAIN_ID, args, os.urandom(16), 1_000)


def test_f_c6_a_notice_records_sender_recipient_hash_height_and_time_once(
    maker: ChainMaker,
) -> None:
    chain = ChainStore.create(MemoryStore(TABLES), maker.genesis)
    message = maker.suite.hash(b"sealed message")
    first = _notice(maker, 1, message)
    maker.extend(chain, [first, _notice(maker, 1, message), _notice(maker, 2, message)], None)
    with chain.view() as view:
        done, again, other = view.receipts(1)
        header = view.header(1)
        sender = records.address_of(maker.suite, maker.keys[1].public_key)
        raw = get_value(view.state, view.suite.hash_name, 1, notice_key(message, sender))
    assert (done.status, other.status) == (0, 0)
    assert again.status == 1
    assert again.error.startswith("already_noticed: ")
    assert [e.type for e in done.events] == [NOTICED_EVENT]
    assert raw is not None
    notice = Notice.from_stored(message, sender, raw)
    assert (notice.recipient, notice.height, notice.time) == (RECIPIENT, 1, header.time)
    assert notice.tx_hash == records.tx_hash(maker.suite, first)


def test_malformed_notice_args_are_refused_with_invalid_args() -> None:
    for args in ({"recipient": RECIPIENT}, {"recipient": b"x", "hash": b"\x00" * 32}):
        with pytest.raises(ContractError, match=r"^invalid_args: "):
            NoticeArgs.from_args(args)
