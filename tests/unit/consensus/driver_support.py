"""Real drivers for tests: a ledger app over ``BlockExecutor``, a record of signed sends, a network.

``LedgerApp`` is the ``ConsensusApp`` the tests give a driver: a real chain
store (memory or LMDB), the real registry with the ``kv.put`` test contract,
and a plain list of pending signed txs. ``SignedLog`` remembers every signed
message each endpoint sent, keyed by (height, round, step), to catch double
signing. ``Network`` wires validators over a ``LocalHub``.
"""

from __future__ import annotations

import asyncio
import os
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from govchain.codec import encode
from govchain.consensus.driver import Driver, DriverConfig, WalLog, WalOpener, open_wal
from govchain.consensus.events import CoreConfig, Step, Timeouts
from govchain.consensus.evidence import DuplicateVote
from govchain.consensus.messages import Message, ProposalMessage
from govchain.consensus.transport import LocalHub, SendObserver
from govchain.execution.block_executor import BlockExecutor
from govchain.execution.registry import Registry
from govchain.ledger import records
from govchain.ledger.chainstore import TABLES, ChainStore
from govchain.ledger.home import create_chain
from govchain.ledger.verify import verify_chain
from govchain.storage import MemoryStore
from govchain.types import Block, Commit, Genesis, Tx, ValidatorSet, Vote, VoteType

from ...chain_support import CHAIN_ID, ChainMaker

FAST = Timeouts(200, 100, 100, 50, 100, 50, resend=200)
"""Small timeouts, so the tests that need a round change stay quick."""

Watch = Callable[[str, str | None, Message], None]
"""A test's own hook on sends: ``(sender, peer or None, message)``, before delivery."""

WAIT_SECONDS = 30.0
"""Overall limit for any awaited condition; only a broken driver gets near it."""


class LedgerApp:
    """A ``ConsensusApp`` over a real chain store, with a list of pending txs as its mempool."""

    def __init__(
        self,
        chain: ChainStore,
        registry: Registry,
        proposer: bytes,
        max_txs: int = 64,
    ) -> None:
        self.executor = BlockExecutor(chain, registry, proposer)
        self.suite = chain.suite
        self.max_txs = max_txs
        self.pending: list[Tx] = []
        self.evidence: list[DuplicateVote] = []
        self.propose_calls = 0
        self.commits = 0
        self.off_loop_calls = 0
        """Calls of build and commit made from a worker thread (the driver makes all of them so)."""

    @property
    def chain(self) -> ChainStore:
        """The chain store under the app."""
        return self.executor.chain

    @property
    def height(self) -> int:
        """The latest committed height."""
        return self.executor.height

    @property
    def last_block_time(self) -> int:
        """Time of the latest block."""
        return self.executor.last_block_time

    def validators(self, height: int) -> ValidatorSet:
        """The set of ``height`` from the chain store."""
        return self.executor.validators(height)

    def add_txs(self, txs: list[Tx]) -> None:
        """Queue txs for proposals."""
        self.pending.extend(txs)

    def validate(self, block: Block) -> bool:
        """``apply_block`` on a snapshot."""
        return self.executor.validate(block)

    def reap(self, height: int, allow_empty: bool) -> list[Tx] | None:
        """Pending txs not committed yet; None if there are none."""
        self.propose_calls += 1
        assert height == self.height + 1, (height, self.height)
        with self.chain.view() as view:
            fresh = [
                tx
                for tx in self.pending
                if view.tx_location(records.tx_hash(self.suite, tx)) is None
            ]
        if not fresh and not allow_empty:
            return None
        return fresh[: self.max_txs]

    def build(self, height: int, txs: Sequence[Tx]) -> Block:
        """A block of ``txs`` on the latest state (the driver calls it off the loop)."""
        assert height == self.height + 1, (height, self.height)
        self.off_loop_calls += threading.current_thread() is not threading.main_thread()
        return self.executor.build(list(txs))

    def commit(self, block: Block, commit: Commit) -> None:
        """Write the block (the driver calls it off the loop)."""
        self.off_loop_calls += threading.current_thread() is not threading.main_thread()
        self.executor.commit(block, commit)

    def committed(self, block: Block, commit: Commit) -> None:
        """Forget the block's txs; on the loop, after ``commit``."""
        assert threading.current_thread() is threading.main_thread()
        assert self.height == block.header.height == commit.height
        done = {records.tx_hash(self.suite, tx) for tx in block.txs}
        self.pending = [tx for tx in self.pending if records.tx_hash(self.suite, tx) not in done]
        self.commits += 1

    def decided(self, height: int) -> tuple[Block, Commit] | None:
        """The stored block and commit of ``height``."""
        return self.executor.decided(height)

    def report_evidence(self, evidence: DuplicateVote) -> None:
        """Keep it for the test to look at."""
        self.evidence.append(evidence)


