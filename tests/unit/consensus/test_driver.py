"""The consensus driver over real cores, real chains and the in-process transport (F-A2).

Every scenario runs in ``asyncio.run`` and awaits conditions with a generous
overall limit; nothing depends on how long a step takes.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import logging
import threading
import time
from collections.abc import Callable, Coroutine
from pathlib import Path
from typing import Any

import pytest

from govchain.consensus.driver import Driver, DriverConfig, WalLog, open_wal
from govchain.consensus.events import CoreConfig, Step
from govchain.consensus.messages import Message, ProposalMessage
from govchain.consensus.proposer import ProposerSchedule
from govchain.consensus.state import proposal_record, vote_record
from govchain.consensus.transport import LocalHub
from govchain.consensus.wal import Wal, WalCorruptError
from govchain.ledger import records
from govchain.types import Block, Commit, Vote, VoteType
from govchain.types.errors import GovChainError, StorageFullError

from ...chain_support import CHAIN_ID
from .driver_support import (
    FAST,
    FailingWal,
    Network,
    RecordingWal,
    signed_key,
    wait_for,
)


def run(scenario: Callable[[], Coroutine[Any, Any, None]]) -> None:
    """Run an async scenario to the end (pytest-asyncio is not used here)."""
    asyncio.run(scenario())


# --- agreement and progress ------------------------------------------------------


def test_four_validators_commit_several_heights_and_agree(tmp_path: Path) -> None:
    async def scenario() -> None:
        network = Network(tmp_path, 4)
        await network.start()
        submitted: set[bytes] = set()
        for batch in range(1, 6):
            txs = network.submit(3)
            submitted.update(records.tx_hash(network.maker.suite, tx) for tx in txs)
            await network.reach(batch)
        await wait_for(
            lambda: all(network.committed_txs(i) >= submitted for i in range(4)),
            "every tx committed",
        )
        statuses = [node.driver.status for node in network.nodes]
        await network.stop()
        assert all(s.running and s.dropped_messages == 0 for s in statuses)
        assert all(s.refused_messages == 0 for s in statuses)
        assert not any(node.driver.running for node in network.nodes)
        network.assert_agree()
        network.assert_verified()
        for height in range(1, min(network.heights()) + 1):
            assert len(network.block_hashes(height)) == 1
        assert network.signed.conflicts() == []

    run(scenario)


def test_every_signed_message_is_in_the_wal_before_it_leaves(tmp_path: Path) -> None:
    journal: list[tuple[str, str, object]] = []

    def opener(path: Path) -> tuple[WalLog, list[object]]:
        wal, replayed = open_wal(path)
        return RecordingWal(wal, path.parent.name, journal), replayed

    def watch(name: str, _peer: str | None, message: Message) -> None:
        journal.append((name, "send", message))

    async def scenario() -> None:
        network = Network(tmp_path, 4, wal_opener=opener, watch=watch)
        await network.start()
        for batch in range(1, 4):
            network.submit(2)
            await network.reach(batch)
        await network.stop()
        assert check_wal_before_send(journal, network.signed.names) > 20

    run(scenario)


def check_wal_before_send(journal: list[tuple[str, str, object]], names: dict[bytes, str]) -> int:
    """Assert each validator's own signed messages were in its WAL before they left."""
    written: dict[str, list[object]] = {}
    checked = 0
    for name, kind, item in journal:
        if kind == "wal":
            written.setdefault(name, []).append(item)
            continue
        if isinstance(item, Vote):
            key, record = signed_key(item), vote_record(item)
        elif isinstance(item, ProposalMessage):
            key, record = signed_key(item), proposal_record(item)
        else:
            continue  # a decision: not signed by its sender
        if key is None or names[key[0]] != name:
            continue  # a vote of another validator, relayed
        assert record in written.get(name, []), f"{name} sent {key[1:]} before its WAL"
        checked += 1
    return checked


# --- single-validator mode -------------------------------------------------------


def test_a_single_validator_commits_each_batch_with_no_timeout(tmp_path: Path) -> None:
    async def scenario() -> None:
        network = Network(tmp_path, 1)
        node = network.nodes[0]
        await network.start()
        for batch in range(1, 5):
            txs = network.submit(batch)
            await network.reach(batch)
            with node.chain.view() as view:
                assert view.block(batch).txs == tuple(txs)
        # the last commit is written off the loop; then the next height finds no txs and holds
        await wait_for(lambda: node.driver.status.holding_proposal, "a held proposal")
        status = node.driver.status
        await network.stop()
        assert status.timeouts_fired == 0
        assert status.height == 5
        assert status.round == 0
        assert status.holding_proposal

    run(scenario)


