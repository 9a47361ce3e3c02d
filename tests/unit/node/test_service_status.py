"""The real node service's status: height, roots and the latest block's time (issue 13 item 6)."""

from __future__ import annotations

from govchain.api.schemas import NodeStatus
from govchain.ledger.chainstore import TABLES, ChainStore
from govchain.storage import MemoryStore

from .service_support import Fatal, anchored_chain, make_service, notary_maker


def test_status_gives_the_latest_block_time_in_milliseconds() -> None:
    maker = notary_maker()
    chain = anchored_chain(maker, blocks=3)
    status = NodeStatus.model_validate(make_service(maker, chain, Fatal()).status())
    with chain.view() as view:
        assert (status.height, status.block_time) == (3, view.header(3).time)
        assert status.state_root == view.header(3).state_root.hex()
    assert status.block_time > maker.genesis.time


def test_before_the_first_block_the_status_time_is_the_genesis_time() -> None:
    maker = notary_maker()
    chain = ChainStore.create(MemoryStore(TABLES), maker.genesis)
    status = NodeStatus.model_validate(make_service(maker, chain, Fatal()).status())
    assert (status.height, status.block_time, status.state_root) == (0, maker.genesis.time, "")