# --- what a validator signed --------------------------------------------------------


def signed_key(message: Message) -> tuple[bytes, int, int, Step] | None:
    """(signer, height, round, step) of a vote or proposal; None for a decision.

    The signer is named in the message: a validator also relays votes of others.
    """
    if isinstance(message, Vote):
        step = Step.PREVOTE if message.type is VoteType.PREVOTE else Step.PRECOMMIT
        return message.validator, message.height, message.round, step
    if isinstance(message, ProposalMessage):
        proposal = message.proposal
        return proposal.proposer, proposal.height, proposal.round, Step.PROPOSE
    return None


def signed_bytes(message: Message) -> bytes:
    """The signed object of a vote or proposal, signature included."""
    if isinstance(message, Vote):
        return encode(message.to_cbor())
    if isinstance(message, ProposalMessage):
        return encode(message.proposal.to_cbor())
    raise TypeError("a decision is not signed by its sender")


@dataclass
class SignedLog:
    """Every distinct signed message seen leaving any endpoint, by signer and step.

    ``names`` maps validator addresses to names for readable reports.
    """

    names: dict[bytes, str]
    sent: dict[str, dict[tuple[int, int, Step], set[bytes]]] = field(default_factory=dict)

    def observer(self, _endpoint: str) -> SendObserver:
        """The transport hook of one endpoint."""

        def seen(_peer: str | None, message: Message) -> None:
            key = signed_key(message)
            if key is not None:
                signer, height, round_, step = key
                by_step = self.sent.setdefault(self.names.get(signer, signer.hex()), {})
                by_step.setdefault((height, round_, step), set()).add(signed_bytes(message))

        return seen

    def highest_round(self, name: str, height: int) -> int:
        """The highest round of ``height`` in which ``name`` signed something seen (-1: none)."""
        rounds = [r for (h, r, _step) in self.sent.get(name, {}) if h == height]
        return max(rounds, default=-1)

    def conflicts(self) -> list[tuple[str, tuple[int, int, Step]]]:
        """(signer, step) pairs with two different signed messages."""
        return [
            (name, key)
            for name, by_step in sorted(self.sent.items())
            for key, versions in sorted(by_step.items())
            if len(versions) > 1
        ]


# --- a network of drivers -----------------------------------------------------------


@dataclass
class Validator:
    """One validator of a test network."""

    name: str
    index: int
    home: Path
    chain: ChainStore
    app: LedgerApp
    driver: Driver


