"""What a service's reads see: one chain snapshot, read at one height, that proves its answers.

A service's ``reads.py`` holds pure functions ``fn(reader, *args)`` over a
:class:`ProvingReader`. The node runs them (``NodeService.read``) on a
consistent snapshot, off its consensus loop; tests run them over a
:class:`ChainReader` of any chain store. What a read returns carries its
proofs (receipt bundles, state proofs), so a client checks it offline and
never has to trust the node.

A read treats its arguments as already checked by its caller (the router),
so any record error raised inside it comes from the store: the node answers
it as ``ledger_corrupt``.
"""

from __future__ import annotations

from typing import Protocol

from govchain.crypto import CryptoSuite
from govchain.ledger.chainstore import ChainView
from govchain.ledger.proofs import (
    SetTransition,
    TxReceiptBundle,
    set_transitions,
    state_proof,
    tx_receipt_bundle,
)
from govchain.ledger.statetree import StateProof, get_value
from govchain.types import Block, Commit, Header, Receipt

__all__ = ["ChainReader", "ProvingReader"]


class ProvingReader(Protocol):
    """A consistent snapshot of the chain, read at :attr:`height`.

    State reads see the state after block :attr:`height`; block reads see
    blocks 1 to :attr:`height` only, so one read never mixes two heights.
    """

    @property
    def height(self) -> int:
        """The height read: the state after this block (0: the genesis state)."""
        ...

    @property
    def suite(self) -> CryptoSuite:
        """The chain's crypto suite."""
        ...

    def get(self, key: bytes) -> bytes | None:
        """The value of state ``key`` after block :attr:`height`; None if absent."""
        ...

    def prove(self, key: bytes) -> StateProof:
        """The proof of ``key``'s value (or absence) against block :attr:`height`'s state root."""
        ...

    def header(self, height: int) -> Header:
        """The header of block ``height`` (1 <= height <= :attr:`height`)."""
        ...

    def commit(self, height: int) -> Commit:
        """The commit certificate of block ``height``."""
        ...

    def block(self, height: int) -> Block:
        """Block ``height``."""
        ...

    def block_hash(self, height: int) -> bytes:
        """The hash of block ``height``."""
        ...

    def receipts(self, height: int) -> list[Receipt]:
        """The receipts of block ``height``, in tx order."""
        ...

    def tx_receipt(self, tx_hash: bytes) -> TxReceiptBundle | None:
        """The receipt bundle of a tx committed at or below :attr:`height`; None otherwise."""
        ...

    def transitions(self, height: int) -> tuple[SetTransition, ...]:
        """The validator-set transitions up to block ``height`` (1 <= height <= :attr:`height`)."""
        ...


class ChainReader:
    """A :class:`ProvingReader` over one chain view, at ``height`` (default: its latest)."""

    def __init__(self, view: ChainView, height: int | None = None) -> None:
        latest = view.height
        chosen = latest if height is None else height
        assert 0 <= chosen <= latest, f"read height {chosen} is not in 0..{latest}"
        self._view = view
        self._height = chosen

    @property
    def height(self) -> int:
        """The height read."""
        return self._height

    @property
    def suite(self) -> CryptoSuite:
        """The chain's crypto suite."""
        return self._view.suite

    def get(self, key: bytes) -> bytes | None:
        """The value of ``key`` in the state after block :attr:`height`."""
        return get_value(self._view.state, self._view.suite.hash_name, self._height, key)

    def prove(self, key: bytes) -> StateProof:
        """The state proof of ``key`` at :attr:`height` (there must be a block)."""
        return state_proof(self._view, key, self._height)

    def _check(self, height: int) -> int:
        assert 1 <= height <= self._height, f"block {height} is not in 1..{self._height}"
        return height

    def header(self, height: int) -> Header:
        """The header of block ``height``."""
        return self._view.header(self._check(height))

    def commit(self, height: int) -> Commit:
        """The commit certificate of block ``height``."""
        return self._view.commit(self._check(height))

    def block(self, height: int) -> Block:
        """Block ``height``."""
        return self._view.block(self._check(height))

    def block_hash(self, height: int) -> bytes:
        """The hash of block ``height``."""
        return self._view.block_hash(self._check(height))

    def receipts(self, height: int) -> list[Receipt]:
        """The receipts of block ``height``."""
        return self._view.receipts(self._check(height))

    def tx_receipt(self, tx_hash: bytes) -> TxReceiptBundle | None:
        """The receipt bundle of ``tx_hash`` if it was committed at or below :attr:`height`."""
        location = self._view.tx_location(tx_hash)
        if location is None or location[0] > self._height:
            return None
        return tx_receipt_bundle(self._view, tx_hash)

    def transitions(self, height: int) -> tuple[SetTransition, ...]:
        """The set transitions a proof about block ``height`` carries (oldest first)."""
        return set_transitions(self._view, self._check(height))
