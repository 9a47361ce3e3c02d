"""Block sync writes only blocks whose commit and contents check out (F-A3, issue 5 item 3)."""

from __future__ import annotations

import dataclasses

import pytest

from govchain.execution.block_executor import BlockExecutor
from govchain.ledger import records
from govchain.ledger.chainstore import TABLES, ChainStore
from govchain.node.block_sync import BlockSync
from govchain.storage import MemoryStore
from govchain.types import Block, Commit, CommitSig
from govchain.types.errors import StorageFullError

from ...chain_support import ChainMaker


class _Network:
    def __init__(self) -> None:
        self.peer_heights: dict[str, int] = {}
        self.requests: list[tuple[str, int, int]] = []

    def request_blocks(self, peer: str, from_height: int, count: int) -> bool:
        self.requests.append((peer, from_height, count))
        return True


class _App:
    def __init__(self, executor: BlockExecutor) -> None:
        self.executor = executor

    def validate(self, block: Block) -> bool:
        return self.executor.validate(block)

    def commit(self, block: Block, commit: Commit) -> None:
        self.executor.commit(block, commit)

    def committed(self, block: Block, commit: Commit) -> None:
        assert self.executor.chain.height == block.header.height == commit.height


def _source(maker: ChainMaker, blocks: int) -> list[tuple[bytes, bytes]]:
    chain = ChainStore.create(MemoryStore(TABLES), maker.genesis)
    maker.grow(chain, blocks)
    with chain.view() as view:
        return [
            (records.encode_block(view.block(h)), records.encode_commit(view.commit(h)))
            for h in range(1, blocks + 1)
        ]


def _follower(maker: ChainMaker) -> tuple[ChainStore, BlockSync, _Network]:
    chain = ChainStore.create(MemoryStore(TABLES), maker.genesis)
    network = _Network()
    app = _App(BlockExecutor(chain, maker.registry, None))
    return chain, BlockSync(chain, app, network, maker.genesis), network


def test_a_follower_asks_the_peer_furthest_ahead_and_applies_checked_blocks() -> None:
    maker = ChainMaker.make("intl")
    pairs = _source(maker, 5)
    chain, sync, network = _follower(maker)
    network.peer_heights.update({"a": 3, "b": 5})
    assert sync.syncing
    sync.tick()
    assert network.requests == [("b", 1, 5)]
    sync.on_blocks("b", pairs)
    assert chain.height == 5
    assert not sync.syncing


def test_a_block_with_a_forged_or_weak_commit_is_refused_and_nothing_after_it_is_written() -> None:
    maker = ChainMaker.make("intl")
    pairs = _source(maker, 3)
    chain, sync, _network = _follower(maker)
    commit = records.decode_commit(pairs[1][1])
    weak = dataclasses.replace(commit, signatures=commit.signatures[:2])  # 2 of 4: not 2/3+
    forged = dataclasses.replace(
        commit,
        signatures=tuple(CommitSig(s.validator, s.time, b"\x00" * 64) for s in commit.signatures),
    )
    for bad in (weak, forged):
        sync.on_blocks("liar", [pairs[0], (pairs[1][0], records.encode_commit(bad)), pairs[2]])
        assert chain.height == 1
    assert sync.refused == 2


def test_a_block_that_does_not_apply_is_refused_even_with_a_good_commit() -> None:
    maker = ChainMaker.make("intl")
    pairs = _source(maker, 2)
    chain, sync, _network = _follower(maker)
    block = records.decode_block(pairs[0][0])
    altered = dataclasses.replace(block, txs=block.txs[:-1])  # header still names every tx
    sync.on_blocks("liar", [(records.encode_block(altered), pairs[0][1])])
    assert chain.height == 0
    assert sync.refused == 1


class _FullDisk(_App):
    def commit(self, block: Block, commit: Commit) -> None:  # noqa: ARG002
        raise StorageFullError("disk full writing /data; the write was rolled back")


def test_a_checked_block_that_cannot_be_written_is_our_failure_not_the_peers() -> None:
    """Issue 13 item 1: the write's error is raised (the node stops), never logged as a refusal."""
    maker = ChainMaker.make("intl")
    pairs = _source(maker, 2)
    chain = ChainStore.create(MemoryStore(TABLES), maker.genesis)
    app = _FullDisk(BlockExecutor(chain, maker.registry, None))
    sync = BlockSync(chain, app, _Network(), maker.genesis)
    with pytest.raises(StorageFullError, match="disk full"):
        sync.on_blocks("honest", pairs)
    assert chain.height == 0
    assert sync.refused == 0


def test_once_consensus_runs_fetched_blocks_go_to_its_core_at_most_once_a_second() -> None:
    # issue 15: a core outside its height's set sends nothing, so no peer tells it that it
    # is behind; block sync asks for it, and the core checks and commits what comes back
    maker = ChainMaker.make("intl")
    pairs = _source(maker, 20)
    chain, sync, network = _follower(maker)
    handed: list[tuple[str, int]] = []
    sync.hand_to = lambda peer, block, _commit: handed.append((peer, block.header.height))
    network.peer_heights["a"] = 20
    sync.tick()
    assert network.requests == [("a", 1, 16)]
    sync.on_blocks("a", pairs[:16])
    assert handed == [("a", h) for h in range(1, 17)]
    assert chain.height == 0  # nothing applied here: the core commits
    sync.tick()
    assert len(network.requests) == 1  # answered, but asked less than a second ago
    sync.on_blocks("a", [(b"\x00junk", pairs[0][1])])
    assert sync.refused == 1
