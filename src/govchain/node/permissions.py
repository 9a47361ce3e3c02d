"""The mempool's permission check: the registry's check against the latest committed state.

Answers are cached per (sender, tx type) until the next block commits, the
same way execution caches them per block (docs/spec/registry.md). The
check's time is the latest block's BFT time. It also finds the key of a
``cert`` sender, so the mempool can check its signature.
"""

from __future__ import annotations

from govchain.execution.registry import PermissionCheck
from govchain.ledger.chainstore import ChainStore
from govchain.ledger.statetree import get_value
from govchain.types import Tx

__all__ = ["LatestPermissions"]

MAX_CACHED_ANSWERS = 65_536


class LatestPermissions:
    """``refusal(tx)`` for the mempool: None when the tx's sender may send it now, else why not."""

    def __init__(self, chain: ChainStore, check: PermissionCheck) -> None:
        self._chain = chain
        self._check = check
        self._height = -1
        self._answers: dict[tuple[str, bytes, str], str | None] = {}

    def __call__(self, tx: Tx) -> str | None:
        """The check's answer for ``tx`` against the latest committed state."""
        key = (tx.sender_kind, tx.sender, tx.type)
        with self._chain.view() as view:
            height = view.height
            if height != self._height or len(self._answers) >= MAX_CACHED_ANSWERS:
                self._answers.clear()
                self._height = height
            if key not in self._answers:
                hash_name = view.suite.hash_name
                self._answers[key] = self._check(
                    lambda state_key: get_value(view.state, hash_name, height, state_key),
                    tx,
                    view.last_time,
                )
            return self._answers[key]

    def certificate_key(self, certificate_id: bytes) -> bytes | None:
        """The public key of a registered certificate in the latest committed state, or None."""
        with self._chain.view() as view:
            hash_name, height = view.suite.hash_name, view.height
            return self._check.certificate_key(
                lambda state_key: get_value(view.state, hash_name, height, state_key),
                certificate_id,
            )