def test_a_single_validator_holds_until_txs_are_notified(tmp_path: Path) -> None:
    async def scenario() -> None:
        network = Network(tmp_path, 1)
        node = network.nodes[0]
        await network.start()
        await wait_for(lambda: node.driver.status.holding_proposal, "the held proposal")
        for _ in range(50):  # let every ready callback run: nothing is pending
            await asyncio.sleep(0)
        assert node.app.height == 0
        assert node.app.propose_calls == 1
        node.app.add_txs([network.maker.tx(network.maker.keys[0], key=b"a", value=b"1")])
        for _ in range(50):  # txs alone do not wake it; the notification does
            await asyncio.sleep(0)
        assert node.app.height == 0
        node.driver.notify_txs()
        await wait_for(lambda: node.app.height == 1, "the block after notify_txs")
        assert node.driver.status.timeouts_fired == 0
        await network.stop()

    run(scenario)


def test_empty_blocks_follow_the_configured_delay(tmp_path: Path) -> None:
    async def scenario() -> None:
        network = Network(
            tmp_path, 1, driver_config=lambda wal: DriverConfig(wal, empty_block_after_ms=5)
        )
        node = network.nodes[0]
        await network.start()
        await wait_for(lambda: node.app.height >= 3, "three empty blocks")
        await network.stop()
        with node.chain.view() as view:
            assert all(view.block(h).txs == () for h in range(1, 4))

    run(scenario)


def test_txs_arriving_within_the_block_interval_share_one_block(tmp_path: Path) -> None:
    interval_ms = 200

    async def scenario() -> None:
        network = Network(
            tmp_path, 1, driver_config=lambda wal: DriverConfig(wal, block_interval_ms=interval_ms)
        )
        node = network.nodes[0]
        loop = asyncio.get_running_loop()
        commit, built, committed_at, proposed_at = node.app.commit, node.app.build, [], []

        def timed_commit(*args: object) -> None:
            commit(*args)  # type: ignore[arg-type]
            committed_at.append(loop.time())

        def timed_build(*args: object) -> object:
            block = built(*args)  # type: ignore[arg-type]
            proposed_at.append(loop.time())
            return block

        node.app.commit = timed_commit  # type: ignore[method-assign]
        node.app.build = timed_build  # type: ignore[method-assign,assignment]
        await network.start()
        network.submit(1)
        await network.reach(1)  # the first block does not wait: nothing was committed before
        second = network.submit(2)
        third = network.submit(3)  # notified separately, still within the interval
        await network.reach(2)
        waited_s = proposed_at[1] - committed_at[0]
        await network.stop()
        with node.chain.view() as view:
            assert view.height == 2
            assert view.block(2).txs == (*second, *third)
        assert waited_s >= interval_ms / 1000  # never sooner than the interval

    run(scenario)


# --- partitions and restarts -----------------------------------------------------


def test_a_partitioned_validator_catches_up_after_heal(tmp_path: Path) -> None:
    async def scenario() -> None:
        network = Network(tmp_path, 4)
        await network.start()
        network.submit(2)
        await wait_for(lambda: min(network.heights()) >= 1, "height 1")
        network.hub.isolate("v3")
        for _ in range(3):
            network.submit(2)
            await network.reach(max(network.heights()) + 1, [0, 1, 2])
        assert network.heights()[3] < min(network.heights()[:3])
        network.hub.heal()
        await wait_for(lambda: network.heights()[3] >= min(network.heights()[:3]), "v3 catching up")
        network.submit(2)
        top = max(network.heights()) + 1
        await wait_for(lambda: min(network.heights()) >= top, "a height after healing")
        await network.stop()
        network.assert_agree()
        network.assert_verified()
        assert network.signed.conflicts() == []

    run(scenario)


def test_lost_messages_are_sent_again_and_heights_still_commit(tmp_path: Path) -> None:
    async def scenario() -> None:
        hub = LocalHub(seed=7, drop_per_mille=200)
        network = Network(tmp_path, 4, hub=hub)
        await network.start()
        for batch in range(1, 4):
            network.submit(2)
            await network.reach(batch)
        await network.stop()
        assert hub.lost > 0
        network.assert_agree()
        network.assert_verified()
        assert network.signed.conflicts() == []

    run(scenario)


def test_a_restarted_validator_resumes_from_its_wal_and_never_double_signs(
    tmp_path: Path,
) -> None:
    async def scenario() -> None:
        network = Network(tmp_path, 4, lmdb=True)
        await network.start()
        network.submit(2)
        await network.reach(1)
        # With no txs every proposer holds, so the others time out round after
        # round and each validator signs nil votes in ever later rounds.
        await wait_for(lambda: network.signed.highest_round("v2", 2) >= 2, "v2 signing round 2")
        signed_round = network.signed.highest_round("v2", 2)
        node = await network.restart(2)
        resumed = node.driver.status
        assert resumed.height == 2
        assert resumed.round >= signed_round  # from its WAL, not from round 0
        # Restart the others too, one at a time, while txs flow.
        for index in (0, 1, 3, 2):
            network.submit(2)
            await network.restart(index)
            await network.reach(max(network.heights()) + 1)
        await network.stop()
        network.assert_agree()
        network.assert_verified()
        assert network.signed.conflicts() == []
        for node in network.nodes:  # stopped cleanly: the WAL is free to open again
            Wal.open(node.home / "consensus.wal")[0].close()
        network.close()

    run(scenario)


