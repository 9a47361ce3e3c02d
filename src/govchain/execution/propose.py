"""Building a block a proposer can offer: run the txs and fill in every commitment."""

from __future__ import annotations

from collections.abc import Sequence

from govchain.execution.apply import execute_txs
from govchain.execution.registry import Registry
from govchain.execution.view import LedgerView
from govchain.ledger import records
from govchain.ledger.commits import bft_time
from govchain.ledger.statetree import apply_batch
from govchain.types import Block, Commit, Header, Tx


def propose_block(
    view: LedgerView,
    txs: Sequence[Tx],
    *,
    proposer: bytes,
    last_commit: Commit | None,
    registry: Registry | None = None,
) -> Block:
    """The next block over ``txs``, with roots computed by running them.

    The txs must already be admissible (signed, unexpired, not committed):
    :func:`apply_block` will refuse the block otherwise.
    """
    suite, height = view.suite, view.height + 1
    if last_commit is None:
        time = view.genesis.time
    else:
        time = max(bft_time(last_commit, view.validators(height - 1)), view.last_time + 1)
    tx_bytes = [records.tx_bytes(tx) for tx in txs]
    hashes = [suite.hash(b.signing) for b in tx_bytes]
    receipts, writes = execute_txs(registry or Registry(), view, height, time, txs, hashes)
    state = apply_batch(view.state, suite.hash_name, height, writes)
    header = Header(
        chain_id=view.genesis.chain_id,
        height=height,
        time=time,
        prev_hash=view.last_block_hash,
        tx_root=records.root_of_encoded(suite, [b.encoded for b in tx_bytes]),
        state_root=state.root.root_hash,
        receipts_root=records.receipts_root(suite, receipts),
        history_root=view.history_root(height - 1),
        validators_hash=records.validators_hash(suite, view.validators(height)),
        next_validators_hash=records.validators_hash(suite, view.validators(height + 1)),
        proposer=proposer,
        last_commit_hash=records.commit_hash(suite, last_commit),
    )
    return Block(header, tuple(txs), last_commit)
