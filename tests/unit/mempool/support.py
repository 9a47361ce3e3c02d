"""Real signed txs, pools and a signature-check spy for the mempool tests (F-A7, F-A3)."""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from govchain.crypto import CryptoSuite, SigningKey, VerifyItem, suite_for
from govchain.ledger import records
from govchain.mempool import Mempool, MempoolError
from govchain.types import Tx

from ...chain_support import CHAIN_ID

SUITE_NAMES = ("intl", "gm")
NEXT = 100
"""The next height in most tests."""


@dataclass
class FakeLedger:
    """``is_committed`` for a pool: a set of committed hashes, and every lookup it was asked."""

    committed: set[bytes] = field(default_factory=set)
    lookups: list[bytes] = field(default_factory=list)

    def __call__(self, tx_hash: bytes) -> bool:
        self.lookups.append(tx_hash)
        return tx_hash in self.committed


@dataclass
class VerifySpy:
    """Counts the signature checks one suite instance makes, and its batch calls."""

    checks: int = 0
    batches: list[int] = field(default_factory=list)

    @classmethod
    def on(cls, suite: CryptoSuite) -> VerifySpy:
        """Wrap ``suite``'s ``verify`` and ``batch_verify`` (this instance only)."""
        spy = cls()
        verify, batch_verify = suite.verify, suite.batch_verify

        def counting_verify(public_key: bytes, message: bytes, signature: bytes) -> bool:
            spy.checks += 1
            return verify(public_key, message, signature)

        def counting_batch(items: Sequence[VerifyItem]) -> list[bool]:
            spy.batches.append(len(items))
            return batch_verify(items)

        vars(suite)["verify"] = counting_verify
        vars(suite)["batch_verify"] = counting_batch
        return spy


@dataclass
class Signer:
    """One client key of one suite, making real signed txs."""

    suite: CryptoSuite
    key: SigningKey

    @classmethod
    def make(cls, suite_name: str) -> Signer:
        suite = suite_for(suite_name)
        return cls(suite, suite.generate_key())

    def tx(self, expiry: int = NEXT + 10, pad: int = 0, **changes: Any) -> Tx:
        """A tx signed by this key; ``pad`` bytes of value; ``changes`` replace fields first."""
        unsigned = Tx(
            CHAIN_ID,
            "kv.put",
            {"key": os.urandom(4), "value": b"v" * pad},
            "key",
            self.key.public_key,
            os.urandom(16),
            expiry,
        )
        unsigned = dataclasses.replace(unsigned, **changes)
        return dataclasses.replace(
            unsigned, signature=self.key.sign(records.tx_signing_bytes(unsigned))
        )

    def raw(self, expiry: int = NEXT + 10, pad: int = 0, **changes: Any) -> bytes:
        """``tx(...)`` in the bytes a client sends."""
        return records.encode_tx(self.tx(expiry, pad, **changes))

    def hash_of(self, raw: bytes) -> bytes:
        """The tx hash of encoded tx bytes."""
        return records.tx_hash(self.suite, records.decode_tx(raw))


def make_pool(suite: CryptoSuite, *, ledger: FakeLedger | None = None, **limits: int) -> Mempool:
    """A pool for ``CHAIN_ID`` over ``suite`` with the given limits."""
    return Mempool(suite, CHAIN_ID, is_committed=ledger or FakeLedger(), **limits)


def codes(results: Sequence[bytes | MempoolError]) -> list[str]:
    """Each result as ``"ok"`` or its error code."""
    return [r.code if isinstance(r, MempoolError) else "ok" for r in results]


def bad_signature(signer: Signer, raw: bytes) -> bytes:
    """``raw`` re-signed by another key, so the signature no longer verifies."""
    tx = records.decode_tx(raw)
    other = signer.suite.generate_key()
    signature = other.sign(records.tx_signing_bytes(tx))
    return records.encode_tx(dataclasses.replace(tx, signature=signature))