def test_the_double_sign_check_catches_a_restart_without_the_wal(tmp_path: Path) -> None:
    """Control: a validator that loses its WAL signs again, and the test's record sees it."""

    async def scenario() -> None:
        network = Network(tmp_path, 4, lmdb=True)
        proposer = ProposerSchedule(network.genesis.validators).proposer(1, 0)
        index = next(
            i for i, v in enumerate(network.genesis.validators.validators) if v.address != proposer
        )
        name = f"v{index}"
        network.hub.isolate(name)  # alone it stays in round 0 after its nil prevote
        await network.start()
        await wait_for(lambda: network.signed.highest_round(name, 1) == 0, "a nil prevote")
        await network.restart(index, lose_wal=True)
        await wait_for(lambda: bool(network.signed.conflicts()), "a second signature")
        await network.stop()
        assert network.signed.conflicts() == [(name, (1, 0, Step.PREVOTE))]
        network.close()

    run(scenario)


# --- failures and limits ---------------------------------------------------------


@pytest.mark.parametrize(
    "error",
    [StorageFullError("disk full (test)"), WalCorruptError("damaged (test)")],
    ids=["storage-full", "wal-corrupt"],
)
def test_a_wal_failure_stops_the_driver_and_nothing_more_leaves(
    tmp_path: Path, error: GovChainError
) -> None:
    failing: dict[str, FailingWal] = {}
    late_sends: list[Message] = []

    def opener(path: Path) -> tuple[WalLog, list[object]]:
        wal, replayed = open_wal(path)
        if path.parent.name != "v0":
            return wal, replayed
        failing["v0"] = FailingWal(wal, fail_at=3, error=error)
        return failing["v0"], replayed

    def watch(name: str, _peer: str | None, message: Message) -> None:
        if name == "v0" and failing["v0"].failed:
            late_sends.append(message)

    async def scenario() -> None:
        network = Network(tmp_path, 4, wal_opener=opener, watch=watch)
        v0 = network.nodes[0]
        await network.start()
        network.submit(2)
        with pytest.raises(type(error)) as raised:
            await asyncio.wait_for(v0.driver.run(), 30)
        assert raised.value is error
        assert not v0.driver.running
        assert failing["v0"].closed
        assert v0.driver.receive("v1", _foreign_vote(network)) is False
        # The other three still hold 2/3+ of the power and go on.
        for _ in range(2):
            network.submit(2)
            await network.reach(max(network.heights()[1:]) + 1, [1, 2, 3])
        with pytest.raises(type(error)):
            await v0.driver.stop()
        for node in network.nodes[1:]:
            await node.driver.stop()
        network.assert_agree()

    run(scenario)
    assert late_sends == []


def test_a_wal_that_cannot_be_opened_fails_start(tmp_path: Path) -> None:
    wal_path = tmp_path / "v0" / "consensus.wal"
    wal_path.parent.mkdir(parents=True)
    wal_path.write_bytes(b"not a wal at all")

    async def scenario() -> None:
        network = Network(tmp_path, 1)
        with pytest.raises(WalCorruptError):
            await network.nodes[0].driver.start()

    run(scenario)


def _foreign_vote(network: Network) -> Vote:
    """A validly signed prevote for another chain: every core refuses it."""
    member = network.genesis.validators.validators[0]
    vote = Vote("other-chain", VoteType.PREVOTE, 1, 0, b"", 1, member.address)
    signature = network.maker.keys[0].sign(records.vote_signing_bytes(vote))
    return dataclasses.replace(vote, signature=signature)


