"""Building a block a proposer can offer: run the txs and fill in every commitment."""

from __future__ import annotations

from collections.abc import Sequence

from govchain.execution.apply import execute_txs
from govchain.execution.registry import Registry
from govchain.execution.view import LedgerView
from govchain.ledger import records
from govchain.ledger.commits import bft_time
from govchain.ledger.results import BlockResult
from govchain.ledger.statetree import apply_batch
from govchain.ledger.validator_sets import new_set_of_block
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
    block, _ = build_block(view, txs, proposer=proposer, last_commit=last_commit, registry=registry)
    return block


def build_block(
    view: LedgerView,
    txs: Sequence[Tx],
    *,
    proposer: bytes,
    last_commit: Commit | None,
    registry: Registry | None = None,
) -> tuple[Block, BlockResult]:
    """:func:`propose_block`, with the result :func:`apply_block` would compute for it.

    The proposer keeps the result, so it neither runs its own block again to
    vote for it nor to commit it.
    """
    suite, height = view.suite, view.height + 1
    if last_commit is None:
        time = view.genesis.time
    else:
        time = max(bft_time(last_commit, view.validators(height - 1)), view.last_time + 1)
    tx_bytes = [records.tx_bytes(tx) for tx in txs]
    encoded_txs = tuple(b.encoded for b in tx_bytes)
    hashes = [suite.hash(b.signing) for b in tx_bytes]
    receipts, writes = execute_txs(registry or Registry(), view, height, time, txs, hashes)
    state = apply_batch(view.state, suite.hash_name, height, writes)
    encoded_receipts = tuple(records.encode_receipt(r) for r in receipts)
    header = Header(
        chain_id=view.genesis.chain_id,
        height=height,
        time=time,
        prev_hash=view.last_block_hash,
        tx_root=records.root_of_encoded(suite, encoded_txs),
        state_root=state.root.root_hash,
        receipts_root=records.root_of_encoded(suite, encoded_receipts),
        history_root=view.history_root(height - 1),
        validators_hash=records.validators_hash(suite, view.validators(height)),
        next_validators_hash=records.validators_hash(suite, view.validators(height + 1)),
        proposer=proposer,
        last_commit_hash=records.commit_hash(suite, last_commit),
    )
    block = Block(header, tuple(txs), last_commit)
    result = BlockResult(
        records.header_hash(suite, header),
        tuple(hashes),
        tuple(receipts),
        state,
        encoded_txs,
        encoded_receipts,
        new_set_of_block(height, writes, view.validators(height + 1)),
    )
    return block, result
