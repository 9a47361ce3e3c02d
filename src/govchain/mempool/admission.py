"""The stateless admission checks: size, strict decoding, chain id, expiry window.

These need nothing but the bytes, the next height and the pool's limits, so
they run first and cost little; the pool then checks replay, capacity and
the signature (the one expensive check).
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from govchain.codec import CodecError
from govchain.crypto import CryptoSuite, VerifyItem
from govchain.ledger import records
from govchain.mempool.errors import (
    ExpiryTooFarError,
    MalformedTxError,
    TxExpiredError,
    TxTooLargeError,
    WrongChainError,
)
from govchain.mempool.limits import MempoolLimits
from govchain.types import Tx
from govchain.types.errors import ValidationError

__all__ = ["Candidate", "check_candidate", "check_fields"]


@dataclass(frozen=True, slots=True)
class Candidate:
    """A tx that passed the stateless checks, with what the pool needs to admit it."""

    tx: Tx
    tx_hash: bytes
    """``records.tx_hash``: the hash of the signed bytes, the tx's id."""
    signing: bytes
    """The bytes the sender signed (``records.tx_signing_bytes``)."""
    size: int
    """Length of the tx's canonical encoding (the bytes received)."""
    certificate_key: bytes | None = None
    """For a ``cert`` sender, its certificate's public key (the pool looks it up)."""

    def with_certificate_key(self, key: bytes) -> Candidate:
        """This candidate with the key its ``cert`` sender signs with."""
        return replace(self, certificate_key=key)

    def verify_item(self) -> VerifyItem:
        """The signature check for ``CryptoSuite.batch_verify``."""
        if self.tx.sender_kind == "key":
            return (self.tx.sender, self.signing, self.tx.signature)
        assert self.certificate_key is not None, "a cert sender's key is looked up first"
        return (self.certificate_key, self.signing, self.tx.signature)


def check_candidate(
    suite: CryptoSuite, chain_id: str, limits: MempoolLimits, raw: object, next_height: int
) -> Candidate:
    """Run the stateless checks on ``raw`` in order of cost; raise the first refusal.

    Parameters: ``raw`` is the tx as received (strict canonical CBOR);
    ``next_height`` is the height of the next block. Returns the decoded
    tx with its hash, signed bytes and size.
    """
    if not isinstance(raw, (bytes, bytearray, memoryview)):
        raise MalformedTxError(f"a tx must be bytes, got {type(raw).__name__}")
    data = bytes(raw)
    if len(data) > limits.max_tx_bytes:
        raise TxTooLargeError(
            f"tx is {len(data)} bytes; this node admits txs of at most {limits.max_tx_bytes} bytes"
        )
    try:
        tx = records.decode_tx(data)
    except ValidationError as exc:
        raise MalformedTxError(f"malformed tx: {exc}") from exc
    check_fields(tx, chain_id, limits, next_height)
    try:
        signing = records.tx_signing_bytes(tx)
    except CodecError as exc:  # a decoded tx always encodes again; kept so no CodecError escapes
        raise MalformedTxError(f"malformed tx: cannot encode its body: {exc}") from exc
    return Candidate(tx, suite.hash(signing), signing, len(data))


def check_fields(tx: Tx, chain_id: str, limits: MempoolLimits, next_height: int) -> None:
    """Refuse a decoded tx for another chain or outside the expiry window."""
    if tx.chain_id != chain_id:
        raise WrongChainError(f"tx is for chain {tx.chain_id!r}; this node runs {chain_id!r}")
    if tx.expiry < next_height:
        raise TxExpiredError(
            f"tx expired at height {tx.expiry}; the next block is at height {next_height}"
        )
    last_allowed = next_height + limits.expiry_horizon
    if tx.expiry > last_allowed:
        raise ExpiryTooFarError(
            f"tx expiry {tx.expiry} is more than {limits.expiry_horizon} heights above the "
            f"next height {next_height}; use an expiry of at most {last_allowed}"
        )
