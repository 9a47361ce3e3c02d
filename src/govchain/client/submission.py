"""Sign and submit a service tx: chain id and expiry from the node, a fresh nonce, hash checked."""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import TypeVar

from govchain.client.sdk import ApiError, NodeClient
from govchain.codec import CodecError
from govchain.crypto import SigningKey, suite_for
from govchain.ledger import records
from govchain.types import Receipt, Tx
from govchain.types.errors import GovChainError

__all__ = ["EXPIRY_HEIGHTS", "BuildTx", "committed_receipt", "submit_args", "submit_built"]

EXPIRY_HEIGHTS = 100
"""A tx may be committed up to this many heights after the node's current one."""

_A = TypeVar("_A")

BuildTx = Callable[[str, bytes, int], Tx]
"""``build(chain_id, nonce, expiry)``: a service's signed tx."""


def submit_built(node: NodeClient, suite_name: str, build: BuildTx) -> tuple[Tx, bytes]:
    """Build a tx with the node's chain id and an expiry ahead of its height, submit it.

    Returns the tx and its hash. Raises ApiError when the node refuses it
    (e.g. 403 ``permission_denied``) or answers with another hash.
    """
    status = node.status()
    chain_id, height = str(status.get("chain_id")), int(status.get("height", 0))
    tx = build(chain_id, os.urandom(16), height + EXPIRY_HEIGHTS)
    tx_hash = node.submit(tx)
    if tx_hash != records.tx_hash(suite_for(suite_name), tx):
        raise ApiError(202, "bad_response", f"the node answered the hash {tx_hash.hex()}")
    return tx, tx_hash


def submit_args(
    node: NodeClient,
    key: SigningKey,
    builder: Callable[[SigningKey, str, _A, bytes, int], Tx],
    args: _A,
) -> tuple[Tx, bytes]:
    """Submit the tx ``builder(key, chain_id, args, nonce, expiry)`` makes: the common case."""
    return submit_built(
        node, key.suite_name, lambda chain, nonce, expiry: builder(key, chain, args, nonce, expiry)
    )


def committed_receipt(node: NodeClient, tx_hash: bytes, timeout_s: float) -> Receipt:
    """Wait for the tx's commit and return its receipt (status, events, error).

    Raises CommitTimeoutError after ``timeout_s``, ApiError for a malformed answer.
    """
    result = node.wait(tx_hash, timeout_s)
    bundle = result.receipt or {}
    try:
        return records.decode_receipt(bytes.fromhex(str(bundle.get("receipt"))))
    except (ValueError, GovChainError, CodecError) as exc:
        raise ApiError(200, "bad_response", f"the tx's receipt does not decode: {exc}") from exc
