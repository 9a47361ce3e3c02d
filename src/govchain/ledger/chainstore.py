"""The chain store: blocks, commits, receipts, tx index, history and state in one store.

Layout and atomicity are specified in ``docs/spec/ledger.md``. Committing a
block is one write transaction, so a crash leaves either the whole block or
none of it.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass

from govchain.codec import encode
from govchain.crypto import CryptoSuite, suite_for
from govchain.ledger import records
from govchain.ledger.history import HistoryView, append_nodes, node_key
from govchain.ledger.merkle import Hasher, hasher_for
from govchain.ledger.recent_headers import RecentHeaders
from govchain.ledger.results import BlockResult
from govchain.ledger.statetree import RootRecord, TreeUpdate, VerifiedNodes, apply_batch
from govchain.ledger.statetree.errors import StateProofError
from govchain.ledger.statetree.nodes import KEY_BITS
from govchain.ledger.statetree.proof import StateProof, prove
from govchain.ledger.validator_sets import (
    EFFECT_DELAY,
    SET_ROW_PREFIX,
    VALIDATOR_SET_KEY,
    decode_set,
    proof_row_key,
    set_row_key,
    start_of_row,
)
from govchain.storage import ReadTxn, Store, WriteTxn
from govchain.types import Block, Commit, Genesis, Header, Receipt, ValidatorSet
from govchain.types.errors import InvalidBlock, LedgerCorruptError, LedgerError

TABLES = (
    "meta",
    "blocks",
    "hashes",
    "commits",
    "receipts",
    "txindex",
    "history",
    "state_nodes",
    "state_roots",
    "state_stale",
)
DEFAULT_STATE_WINDOW = 1000
_GENESIS, _HEIGHT = b"genesis", b"height"
_NODE_KEY_MIN, _NODE_KEY_MAX = 10, 10 + KEY_BITS // 8
"""A state node key: version (8) ‖ depth (2) ‖ up to 32 bytes of path."""


def height_key(height: int) -> bytes:
    """Big-endian 8-byte key, so heights sort in order."""
    return height.to_bytes(8, "big")


class StateReader:
    """The state tree's NodeReader over a storage transaction.

    It keeps each root record it found: a block's execution reads every
    value from the root of one version, and within one transaction that
    record does not change (a version's root is written once, and pruned
    only by a later block's commit).
    """

    def __init__(self, txn: ReadTxn, verified_nodes: VerifiedNodes | None = None) -> None:
        self._txn = txn
        self._verified_nodes = verified_nodes
        self._roots: dict[int, RootRecord] = {}

    @property
    def verified_nodes(self) -> VerifiedNodes | None:
        """The chain store's cache of checked nodes (None: check every read)."""
        return self._verified_nodes

    def get_node(self, node_key: bytes) -> bytes | None:
        """An encoded state node."""
        return self._txn.get("state_nodes", node_key)

    def get_root(self, version: int) -> RootRecord | None:
        """The root record of ``version``, or None if pruned or never written."""
        found = self._roots.get(version)
        if found is None:
            raw = self._txn.get("state_roots", height_key(version))
            if raw is None:
                return None
            found = self._roots[version] = RootRecord.from_bytes(raw)
        return found


@dataclass(frozen=True)
class ChainView:
    """A consistent snapshot of the chain (a ``LedgerView`` for ``apply_block``)."""

    txn: ReadTxn
    suite: CryptoSuite
    genesis: Genesis
    verified_nodes: VerifiedNodes | None = None
    recent_headers: RecentHeaders | None = None

    @property
    def height(self) -> int:
        """Latest committed height."""
        raw = self.txn.get("meta", _HEIGHT)
        return 0 if raw is None else int.from_bytes(raw, "big")

    @property
    def last_block_hash(self) -> bytes:
        """Hash of the latest block, ``b""`` before block 1."""
        height = self.height
        return b"" if height == 0 else self.block_hash(height)

    @property
    def last_time(self) -> int:
        """BFT time of the latest block (genesis time before block 1)."""
        height = self.height
        return self.genesis.time if height == 0 else self.header(height).time

    @property
    def state(self) -> StateReader:
        """State tree reader."""
        return StateReader(self.txn, self.verified_nodes)

    @property
    def hasher(self) -> Hasher:
        """RFC 6962 hasher of the chain's suite."""
        return hasher_for(self.suite.hash_name)

    def validators(self, height: int) -> ValidatorSet:
        """The set that votes on block ``height``: known up to two heights past the latest.

        The genesis set until a block changes it (docs/spec/ledger.md,
        "Validator sets by height"); LedgerError beyond ``height + 2``.
        """
        if height > self.height + EFFECT_DELAY:
            raise LedgerError(
                f"the validators of height {height} are not decided yet (latest is {self.height})"
            )
        for _key, raw in self.txn.scan(
            "meta", SET_ROW_PREFIX, set_row_key(max(height, 0) + 1), reverse=True
        ):
            return decode_set(raw)
        return self.genesis.validators

    def set_changes(self) -> list[tuple[int, ValidatorSet]]:
        """Every set a block decided, with the height it votes from, oldest first."""
        end = set_row_key(self.height + EFFECT_DELAY + 1)
        return [
            (start_of_row(key), decode_set(raw))
            for key, raw in self.txn.scan("meta", SET_ROW_PREFIX, end)
        ]

    def set_proof(self, start: int) -> StateProof:
        """The state proof of the set that votes from ``start`` (at version ``start - 2``)."""
        raw = self.txn.get("meta", proof_row_key(start))
        if raw is None:
            raise LedgerError(f"no validator set starts at height {start}")
        try:
            return StateProof.from_json(json.loads(raw))
        except (ValueError, StateProofError) as exc:
            raise LedgerCorruptError(f"the proof of the set of height {start}: {exc}") from exc

    def history_node(self, level: int, index: int) -> bytes:
        """A stored perfect-subtree node of the history log."""
        raw = self.txn.get("history", node_key(level, index))
        if raw is None:
            raise LedgerCorruptError(f"history node ({level}, {index}) is missing")
        return raw

    def history(self) -> HistoryView:
        """Roots and proofs of the history log."""
        return HistoryView(self.hasher, self.history_node)

    def history_root(self, size: int) -> bytes:
        """History root over the first ``size`` block hashes."""
        return self.history().root(size)

    def tx_location(self, tx_hash: bytes) -> tuple[int, int] | None:
        """(height, index) of a committed tx."""
        raw = self.txn.get("txindex", tx_hash)
        if raw is None:
            return None
        return int.from_bytes(raw[:8], "big"), int.from_bytes(raw[8:], "big")

    def _row(self, table: str, height: int) -> bytes:
        raw = self.txn.get(table, height_key(height))
        if raw is None:
            raise LedgerError(f"no {table} row for height {height} (latest is {self.height})")
        return raw

    def block(self, height: int) -> Block:
        """The block at ``height``."""
        return records.decode_block(self._row("blocks", height))

    def header(self, height: int) -> Header:
        """The header at ``height`` (its block's txs are not decoded)."""
        cache = self.recent_headers
        if cache is None:
            return records.decode_block_header(self._row("blocks", height))
        block_hash = self.block_hash(height)
        header = cache.get(height, block_hash)
        if header is None:
            header = records.decode_block_header(self._row("blocks", height))
            cache.put(height, block_hash, header)
        return header

    def block_hash(self, height: int) -> bytes:
        """The hash of the block at ``height``."""
        return self._row("hashes", height)

    def commit(self, height: int) -> Commit:
        """The commit certificate of the block at ``height``."""
        return records.decode_commit(self._row("commits", height))

    def receipts(self, height: int) -> list[Receipt]:
        """The receipts of the block at ``height``."""
        return records.decode_receipts(self._row("receipts", height))


class ChainStore:
    """A chain over a :class:`Store`: create, open, read snapshots, commit blocks."""

    def __init__(self, store: Store, *, state_window: int = DEFAULT_STATE_WINDOW) -> None:
        missing = set(TABLES) - set(store.tables)
        if missing:
            raise LedgerError(f"store lacks the chain tables {sorted(missing)}")
        if state_window < 1:
            raise ValueError("state_window must be at least 1")
        self.store = store
        self.state_window = state_window
        with store.read() as txn:
            raw = txn.get("meta", _GENESIS)
        if raw is None:
            raise LedgerError("the store holds no chain (no genesis); create it first")
        self.genesis = records.decode_record(
            raw, Genesis.from_cbor, records.RECORD_LIMITS, "genesis"
        )
        self.suite = suite_for(self.genesis.suite)
        self.verified_nodes = VerifiedNodes()
        """State nodes checked once, shared by every view (statetree.VerifiedNodes)."""
        self.recent_headers = RecentHeaders()
        """Headers of recent blocks, decoded once, shared by every view."""

    @classmethod
    def create(
        cls,
        store: Store,
        genesis: Genesis,
        initial_state: Mapping[bytes, bytes] | None = None,
        **options: int,
    ) -> ChainStore:
        """Write ``genesis`` and the state at version 0 to a fresh store.

        ``initial_state`` is the state the services derive from the genesis
        (``govchain.node.services.genesis_state``): empty for a chain without
        a registry. It must be a pure function of the genesis, so every node
        of the chain starts from the same state root. An existing store is
        reopened when it holds the same genesis.
        """
        genesis.validate()
        encoded = encode(genesis.to_cbor())
        with store.write() as txn:
            existing = txn.get("meta", _GENESIS)
            if existing is not None and existing != encoded:
                raise LedgerError("the store already holds a chain with another genesis")
            if existing is None:
                txn.put("meta", _GENESIS, encoded)
                writes: dict[bytes, bytes | None] = dict(initial_state or {})
                hash_name = suite_for(genesis.suite).hash_name
                update = apply_batch(StateReader(txn), hash_name, 0, writes)
                _write_state(txn, update, 0)
        return cls(store, **options)

    @contextmanager
    def view(self) -> Iterator[ChainView]:
        """A consistent read snapshot of the chain."""
        with self.store.read() as txn:
            yield ChainView(txn, self.suite, self.genesis, self.verified_nodes, self.recent_headers)

    @property
    def height(self) -> int:
        """Latest committed height."""
        with self.view() as view:
            return view.height

    def validators(self, height: int) -> ValidatorSet:
        """The set that votes at ``height`` (``ChainView.validators`` on a fresh snapshot)."""
        with self.view() as view:
            return view.validators(height)

    def commit_block(self, block: Block, commit: Commit, result: BlockResult) -> None:
        """Write block, commit, receipts, index, history and state in one transaction."""
        height = block.header.height
        with self.store.write() as txn:
            view = ChainView(txn, self.suite, self.genesis)
            if view.height != height - 1:
                raise InvalidBlock(f"block {height} does not follow height {view.height}")
            if commit.height != height or commit.block_hash != result.block_hash:
                raise InvalidBlock(f"commit is not for block {height}")
            key = height_key(height)
            if block.last_commit is not None:
                # the commit block h carries (checked by apply_block) is the one every node
                # keeps for h - 1, so stored chains agree byte for byte (spec: ledger.md)
                txn.put("commits", height_key(height - 1), records.encode_commit(block.last_commit))
            txn.put("blocks", key, records.encode_block_with(block, result.encoded_txs))
            txn.put("hashes", key, result.block_hash)
            txn.put("commits", key, records.encode_commit(commit))
            txn.put("receipts", key, records.encode_receipts_with(result.encoded_receipts))
            txn.put_many("txindex", _tx_index_rows(key, result.tx_hashes))
            get = view.history_node
            for level, node_index, node in append_nodes(
                view.hasher, height - 1, result.block_hash, get
            ):
                txn.put("history", node_key(level, node_index), node)
            _write_state(txn, result.state, height)
            if result.validator_set is not None:
                _write_set_change(txn, self.suite.hash_name, height, result.validator_set)
            _prune_state(txn, height - self.state_window)
            txn.put("meta", _HEIGHT, key)
        # written and committed: the next block's reads find its nodes already checked, and
        # its header already decoded
        self.verified_nodes.put_many(result.state.made)
        self.recent_headers.put(height, result.block_hash, block.header)


def _write_set_change(txn: WriteTxn, hash_name: str, height: int, validators: bytes) -> None:
    """Keep the set block ``height`` made, and its state proof, under the height it starts at."""
    start = height + EFFECT_DELAY
    txn.put("meta", set_row_key(start), validators)
    proof = prove(StateReader(txn), hash_name, height, VALIDATOR_SET_KEY)
    txn.put("meta", proof_row_key(start), json.dumps(proof.to_json(), sort_keys=True).encode())


def _tx_index_rows(block_key: bytes, tx_hashes: Sequence[bytes]) -> list[tuple[bytes, bytes]]:
    """``txindex`` rows of a block's txs, in key order: tx hash -> block height and position.

    A block never holds one tx twice (apply_block refuses it), so each key is
    there once.
    """
    return sorted(
        (tx_hash, block_key + index.to_bytes(4, "big")) for index, tx_hash in enumerate(tx_hashes)
    )


def _write_state(txn: WriteTxn, update: TreeUpdate, version: int) -> None:
    txn.put_many("state_nodes", sorted(update.new_nodes.items()))
    if update.stale:  # one row for the version, not one per node (spec: ledger.md)
        txn.put("state_stale", height_key(version), pack_node_keys(update.stale))
    txn.put("state_roots", height_key(version), update.root.to_bytes())


def pack_node_keys(keys: Iterable[bytes]) -> bytes:
    """A stale index row's value: each key once, in order, as its length (1 byte) ‖ the key."""
    return b"".join([len(key).to_bytes(1, "big") + key for key in sorted(set(keys))])


def unpack_node_keys(raw: bytes, version: int) -> list[bytes]:
    """The node keys of a stale index row; a row that does not split into them is corrupt."""
    keys, at = [], 0
    while at < len(raw):
        size = raw[at]
        if not _NODE_KEY_MIN <= size <= _NODE_KEY_MAX or at + 1 + size > len(raw):
            raise LedgerCorruptError(
                f"the stale index row of state version {version} is malformed at byte {at}"
            )
        keys.append(raw[at + 1 : at + 1 + size])
        at += 1 + size
    return keys


def _prune_state(txn: WriteTxn, oldest_dropped: int) -> None:
    """Drop state version ``oldest_dropped`` and older (spec: statetree.md, Pruning).

    A node that went stale at version ``s`` is absent from ``s`` and every
    later version, so once versions ``<= oldest_dropped`` are gone, nodes stale
    at ``<= oldest_dropped + 1`` are unreachable and are deleted too. A row keyed
    by a version alone lists a version's stale nodes; a longer key is one node,
    as stores written before that layout hold them (spec: ledger.md).
    """
    if oldest_dropped < 0:
        return
    rows = list(txn.scan("state_stale", b"", height_key(oldest_dropped + 2)))
    nodes: set[bytes] = set()
    for key, value in rows:
        if len(key) == 8:
            nodes.update(unpack_node_keys(value, int.from_bytes(key, "big")))
        else:
            nodes.add(key[8:])
    txn.delete_many("state_nodes", sorted(nodes))
    txn.delete_many("state_stale", [key for key, _ in rows])
    txn.delete_many(
        "state_roots",
        [key for key, _ in txn.scan("state_roots", b"", height_key(oldest_dropped + 1))],
    )
