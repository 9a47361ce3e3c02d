"""``govchain bench ledger``: state tree and block-commit figures against signature checks.

Figures, not pass/fail. ``commit_to_verify_ratio`` divides the time to apply
and commit a 1,000-tx block (signatures already checked, as the mempool
does) by the time to verify 1,000 signatures of the suite on one core,
both medians over several blocks of the same run: our bookkeeping should
cost well under the signature checks.
"""

from __future__ import annotations

import os
import statistics
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from govchain.crypto import SigningKey, suite_for
from govchain.execution import Registry, TxContext, apply_block, propose_block
from govchain.ledger import records
from govchain.ledger.chainstore import TABLES, ChainStore
from govchain.ledger.statetree import MemoryNodeStore, apply_batch, prove
from govchain.storage import LmdbStore
from govchain.types import Commit, CommitSig, Genesis, Tx, Validator, ValidatorSet, Vote, VoteType

Step = Callable[[str], None]
BATCH = 1000
BLOCK_TXS = 1000


def _tree_figures(hash_name: str, keys: int) -> dict[str, float]:
    store = MemoryNodeStore()
    store.commit(apply_batch(store, hash_name, 0, {}))
    start, version = time.perf_counter(), 0
    for first in range(0, keys, BATCH):
        version += 1
        writes: dict[bytes, bytes | None] = {
            i.to_bytes(8, "big"): os.urandom(32) for i in range(first, min(first + BATCH, keys))
        }
        store.commit(apply_batch(store, hash_name, version, writes))
    writes_per_s = keys / (time.perf_counter() - start)
    samples = min(2000, keys)
    start = time.perf_counter()
    for i in range(samples):
        prove(store, hash_name, version, ((i * 7919) % keys).to_bytes(8, "big"))
    proofs_per_s = samples / (time.perf_counter() - start)
    return {"writes_per_s": round(writes_per_s, 1), "proofs_per_s": round(proofs_per_s, 1)}


def _bench_put(ctx: TxContext, tx: Tx) -> None:
    ctx.put(b"bench/" + tx.nonce, tx.args["value"])


def _signed_txs(key: SigningKey, count: int) -> list[Tx]:
    return [
        records.sign_tx(
            key,
            Tx(
                "bench",
                "bench.put",
                {"value": os.urandom(32)},
                "key",
                key.public_key,
                os.urandom(16),
                1_000_000,
            ),
        )
        for _ in range(count)
    ]


def _commit_figures(suite_name: str, blocks: int) -> dict[str, float]:
    """Median over ``blocks`` consecutive 1,000-tx blocks, and over as many verify runs.

    Timed as every validator runs it: ``apply_block`` (all header checks,
    execution, state tree, roots) then ``commit_block`` (one LMDB write
    transaction). Signatures are pre-checked, as the mempool does on
    admission, so their hashes are given; the proposer's extra
    ``propose_block`` is reported on its own.
    """
    suite = suite_for(suite_name)
    key = suite.generate_key()
    member = Validator(records.address_of(suite, key.public_key), key.public_key, 1, "bench")
    genesis = Genesis("bench", suite_name, 1_790_000_000_000, ValidatorSet((member,)))
    registry = Registry()
    registry.register("bench.put", _bench_put)
    verify_s, propose_s, commit_s = [], [], []
    with tempfile.TemporaryDirectory() as tmp:
        chain = ChainStore.create(LmdbStore(Path(tmp), TABLES), genesis)
        last_commit: Commit | None = None
        try:
            for _ in range(blocks):
                txs = _signed_txs(key, BLOCK_TXS)
                items = [(key.public_key, records.tx_signing_bytes(tx), tx.signature) for tx in txs]
                start = time.perf_counter()
                if not all(suite.verify(*item) for item in items):
                    raise AssertionError("a freshly signed tx does not verify")
                verify_s.append(time.perf_counter() - start)
                verified = {records.tx_hash(suite, tx): tx.signature for tx in txs}
                with chain.view() as view:
                    start = time.perf_counter()
                    block = propose_block(
                        view,
                        txs,
                        proposer=member.address,
                        last_commit=last_commit,
                        registry=registry,
                    )
                    propose_s.append(time.perf_counter() - start)
                height = block.header.height
                start = time.perf_counter()
                with chain.view() as view:
                    result = apply_block(view, block, registry, verified)
                commit = _commit(key, member.address, height, result.block_hash, block.header.time)
                chain.commit_block(block, commit, result)
                commit_s.append(time.perf_counter() - start)
                last_commit = commit
        finally:
            chain.store.close()
    verify_median, commit_median = statistics.median(verify_s), statistics.median(commit_s)
    return {
        "blocks": blocks,
        "block_commit_ms": round(commit_median * 1000, 1),
        "block_propose_ms": round(statistics.median(propose_s) * 1000, 1),
        "verify_1000_ms": round(verify_median * 1000, 1),
        "commit_to_verify_ratio": round(commit_median / verify_median, 3),
    }


def _commit(
    key: SigningKey, address: bytes, height: int, block_hash: bytes, time_ms: int
) -> Commit:
    """A one-validator commit certificate for the block."""
    vote = Vote("bench", VoteType.PRECOMMIT, height, 0, block_hash, time_ms + 1, address)
    sig = CommitSig(address, vote.time, key.sign(records.vote_signing_bytes(vote)))
    return Commit("bench", height, 0, block_hash, (sig,))


def run_ledger_bench(
    sizes: Sequence[int], suite_name: str, step: Step, blocks: int = 5
) -> dict[str, Any]:
    """All figures as one JSON-ready dict."""
    hash_name = suite_for(suite_name).hash_name
    tree = {}
    for size in sizes:
        step(f"state tree with {size:,} keys")
        tree[str(size)] = _tree_figures(hash_name, size)
    step(f"{blocks} blocks of 1,000 txs: commit vs 1,000 signature checks")
    return {
        "suite": suite_name,
        "state_tree": tree,
        **_commit_figures(suite_name, blocks),
        "targets": {"commit_to_verify_ratio": 0.5},
        "machine": {"cores": os.cpu_count() or 1},
    }
