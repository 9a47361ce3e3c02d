"""JSON forms of chain records as the API shows them (``schemas.BlockResponse``).

For a ``NodeService`` implementation: it turns typed records into the dicts
the protocol carries with these, so every node shows a block the same way.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from govchain.types import Block, Commit, Header
from govchain.types.block import HEADER_FIELDS

__all__ = ["block_json", "commit_json", "header_json"]


def _hex_if_bytes(value: object) -> object:
    return value.hex() if isinstance(value, bytes) else value


def header_json(header: Header) -> dict[str, Any]:
    """A header with every bytes field as lowercase hex."""
    return {name: _hex_if_bytes(getattr(header, name)) for name in HEADER_FIELDS}


def commit_json(commit: Commit) -> dict[str, Any]:
    """A commit certificate with bytes as lowercase hex."""
    return {
        "chain_id": commit.chain_id,
        "height": commit.height,
        "round": commit.round,
        "block_hash": commit.block_hash.hex(),
        "signatures": [
            {
                "validator": sig.validator.hex(),
                "time": sig.time,
                "signature": sig.signature.hex(),
            }
            for sig in commit.signatures
        ],
    }


def block_json(
    block: Block, block_hash: bytes, tx_hashes: Sequence[bytes], commit: Commit | None
) -> dict[str, Any]:
    """A committed block: hash, header, tx hashes in order, and its own commit certificate.

    Parameters: ``tx_hashes`` are the hashes of ``block.txs`` under the
    chain's suite; ``commit`` signs ``block_hash`` (None until the node has it).
    """
    assert len(tx_hashes) == len(block.txs), "one hash per tx"
    assert commit is None or commit.block_hash == block_hash, "the commit signs this block"
    return {
        "hash": block_hash.hex(),
        "header": header_json(block.header),
        "txs": [tx_hash.hex() for tx_hash in tx_hashes],
        "commit": None if commit is None else commit_json(commit),
    }
