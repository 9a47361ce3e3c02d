"""One simulated node instance: a real core, a real chain store and its WAL, which survive crashes.

The chain store (in memory) and the WAL list stand for the node's disk: a
crash drops the core and everything else in memory, and a restart rebuilds
the core from them, as the real node does.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass, field

from cryptography.hazmat.primitives.asymmetric import ed25519

from govchain.consensus.core import Core
from govchain.consensus.events import Action, CoreConfig
from govchain.consensus.evidence import DuplicateVote
from govchain.contracts.context import ValidatorsAt
from govchain.contracts.evidence import evidence_key, evidence_tx, register_evidence
from govchain.crypto import CryptoSuite, SigningKey
from govchain.crypto.intl import IntlSigningKey
from govchain.execution import ContractError, Registry, TxContext
from govchain.execution.block_executor import BlockExecutor
from govchain.ledger import records
from govchain.ledger.chainstore import ChainStore
from govchain.ledger.statetree import get_value
from govchain.types import Block, Tx
from govchain.types.errors import GovChainError

MAX_EVIDENCE_PER_BLOCK = 2
MAX_EVIDENCE_POOL = 64


def seeded_key(rng: random.Random) -> SigningKey:
    """An Ed25519 key drawn from the run's seed, so a seed replays byte for byte."""
    return IntlSigningKey(ed25519.Ed25519PrivateKey.from_private_bytes(rng.randbytes(32)))


def _note(ctx: TxContext, tx: Tx) -> None:
    """The simulator's test contract, ``sim.note``: store ``value`` under ``key``."""
    key, value = tx.args.get("key"), tx.args.get("value")
    if not isinstance(key, bytes) or not isinstance(value, bytes):
        raise ContractError("sim.note needs bytes key and value")
    ctx.put(b"note/" + key, value)


def sim_registry(suite: CryptoSuite, validators_at: ValidatorsAt) -> Registry:
    """The contracts every simulated node runs: ``sim.note`` and ``consensus.evidence``."""
    registry = Registry()
    registry.register("sim.note", _note)
    register_evidence(registry, suite, validators_at)
    return registry


TxSource = Callable[[SigningKey, int], Tx]
"""``make_tx(key, height)``: a fresh signed tx for a block at ``height``."""

ChangeSource = Callable[[ChainStore, SigningKey, int], Tx | None]
"""``set_change_tx(chain, key, height)``: the validator-set change due, if any (sim.set_changes)."""


@dataclass
class SimNode:
    """A validator instance: honest, Byzantine, or a twin of a Byzantine one."""

    index: int
    name: str
    key: SigningKey
    address: bytes
    honest: bool
    behaviours: tuple[str, ...]
    config: CoreConfig
    chain: ChainStore
    registry: Registry
    make_tx: TxSource
    on_built: Callable[[bytes], None]
    tx_key: SigningKey | None = None
    """The key this node's own txs are signed with (None: its validator key)."""
    wal: list[object] = field(default_factory=list)
    core: Core | None = None
    executor: BlockExecutor | None = None
    incarnation: int = 0
    crash_after: int | None = None
    """Crash after this many actions of the next batch (a kill at a random point)."""
    crash_windows: int = 0
    evidence: dict[bytes, DuplicateVote] = field(default_factory=dict)
    clock_skew_ms: int = 0
    validators_at: ValidatorsAt | None = None
    """The sets the core counts with (None: its chain store's, as an honest node's)."""
    set_change_tx: ChangeSource | None = None

    @property
    def up(self) -> bool:
        """Whether the process is running."""
        return self.core is not None

    def boot(self, now: int) -> list[Action]:
        """Start (or restart) from the chain store and the WAL."""
        self.executor = BlockExecutor(self.chain, self.registry, self.address)
        self.core = Core(
            self.config,
            self.chain.height + 1,
            self.executor.last_block_time,
            list(self.wal),
            self.validators_at or self.chain.validators,
        )
        return self.core.start(now)

    def crash(self) -> None:
        """Lose everything but the disk; events scheduled before are void."""
        self.core = None
        self.executor = None
        self.crash_after = None
        self.incarnation += 1

    def build_block(self, height: int) -> Block | None:
        """A fresh valid block for ``height``: a new tx, and evidence this node holds."""
        if self.executor is None or self.chain.height + 1 != height:
            return None
        txs = [self.make_tx(self.tx_key or self.key, height), *self._evidence_txs(height)]
        change = (
            None if self.set_change_tx is None else self.set_change_tx(self.chain, self.key, height)
        )
        if change is not None:
            txs.append(change)
        if self.honest:
            block = self.executor.build(txs)
        else:
            try:  # a removed validator that keeps signing may hold a commit with its own vote
                block = self.executor.build(txs)
            except GovChainError:
                return None
        self.on_built(records.header_hash(self.chain.suite, block.header))
        return block

    def proposed_hashes(self, height: int, round_: int) -> list[bytes]:
        """Hashes of the proposals the core holds for ``(height, round_)``."""
        if self.core is None or self.core.height != height:
            return []
        message = self.core.state.proposals.get(round_)
        return [] if message is None else [message.proposal.block_hash]

    def add_evidence(self, evidence: DuplicateVote) -> None:
        """Keep evidence to put in a block we propose (bounded)."""
        vote = evidence.first
        key = evidence_key(vote.validator, vote.height, vote.round, vote.type)
        if key not in self.evidence and len(self.evidence) < MAX_EVIDENCE_POOL:
            self.evidence[key] = evidence

    def _evidence_txs(self, height: int) -> list[Tx]:
        suite = self.chain.suite
        with self.chain.view() as view:
            recorded = [
                key
                for key in sorted(self.evidence)
                if get_value(view.state, suite.hash_name, view.height, key) is not None
            ]
        for key in recorded:
            del self.evidence[key]
        chosen = sorted(self.evidence)[:MAX_EVIDENCE_PER_BLOCK]
        nonce = records.address_of(suite, self.key.public_key)[:8] + height.to_bytes(8, "big")
        return [
            evidence_tx(
                self.key, self.config.chain_id, self.evidence[key], nonce + key[-13:], height + 100
            )
            for key in chosen
        ]