def test_a_full_inbox_drops_and_counts(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    async def scenario() -> None:
        network = Network(tmp_path, 1, driver_config=lambda wal: DriverConfig(wal, inbox_size=4))
        driver = network.nodes[0].driver
        vote = _foreign_vote(network)
        accepted = [driver.receive("v9", vote) for _ in range(10)]
        assert accepted == [True] * 4 + [False] * 6
        assert driver.status.dropped_messages == 6
        await driver.start()
        await wait_for(lambda: driver.status.refused_messages == 4, "four refusals")
        # Running, the bound holds too: ten in one loop turn, before the consumer runs.
        accepted = [driver.receive("v9", vote) for _ in range(10)]
        assert accepted.count(True) == 4
        await wait_for(lambda: driver.status.refused_messages == 8, "four more refusals")
        assert driver.status.dropped_messages == 12
        await network.stop()

    with caplog.at_level(logging.INFO, logger="govchain.consensus"):
        run(scenario)
    refusals = [r for r in caplog.records if getattr(r, "event", None) == "refused"]
    assert len(refusals) == 8
    assert refusals[0].reason == "vote for another chain"  # type: ignore[attr-defined]


def test_equivocation_is_reported_to_the_app(tmp_path: Path) -> None:
    async def scenario() -> None:
        network = Network(tmp_path, 4)
        v0 = network.nodes[0]
        await v0.driver.start()  # the others stay down: only v0 sees the two votes
        member, key = network.genesis.validators.validators[3], network.maker.keys[3]
        for block_hash in (b"", bytes(32)):
            vote = Vote(CHAIN_ID, VoteType.PREVOTE, 1, 0, block_hash, 1, member.address)
            signed = dataclasses.replace(vote, signature=key.sign(records.vote_signing_bytes(vote)))
            v0.driver.receive("v3", signed)
        await wait_for(lambda: len(v0.app.evidence) == 1, "the evidence")
        assert v0.app.evidence[0].first.validator == member.address
        await v0.driver.stop()

    run(scenario)


def test_the_clock_must_give_whole_milliseconds(tmp_path: Path) -> None:
    async def scenario() -> None:
        network = Network(tmp_path, 1)
        node = network.nodes[0]
        config = CoreConfig(
            CHAIN_ID, network.maker.suite, network.genesis.validators, network.maker.keys[0], FAST
        )
        driver = Driver(
            config,
            node.app,
            network.hub.endpoint("v0"),
            DriverConfig(tmp_path / "float.wal"),
            clock=lambda: 1.5,  # type: ignore[arg-type, return-value]
        )
        with pytest.raises(TypeError, match="whole Unix milliseconds"):
            await driver.run()
        assert driver.status.step is Step.PROPOSE

    run(scenario)


# --- slow work off the event loop (issue 21, item 2) ------------------------------


def test_blocks_are_built_and_written_off_the_loop_which_keeps_serving(tmp_path: Path) -> None:
    """A slow durable write does not stall the loop: peers and the API go on meanwhile."""

    async def scenario() -> tuple[int, int]:
        network = Network(tmp_path, 1)
        node = network.nodes[0]
        commit = node.app.commit
        writing = asyncio.Event()
        loop = asyncio.get_running_loop()

        def slow_commit(block: Block, certificate: Commit) -> None:
            loop.call_soon_threadsafe(writing.set)
            time.sleep(0.3)
            commit(block, certificate)

        node.app.commit = slow_commit  # type: ignore[method-assign]
        await network.start()
        network.submit(1)
        await writing.wait()
        ticks = 0
        while node.app.height < 1:
            await asyncio.sleep(0.01)
            ticks += 1
        await network.stop()
        return ticks, node.app.off_loop_calls

    ticks, off_loop = asyncio.run(scenario())
    assert ticks >= 5  # the loop ran other work during the 0.3 s write
    assert off_loop == 2  # the build and the commit both ran in a worker thread


class _SlowWal:
    """A real WAL whose writes take a while; notes a close that overlaps a write."""

    def __init__(self, inner: WalLog) -> None:
        self.inner = inner
        self.writing = threading.Event()
        self.busy = False
        self.closed_while_writing = False
        self.writes = 0

    def append(self, record: object) -> None:
        self._slowly(self.inner.append, record)

    def reset(self, record: object) -> None:
        self._slowly(self.inner.reset, record)

    def _slowly(self, write: Callable[[object], None], record: object) -> None:
        self.busy = True
        self.writing.set()
        time.sleep(0.2)
        write(record)
        self.writes += 1
        self.busy = False

    def close(self) -> None:
        self.closed_while_writing |= self.busy
        self.inner.close()


def test_a_cancelled_driver_closes_its_wal_only_after_the_write_in_flight(tmp_path: Path) -> None:
    wals: list[_SlowWal] = []

    def opener(path: Path) -> tuple[WalLog, list[object]]:
        inner, records = open_wal(path)
        wals.append(_SlowWal(inner))
        return wals[-1], records

    async def scenario() -> None:
        network = Network(tmp_path, 1, wal_opener=opener)
        node = network.nodes[0]
        await network.start()
        network.submit(1)
        await asyncio.to_thread(wals[0].writing.wait, 10)
        task = node.driver._task  # the consumer, as a supervisor cancelling it would
        assert task is not None
        task.cancel()
        await asyncio.wait({task})
        with contextlib.suppress(Exception):
            await network.stop()

    asyncio.run(scenario())
    assert wals[0].writes >= 1
    assert not wals[0].closed_while_writing
