"""``ledger verify``: recompute every hash, root and link of a stored chain (spec: ledger.md).

The walk stops at the first inconsistency and names its height, so an
operator knows where tampering or damage starts.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import TypeVar

from govchain.ledger import records
from govchain.ledger.chainstore import ChainStore, ChainView, unpack_node_keys
from govchain.ledger.commits import verify_commit
from govchain.ledger.history import HistoryView, append_nodes, node_key
from govchain.ledger.statetree import RootRecord, StateHasher, apply_batch
from govchain.ledger.statetree.memory import MemoryNodeStore
from govchain.ledger.statetree.nodes import ChildRef, InternalNode, NodeKey
from govchain.ledger.statetree.proof import verify_state_proof
from govchain.ledger.statetree.tree import load
from govchain.ledger.validator_sets import (
    EFFECT_DELAY,
    VALIDATOR_SET_KEY,
    encode_set,
    header_sets_problem,
)
from govchain.types import Block
from govchain.types.errors import GovChainError

_T = TypeVar("_T")
Progress = Callable[[int, int], None]
"""``progress(done, total)``, called after each block."""


class Inconsistency(Exception):  # noqa: N818  # a finding, reported, not raised to users
    """The first thing found wrong, and at which height (0: not tied to one block)."""

    def __init__(self, height: int, message: str) -> None:
        super().__init__(message)
        self.height = height


@dataclass(frozen=True, slots=True)
class VerifyReport:
    """Outcome: blocks and state versions checked, and the first problem if any."""

    height: int
    blocks_checked: int
    state_versions_checked: int
    state_nodes_checked: int
    error_height: int | None = None
    error: str | None = None

    @property
    def ok(self) -> bool:
        """True when nothing was found wrong."""
        return self.error is None


NO_INITIAL_STATE: Mapping[bytes, bytes] = MappingProxyType({})


def verify_chain(
    chain: ChainStore,
    progress: Progress | None = None,
    initial_state: Mapping[bytes, bytes] = NO_INITIAL_STATE,
) -> VerifyReport:
    """Check the whole chain in one read snapshot.

    ``initial_state`` is the state the chain was created with
    (``govchain.node.services.genesis_state``): its root is what version 0
    must have, when version 0 is still retained.
    """
    with chain.view() as view:
        genesis_root = apply_batch(
            MemoryNodeStore(), view.suite.hash_name, 0, dict(initial_state)
        ).root.root_hash
        walker = _Walker(view, progress, genesis_root)
        try:
            walker.blocks()
            walker.set_proofs()
            versions, nodes = walker.state()
        except Inconsistency as found:
            return VerifyReport(view.height, walker.checked, 0, 0, found.height, str(found))
        return VerifyReport(view.height, walker.checked, versions, nodes)


class _Walker:
    def __init__(self, view: ChainView, progress: Progress | None, genesis_root: bytes) -> None:
        self.view = view
        self.genesis_root = genesis_root
        self.suite = view.suite
        self.progress = progress
        self.checked = 0
        self.history: dict[tuple[int, int], bytes] = {}

    def _get(self, what: str, height: int, fetch: Callable[[int], _T]) -> _T:
        try:
            return fetch(height)
        except GovChainError as exc:
            raise Inconsistency(height, f"{what}: {exc}") from exc

    def blocks(self) -> None:
        view, suite = self.view, self.suite
        top = view.height
        previous_hash, previous_time, tx_count = b"", view.genesis.time - 1, 0
        for h in range(1, top + 1):
            block = self._get("block", h, view.block)
            header = block.header
            block_hash = records.header_hash(suite, header)
            _must(
                header.height == h and header.chain_id == view.genesis.chain_id,
                h,
                "wrong height or chain",
            )
            _must(view.block_hash(h) == block_hash, h, "block hash does not match the stored block")
            _must(header.prev_hash == previous_hash, h, "prev_hash does not link")
            _must(header.time > previous_time, h, "time does not advance")
            self._check_validators(block)
            self._check_commits(block, block_hash)
            tx_count += self._check_txs_and_receipts(block)
            _must(header.history_root == self._history_root(h - 1), h, "history_root mismatch")
            for level, index, node in append_nodes(view.hasher, h - 1, block_hash, self._node):
                self.history[(level, index)] = node
            previous_hash, previous_time = block_hash, header.time
            self.checked = h
            if self.progress is not None:
                self.progress(h, top)
        stored = dict(view.txn.scan("history"))
        expected = {node_key(level, index): node for (level, index), node in self.history.items()}
        _must(stored == expected, top, "stored history log nodes differ from the recomputed ones")
        _must(sum(1 for _ in view.txn.scan("txindex")) == tx_count, top, "tx index has extra rows")

    def set_proofs(self) -> None:
        """Each kept set has a state proof, of the set key at its start - 2, that leads to
        that header's state root and proves exactly the kept set (receipts carry it)."""
        view = self.view
        for start, validators in view.set_changes():
            proof = self._get("validator set proof", start, view.set_proof)
            header = self._get("block", start - EFFECT_DELAY, view.header)
            _must(proof.key == VALIDATOR_SET_KEY, start, "the set's proof is of another key")
            try:
                value = verify_state_proof(self.suite.hash_name, header.state_root, proof)
            except GovChainError as exc:
                raise Inconsistency(start, f"the set of height {start}: {exc}") from exc
            _must(
                value == encode_set(validators),
                start,
                f"the kept set of height {start} is not the one its proof proves",
            )

    def _node(self, level: int, index: int) -> bytes:
        return self.history[(level, index)]

    def _history_root(self, size: int) -> bytes:
        return HistoryView(self.view.hasher, self._node).root(size)

    def _check_validators(self, block: Block) -> None:
        """The header names the sets the store keeps for its height and the next."""
        view, header = self.view, block.header
        h = header.height
        problem = header_sets_problem(
            self.suite, header, view.validators(h), view.validators(h + 1)
        )
        _must(problem is None, h, problem or "")

    def _check_commits(self, block: Block, block_hash: bytes) -> None:
        view, suite, h = self.view, self.suite, block.header.height
        _must(
            block.header.last_commit_hash == records.commit_hash(suite, block.last_commit),
            h,
            "last_commit_hash mismatch",
        )
        if block.last_commit is not None:
            stored = self._get("commit", h - 1, view.commit)
            _must(
                stored == block.last_commit,
                h,
                "last_commit differs from the stored commit of the previous block",
            )
        commit = self._get("commit", h, view.commit)
        try:
            verify_commit(
                suite,
                commit,
                view.validators(h),
                chain_id=block.header.chain_id,
                height=h,
                block_hash=block_hash,
            )
        except GovChainError as exc:
            raise Inconsistency(h, f"commit certificate: {exc}") from exc

    def _check_txs_and_receipts(self, block: Block) -> int:
        view, suite, h = self.view, self.suite, block.header.height
        _must(block.header.tx_root == records.tx_root(suite, block.txs), h, "tx_root mismatch")
        receipts = self._get("receipts", h, view.receipts)
        _must(
            block.header.receipts_root == records.receipts_root(suite, receipts),
            h,
            "receipts_root mismatch",
        )
        _must(len(receipts) == len(block.txs), h, "receipt count differs from tx count")
        for index, (tx, receipt) in enumerate(zip(block.txs, receipts, strict=True)):
            tx_hash = records.tx_hash(suite, tx)
            _must(receipt.tx_hash == tx_hash, h, f"receipt {index} is for another tx")
            _must(
                view.tx_location(tx_hash) == (h, index), h, f"tx index row of tx {index} is wrong"
            )
        return len(block.txs)

    def state(self) -> tuple[int, int]:
        """Re-hash every node reachable from a retained root; no stored node may be unreachable."""
        view = self.view
        hasher = StateHasher(self.suite.hash_name)
        seen: set[bytes] = set()
        roots = list(view.txn.scan("state_roots"))
        _must(bool(roots), view.height, "no state version is retained")
        _must(
            view.state.get_root(view.height) is not None,
            view.height,
            "latest state version is missing",
        )
        # the latest version first, so its nodes are known apart: no stale node may be among them
        self._walk_version(hasher, *roots[-1], seen)
        latest = set(seen)
        for raw_version, raw in roots[:-1]:
            self._walk_version(hasher, raw_version, raw, seen)
        self._stale_index(latest)
        stored = sum(1 for _ in view.txn.scan("state_nodes"))
        _must(
            stored == len(seen),
            view.height,
            f"{stored - len(seen)} stored state nodes are unreachable",
        )
        return len(roots), len(seen)

    def _walk_version(
        self, hasher: StateHasher, raw_version: bytes, raw: bytes, seen: set[bytes]
    ) -> None:
        """Check one root record against its header and walk the nodes it reaches."""
        version = int.from_bytes(raw_version, "big")
        try:
            record = RootRecord.from_bytes(raw)
        except GovChainError as exc:
            raise Inconsistency(version, f"state root record: {exc}") from exc
        expected = self.genesis_root if version == 0 else self._header_state_root(version)
        _must(
            record.version == version and record.root_hash == expected,
            version,
            "state root differs from the header's",
        )
        if record.node is not None:
            self._walk(hasher, record.node, NodeKey(record.node.version, 0, 0), version, seen)

    def _stale_index(self, latest: set[bytes]) -> None:
        """Each stale index row parses, and names stored nodes written before its version and
        absent from the latest version: pruning deletes what the rows name (spec: ledger.md)."""
        txn = self.view.txn
        for key, value in txn.scan("state_stale"):
            version = int.from_bytes(key[:8], "big")
            if len(key) == 8:
                try:
                    nodes = unpack_node_keys(value, version)
                except GovChainError as exc:
                    raise Inconsistency(version, str(exc)) from exc
            else:  # a row of the older layout: one node, empty value
                _must(value == b"", version, "a stale index row of one node holds a value")
                nodes = [key[8:]]
            for node in nodes:
                what = f"the stale index row of state version {version} names node {node.hex()}"
                _must(int.from_bytes(node[:8], "big") < version, version, f"{what}, not older")
                _must(txn.get("state_nodes", node) is not None, version, f"{what}, not stored")
                _must(node not in latest, version, f"{what}, still in the latest version")

    def _header_state_root(self, version: int) -> bytes:
        return self._get("block", version, self.view.block).header.state_root

    def _walk(
        self, hasher: StateHasher, ref: ChildRef, key: NodeKey, version: int, seen: set[bytes]
    ) -> None:
        raw_key = key.to_bytes()
        if raw_key in seen:
            return
        try:
            node = load(self.view.state, key, ref, hasher, cached=False)  # re-hashes it
        except GovChainError as exc:
            raise Inconsistency(version, f"state node {raw_key.hex()}: {exc}") from exc
        if isinstance(node, InternalNode):
            for side, child in enumerate((node.left, node.right)):
                if child is not None:
                    self._walk(
                        hasher,
                        child,
                        NodeKey(child.version, key.depth + 1, (key.path << 1) | side),
                        version,
                        seen,
                    )
        seen.add(raw_key)


def _must(ok: bool, height: int, message: str) -> None:
    if not ok:
        raise Inconsistency(height, message)


__all__ = ["Inconsistency", "VerifyReport", "verify_chain"]
