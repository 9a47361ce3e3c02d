"""``govchain bench ledger``: state tree and block-commit figures against signature checks.

Figures, not pass/fail. ``commit_to_verify_ratio`` divides the time to apply
and commit a 1,000-tx block (signatures already checked, as the mempool
does) by the time to verify 1,000 signatures of the suite, measured in the
same run: our bookkeeping should cost well under the signature checks.
"""

from __future__ import annotations

import os
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from govchain.crypto import suite_for
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


def _commit_figures(suite_name: str) -> dict[str, float]:
    suite = suite_for(suite_name)
    key = suite.generate_key()
    member = Validator(records.address_of(suite, key.public_key), key.public_key, 1, "bench")
    genesis = Genesis("bench", suite_name, 1_790_000_000_000, ValidatorSet((member,)))
    registry = Registry()
    registry.register("bench.put", _bench_put)
    txs = [
        records.sign_tx(
            key,
            Tx(
                "bench",
                "bench.put",
                {"value": os.urandom(32)},
                "key",
                key.public_key,
                os.urandom(16),
                10,
            ),
        )
        for _ in range(BLOCK_TXS)
    ]
    items = [(key.public_key, records.tx_signing_bytes(tx), tx.signature) for tx in txs]
    start = time.perf_counter()
    assert all(suite.verify(*item) for item in items)
    verify_s = time.perf_counter() - start
    with tempfile.TemporaryDirectory() as tmp:
        chain = ChainStore.create(LmdbStore(Path(tmp), TABLES), genesis)
        try:
            start = time.perf_counter()
            with chain.view() as view:
                block = propose_block(
                    view, txs, proposer=member.address, last_commit=None, registry=registry
                )
                verified = {records.tx_hash(suite, tx) for tx in txs}
                result = apply_block(view, block, registry, verified)
            vote = Vote(
                "bench",
                VoteType.PRECOMMIT,
                1,
                0,
                result.block_hash,
                block.header.time + 1,
                member.address,
            )
            sig = CommitSig(member.address, vote.time, key.sign(records.vote_signing_bytes(vote)))
            chain.commit_block(block, Commit("bench", 1, 0, result.block_hash, (sig,)), result)
            commit_s = time.perf_counter() - start
        finally:
            chain.store.close()
    return {
        "block_commit_ms": round(commit_s * 1000, 1),
        "verify_1000_ms": round(verify_s * 1000, 1),
        "commit_to_verify_ratio": round(commit_s / verify_s, 3),
    }


def run_ledger_bench(sizes: Sequence[int], suite_name: str, step: Step) -> dict[str, Any]:
    """All figures as one JSON-ready dict."""
    hash_name = suite_for(suite_name).hash_name
    tree = {}
    for size in sizes:
        step(f"state tree with {size:,} keys")
        tree[str(size)] = _tree_figures(hash_name, size)
    step("1,000-tx block commit vs 1,000 signature checks")
    return {
        "suite": suite_name,
        "state_tree": tree,
        **_commit_figures(suite_name),
        "targets": {"commit_to_verify_ratio": 0.5},
        "machine": {"cores": os.cpu_count() or 1},
    }
