"""``apply_block``: check every commitment of a block and compute its results (spec: ledger.md).

Pure: it reads through a :class:`LedgerView` and returns a
:class:`BlockResult`; the chain store writes it. Deterministic: txs run in
block order, state writes are applied in key order by the state tree, and
nothing reads a clock.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import replace
from types import MappingProxyType

from govchain.execution.registry import (
    PERMISSION_DENIED,
    STATUS_PERMISSION_DENIED,
    STATUS_UNKNOWN_TYPE,
    ContractError,
    PermissionCheck,
    ReadState,
    Registry,
    TxContext,
)
from govchain.execution.view import BlockResult, LedgerView
from govchain.ledger import records
from govchain.ledger.commits import bft_time, verify_commit
from govchain.ledger.statetree import apply_batch, get_value
from govchain.ledger.validator_sets import header_sets_problem, new_set_of_block
from govchain.types import Block, Receipt, Tx
from govchain.types.errors import (
    InvalidBlock,
    InvalidCommitError,
    ValidationError,
)

NOTHING_VERIFIED: Mapping[bytes, bytes] = MappingProxyType({})


def _expect(ok: bool, height: int, what: str) -> None:
    if not ok:
        raise InvalidBlock(f"block {height}: {what}")


def check_header(
    view: LedgerView, block: Block, encoded_txs: Sequence[bytes] | None = None
) -> bytes:
    """Check the header's links, commit, time, validators and tx/history roots; return its hash.

    ``encoded_txs``, when given, are the txs' canonical bytes (``records.tx_bytes``).
    """
    suite, header = view.suite, block.header
    try:
        block.validate()
    except ValidationError as exc:
        raise InvalidBlock(f"malformed block: {exc}") from exc
    h = header.height
    _expect(header.chain_id == view.genesis.chain_id, h, "chain_id is for another chain")
    _expect(h == view.height + 1, h, f"height does not follow {view.height}")
    _expect(header.prev_hash == view.last_block_hash, h, "prev_hash does not link")
    _expect(
        header.last_commit_hash == records.commit_hash(suite, block.last_commit),
        h,
        "last_commit_hash mismatch",
    )
    if block.last_commit is None:
        _expect(header.time == view.genesis.time, h, "time of block 1 is not the genesis time")
    else:
        previous = view.validators(h - 1)
        try:
            verify_commit(
                suite,
                block.last_commit,
                previous,
                chain_id=header.chain_id,
                height=h - 1,
                block_hash=view.last_block_hash,
            )
        except InvalidCommitError as exc:
            raise InvalidBlock(f"block {h}: last_commit: {exc}") from exc
        _expect(header.time == bft_time(block.last_commit, previous), h, "time is not BFT time")
        _expect(header.time > view.last_time, h, "time does not advance")
    problem = header_sets_problem(suite, header, view.validators(h), view.validators(h + 1))
    _expect(problem is None, h, problem or "")
    if encoded_txs is None:
        encoded_txs = [records.encode_tx(tx) for tx in block.txs]
    tx_root = records.root_of_encoded(suite, encoded_txs)
    _expect(header.tx_root == tx_root, h, "tx_root mismatch")
    _expect(header.history_root == view.history_root(h - 1), h, "history_root mismatch")
    return records.header_hash(suite, header)


def _committed_reader(view: LedgerView) -> ReadState:
    """Reads of the state committed before the block ``view`` is about to apply."""
    hash_name, height = view.suite.hash_name, view.height
    state = view.state  # one reader: it finds the root of ``height`` once, not once per read

    def read(key: bytes) -> bytes | None:
        return get_value(state, hash_name, height, key)

    return read


def signer_keys(
    view: LedgerView, txs: Sequence[Tx], check: PermissionCheck | None
) -> tuple[bytes, ...]:
    """The key each tx's signature is checked with: its sender, or its certificate's key.

    A ``cert`` sender's key is looked up in the state committed before the
    block; InvalidBlock when the chain has no registry or the certificate is
    not registered (its signature cannot be checked, as with a bad one).
    """
    h = view.height + 1
    read = _committed_reader(view)
    found: dict[bytes, bytes | None] = {}
    keys = []
    for index, tx in enumerate(txs):
        if tx.sender_kind == "key":
            keys.append(tx.sender)
            continue
        _expect(check is not None, h, f"tx {index}: certificate senders need the registry")
        assert check is not None
        if tx.sender not in found:
            found[tx.sender] = check.certificate_key(read, tx.sender)
        key = found[tx.sender]
        _expect(key is not None, h, f"tx {index}: certificate {tx.sender.hex()} is not registered")
        assert key is not None
        keys.append(key)
    return tuple(keys)


def check_txs(
    view: LedgerView,
    block: Block,
    verified: Mapping[bytes, bytes],
    tx_bytes: Sequence[records.TxBytes] | None = None,
    check: PermissionCheck | None = None,
) -> tuple[bytes, ...]:
    """Check each tx's signature, expiry and uniqueness; return the tx hashes.

    ``check`` is the registry's permission check, which finds the key of a
    ``cert`` sender (docs/spec/registry.md, "Certificate senders").
    """
    h = block.header.height
    if tx_bytes is None:
        tx_bytes = [records.tx_bytes(tx) for tx in block.txs]
    hashes = tuple(view.suite.hash(b.signing) for b in tx_bytes)
    _expect(len(set(hashes)) == len(hashes), h, "a tx appears twice")
    keys = signer_keys(view, block.txs, check)
    to_check = [
        (key, b.signing, tx.signature)
        for tx, key, b, tx_hash in zip(block.txs, keys, tx_bytes, hashes, strict=True)
        if verified.get(tx_hash) != tx.signature
    ]
    for index, (tx, tx_hash) in enumerate(zip(block.txs, hashes, strict=True)):
        _expect(tx.expiry >= h, h, f"tx {index} expired at height {tx.expiry}")
        _expect(view.tx_location(tx_hash) is None, h, f"tx {index} was committed before")
    if to_check and not all(view.suite.batch_verify(to_check)):
        raise InvalidBlock(f"block {h}: a tx signature does not verify")
    return hashes


def execute_txs(
    registry: Registry,
    view: LedgerView,
    height: int,
    time: int,
    txs: Sequence[Tx],
    hashes: Sequence[bytes],
) -> tuple[list[Receipt], dict[bytes, bytes | None]]:
    """Run the txs in order; return their receipts and the block's net state writes.

    A handler sees a ``cert`` sender's tx as sent by the certificate's key
    (sender kind ``key``), so it acts as the account of that key.
    """
    read = _committed_reader(view)
    check = registry.permission_check
    keys = signer_keys(view, txs, check)
    block_writes: dict[bytes, bytes | None] = {}
    receipts: list[Receipt] = []
    refusal = _refusals(check, read, time)
    for tx, key, tx_hash in zip(txs, keys, hashes, strict=True):
        reason = refusal(tx)
        if reason is not None:
            error = f"{PERMISSION_DENIED}: {reason}"[:1024]
            receipts.append(Receipt(tx_hash, STATUS_PERMISSION_DENIED, (), error))
            continue
        ctx = TxContext(height, time, tx_hash, read, block_writes)
        as_sent = tx if tx.sender_kind == "key" else replace(tx, sender_kind="key", sender=key)
        receipts.append(_run_tx(registry, ctx, as_sent))
    return receipts, block_writes


def _refusals(
    check: PermissionCheck | None, read: ReadState, time: int
) -> Callable[[Tx], str | None]:
    """The permission check of one block, cached per (sender, tx type): it reads committed state."""
    if check is None:
        return lambda _tx: None
    answers: dict[tuple[str, bytes, str], str | None] = {}

    def refusal(tx: Tx) -> str | None:
        key = (tx.sender_kind, tx.sender, tx.type)
        if key not in answers:
            answers[key] = check(read, tx, time)
        return answers[key]

    return refusal


def _run_tx(registry: Registry, ctx: TxContext, tx: Tx) -> Receipt:
    handler = registry.handler(tx.type)
    if handler is None:
        return Receipt(ctx.tx_hash, STATUS_UNKNOWN_TYPE, (), f"unknown tx type {tx.type!r}")
    try:
        handler(ctx, tx)
        receipt = Receipt(ctx.tx_hash, 0, tuple(ctx.events))
        receipt.validate()
    except ContractError as exc:
        return Receipt(ctx.tx_hash, exc.status, (), str(exc)[:1024])
    except ValidationError as exc:
        return Receipt(ctx.tx_hash, 1, (), f"contract produced an invalid result: {exc}"[:1024])
    ctx.block_writes.update(ctx.writes)
    return receipt


def apply_block(
    view: LedgerView,
    block: Block,
    registry: Registry | None = None,
    verified: Mapping[bytes, bytes] = NOTHING_VERIFIED,
) -> BlockResult:
    """Check ``block`` against the chain in ``view`` and compute its results.

    ``verified`` maps a tx hash to the signature the caller already checked for it
    (the mempool's cache). The tx hash does not cover the signature, so only
    that very signature skips the check. Raises InvalidBlock on the first mismatch.
    """
    tx_bytes = [records.tx_bytes(tx) for tx in block.txs]
    encoded_txs = tuple(b.encoded for b in tx_bytes)
    block_hash = check_header(view, block, encoded_txs)
    registry = registry or Registry()
    hashes = check_txs(view, block, verified, tx_bytes, registry.permission_check)
    h = block.header.height
    receipts, writes = execute_txs(registry, view, h, block.header.time, block.txs, hashes)
    update = apply_batch(view.state, view.suite.hash_name, h, writes)
    _expect(update.root.root_hash == block.header.state_root, h, "state_root mismatch")
    encoded_receipts = tuple(records.encode_receipt(r) for r in receipts)
    _expect(
        block.header.receipts_root == records.root_of_encoded(view.suite, encoded_receipts),
        h,
        "receipts_root mismatch",
    )
    new_set = new_set_of_block(h, writes, view.validators(h + 1))
    return BlockResult(
        block_hash, hashes, tuple(receipts), update, encoded_txs, encoded_receipts, new_set
    )