class Network:
    """``n`` validators over one ``LocalHub``, each with its own chain and WAL under ``root``."""

    def __init__(
        self,
        root: Path,
        validators: int = 4,
        *,
        lmdb: bool = False,
        driver_config: Callable[[Path], DriverConfig] | None = None,
        wal_opener: WalOpener = open_wal,
        hub: LocalHub | None = None,
        watch: Watch | None = None,
    ) -> None:
        self.root = root
        self.maker = ChainMaker.make("intl", validators)
        self.hub = hub or LocalHub()
        self.signed = SignedLog(
            {v.address: f"v{i}" for i, v in enumerate(self.genesis.validators.validators)}
        )
        self.lmdb = lmdb
        self.driver_config = driver_config or DriverConfig
        self.wal_opener = wal_opener
        self.watch = watch
        self.nodes = [self._make(i) for i in range(validators)]

    @property
    def genesis(self) -> Genesis:
        """The network's genesis."""
        return self.maker.genesis

    def _open_chain(self, home: Path) -> ChainStore:
        if self.lmdb:
            return create_chain(home, self.genesis, {})
        return ChainStore.create(MemoryStore(TABLES), self.genesis)

    def _make(self, index: int, chain: ChainStore | None = None) -> Validator:
        name = f"v{index}"
        home = self.root / name
        chain = chain or self._open_chain(home)
        key = self.maker.keys[index]
        address = self.genesis.validators.validators[index].address
        app = LedgerApp(chain, self.maker.registry, address)
        config = CoreConfig(CHAIN_ID, self.maker.suite, self.genesis.validators, key, FAST)
        transport = self.hub.endpoint(name, self._observer(name))
        driver = Driver(
            config,
            app,
            transport,
            self.driver_config(home / "consensus.wal"),
            wal_opener=self.wal_opener,
        )
        self.hub.attach(name, driver)
        return Validator(name, index, home, chain, app, driver)

    def _observer(self, name: str) -> SendObserver:
        record = self.signed.observer(name)
        watch = self.watch

        def seen(peer: str | None, message: Message) -> None:
            record(peer, message)
            if watch is not None:
                watch(name, peer, message)

        return seen

    async def start(self) -> None:
        """Start every driver."""
        for node in self.nodes:
            await node.driver.start()

    async def stop(self) -> None:
        """Stop every driver (the chains stay open for checks; see :meth:`close`)."""
        for node in self.nodes:
            await node.driver.stop()

    def close(self) -> None:
        """Close the LMDB stores."""
        if self.lmdb:
            for node in self.nodes:
                node.chain.store.close()

    async def restart(self, index: int, *, lose_wal: bool = False) -> Validator:
        """Stop validator ``index`` and start a new driver on the same WAL and chain directory.

        ``lose_wal`` deletes the WAL in between: what a validator must never do.
        """
        old = self.nodes[index]
        self.hub.detach(old.name)
        await old.driver.stop()
        if lose_wal:
            (old.home / "consensus.wal").unlink()
        chain = None
        if self.lmdb:
            old.chain.store.close()
        else:
            chain = old.chain  # an in-memory chain outlives its driver
        node = self._make(index, chain)
        node.app.add_txs(old.app.pending)
        self.nodes[index] = node
        await node.driver.start()
        return node

    def submit(self, count: int) -> list[Tx]:
        """Sign ``count`` txs, give them to every validator and tell the drivers."""
        txs = [
            self.maker.tx(self.maker.keys[0], key=os.urandom(6), value=os.urandom(8))
            for _ in range(count)
        ]
        for node in self.nodes:
            node.app.add_txs(txs)
            node.driver.notify_txs()
        return txs

    def heights(self) -> list[int]:
        """Committed height of each validator."""
        return [node.app.height for node in self.nodes]

    async def reach(self, height: int, indexes: Sequence[int] | None = None) -> None:
        """Await every validator of ``indexes`` (default: all) committing ``height``."""
        chosen = range(len(self.nodes)) if indexes is None else indexes

        def reached() -> bool:
            return all(self.nodes[i].app.height >= height for i in chosen)

        await wait_for(reached, f"height {height} at validators {list(chosen)}")

    def block_hashes(self, height: int) -> set[bytes]:
        """The distinct block hashes the validators hold at ``height``."""
        hashes = set()
        for node in self.nodes:
            with node.chain.view() as view:
                if view.height >= height:
                    hashes.add(view.block_hash(height))
        return hashes

    def assert_agree(self) -> None:
        """Every height any two validators share has one block hash."""
        for height in range(1, max(self.heights()) + 1):
            assert len(self.block_hashes(height)) <= 1, f"disagreement at height {height}"

    def assert_verified(self) -> None:
        """``ledger verify`` passes on every validator's chain."""
        for node in self.nodes:
            report = verify_chain(node.chain)
            assert report.ok, (node.name, report.error_height, report.error)

    def committed_txs(self, index: int) -> set[bytes]:
        """Hashes of every tx validator ``index`` committed."""
        found: set[bytes] = set()
        with self.nodes[index].chain.view() as view:
            for height in range(1, view.height + 1):
                found.update(records.tx_hash(self.maker.suite, tx) for tx in view.block(height).txs)
        return found


async def wait_for(condition: Callable[[], bool], what: str, timeout: float = WAIT_SECONDS) -> None:
    """Await ``condition`` becoming true, checking between loop turns; fail after ``timeout``."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        await asyncio.sleep(0.002)


# --- WAL stand-ins ------------------------------------------------------------------


class RecordingWal:
    """A real WAL that also notes each record in a shared journal, as ``(name, "wal", record)``."""

    def __init__(self, inner: WalLog, name: str, journal: list[tuple[str, str, object]]) -> None:
        self.inner = inner
        self.name = name
        self.journal = journal

    def append(self, record: object) -> None:
        """Write through, then note it."""
        self.inner.append(record)
        self.journal.append((self.name, "wal", record))

    def reset(self, record: object) -> None:
        """Reset through, then note it."""
        self.inner.reset(record)
        self.journal.append((self.name, "wal", record))

    def close(self) -> None:
        """Close the real WAL."""
        self.inner.close()


class FailingWal:
    """A real WAL whose write number ``fail_at`` (1-based, appends and resets) raises ``error``."""

    def __init__(self, inner: WalLog, fail_at: int, error: Exception) -> None:
        self.inner = inner
        self.fail_at = fail_at
        self.error = error
        self.writes = 0
        self.failed = False
        self.closed = False

    def _write(self, write: Callable[[object], None], record: object) -> None:
        self.writes += 1
        if self.writes >= self.fail_at:
            self.failed = True
            raise self.error
        write(record)

    def append(self, record: object) -> None:
        """Append, or fail."""
        self._write(self.inner.append, record)

    def reset(self, record: object) -> None:
        """Reset, or fail."""
        self._write(self.inner.reset, record)

    def close(self) -> None:
        """Close the real WAL."""
        self.closed = True
        self.inner.close()
