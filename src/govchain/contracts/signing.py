"""Building a service's signed tx: the one step every ``txs.py`` builder ends with."""

from __future__ import annotations

from collections.abc import Mapping

from govchain.crypto import SigningKey
from govchain.ledger import records
from govchain.types import Tx

__all__ = ["signed_tx"]


def signed_tx(
    key: SigningKey,
    chain_id: str,
    tx_type: str,
    args: Mapping[str, object],
    nonce: bytes,
    expiry: int,
) -> Tx:
    """A tx of ``tx_type`` with ``args``, sent by ``key`` (sender kind ``key``) and signed.

    Raises ValidationError for a field that breaks the tx rules, before signing.
    """
    unsigned = Tx(chain_id, tx_type, dict(args), "key", key.public_key, nonce, expiry)
    unsigned.validate()
    return records.sign_tx(key, unsigned)
