"""Building a service's signed tx: the one step every ``txs.py`` builder ends with.

:func:`unsigned_tx` is the same tx before its signature, for a signer that is
elsewhere (the console's browser signing, docs/spec/console.md).
"""

from __future__ import annotations

from collections.abc import Mapping

from govchain.crypto import SigningKey
from govchain.ledger import records
from govchain.types import Tx

__all__ = ["signed_tx", "unsigned_tx"]


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
    return records.sign_tx(key, unsigned_tx(key.public_key, chain_id, tx_type, args, nonce, expiry))


def unsigned_tx(
    public_key: bytes,
    chain_id: str,
    tx_type: str,
    args: Mapping[str, object],
    nonce: bytes,
    expiry: int,
) -> Tx:
    """The tx :func:`signed_tx` signs, sent by ``public_key``, with no signature yet.

    Raises ValidationError for a field that breaks the tx rules.
    """
    unsigned = Tx(chain_id, tx_type, dict(args), "key", public_key, nonce, expiry)
    unsigned.validate()
    return unsigned
