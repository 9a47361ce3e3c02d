"""The committed blocks of a chain as a follower reads them: heights, BFT times and events.

A follower (the storage nodes' reminder notifier, a department adapter,
the supervisor) polls the latest block and reads the events of the
committed txs of each new block, in block order. Events are hints: a
follower decides by the records it reads afterwards.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from govchain.client.sdk import ApiError, NodeClient
from govchain.codec import CodecError
from govchain.ledger import records
from govchain.types.errors import GovChainError

__all__ = ["BlockEvents", "ChainHead"]


@dataclass(frozen=True, slots=True)
class ChainHead:
    """The latest committed block: its height (0 before the first) and BFT time (ms)."""

    height: int
    time: int


class BlockEvents:
    """Blocks and their events, read from a node's API."""

    def __init__(self, node: NodeClient) -> None:
        self.node = node

    def head(self) -> ChainHead:
        """The latest committed block's height and BFT time."""
        try:
            block = self.node.latest_block()
        except ApiError as exc:
            if exc.code == "not_found":
                return ChainHead(0, 0)
            raise
        header = block["header"]
        return ChainHead(int(header["height"]), int(header["time"]))

    def latest_height(self) -> int:
        """The height of the latest committed block (0 before the first)."""
        return self.head().height

    def events_at(self, height: int) -> list[tuple[str, dict[str, Any]]]:
        """The events ``(type, attributes)`` of the successful txs of block ``height``."""
        return [(kind, attributes) for _, kind, attributes in self.tx_events_at(height)]

    def tx_events_at(self, height: int) -> list[tuple[bytes, str, dict[str, Any]]]:
        """The events of the successful txs of block ``height`` with each tx's hash:
        ``(tx hash, type, attributes)``, in block order."""
        block = self.node.block(height)
        found: list[tuple[bytes, str, dict[str, Any]]] = []
        for tx_hash in block.get("txs", []):
            result = self.node.tx(bytes.fromhex(str(tx_hash)))
            bundle = result.receipt or {}
            try:
                receipt = records.decode_receipt(bytes.fromhex(str(bundle.get("receipt"))))
            except (ValueError, GovChainError, CodecError) as exc:
                raise ApiError(200, "bad_response", f"a receipt does not decode: {exc}") from exc
            if receipt.status == 0:
                found += [(receipt.tx_hash, e.type, dict(e.attributes)) for e in receipt.events]
        return found
