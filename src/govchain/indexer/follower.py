"""The indexer's follower: reads the chain height after height and writes each into the index.

:class:`HttpIndexedChain` reads what a height needs from a node's public API
(the block, its txs' receipt bundles, the records its events name);
:class:`Indexer` writes one height at a time with
:meth:`~govchain.indexer.database.Database.write_height`, from the height
after the last one written, checking that each block links to the one before
(``prev_hash``). :func:`run_indexer` polls until stopped.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable, Mapping
from typing import Any, Protocol

from govchain.client.block_events import BlockEvents
from govchain.client.sdk import ApiError, NodeClient
from govchain.crypto import CryptoSuite
from govchain.indexer.database import Database, DatabaseError, DerivedRows
from govchain.indexer.rows import (
    RecordRef,
    account_row,
    asset_row,
    block_rows,
    case_rows,
    grant_row,
    usage_row,
)
from govchain.types.errors import GovChainError, ValidationError

__all__ = [
    "BLOCKS_PER_POLL",
    "HttpIndexedChain",
    "IndexedChain",
    "Indexer",
    "derived_rows",
    "run_indexer",
]

log = logging.getLogger("govchain.indexer")

BLOCKS_PER_POLL = 100
"""Heights one poll writes at most (each in its own transaction) before it looks for a stop."""

_ABSENT = ("not_found", "unknown_account")


class IndexedChain(Protocol):
    """What the indexer reads of a chain (over HTTP: :class:`HttpIndexedChain`)."""

    def latest_height(self) -> int:
        """The latest committed height (0 before the first block)."""
        ...

    def block(self, height: int) -> dict[str, Any]:
        """``GET /v1/blocks/{height}``."""
        ...

    def receipt_bundle(self, tx_hash: str) -> dict[str, Any]:
        """The receipt bundle of a committed tx (``GET /v1/txs/{hash}``)."""
        ...

    def record(self, path: str) -> dict[str, Any] | None:
        """The JSON a record route answers, None when it has no such record."""
        ...


class HttpIndexedChain:
    """:class:`IndexedChain` over a node client (one node or several, in turn)."""

    def __init__(self, node: NodeClient) -> None:
        self.node = node
        self._blocks = BlockEvents(node)

    def latest_height(self) -> int:
        """The latest committed height (0 before the first block)."""
        return self._blocks.latest_height()

    def block(self, height: int) -> dict[str, Any]:
        """``GET /v1/blocks/{height}``."""
        return self.node.block(height)

    def receipt_bundle(self, tx_hash: str) -> dict[str, Any]:
        """The receipt bundle of a committed tx; ApiError if the node has none."""
        result = self.node.tx(bytes.fromhex(tx_hash))
        if result.receipt is None:
            raise ApiError(200, "bad_response", f"tx {tx_hash} of a committed block is "
                           f"{result.status} without a receipt")  # fmt: skip
        return result.receipt

    def record(self, path: str) -> dict[str, Any] | None:
        """``GET path``; None for ``not_found`` / ``unknown_account``."""
        try:
            return self.node.get_json(path)
        except ApiError as exc:
            if exc.code in _ABSENT:
                return None
            raise


_Key = tuple[str, str]


def derived_rows(chain: IndexedChain, named: tuple[RecordRef, ...], height: int) -> DerivedRows:
    """The rows of the records a height's events name, read from their routes now, each
    with ``height``. A record the node does not have (any more) gives no row."""
    found: dict[_Key, tuple[str, tuple[object, ...]]] = {}
    for ref in named:
        if ref.kind == "asset":
            answer = chain.record(f"/v1/assets/{ref.key}")
            if answer is not None:
                found[("assets", ref.key)] = ("assets", asset_row(_object(answer, "asset"), height))
        elif ref.kind == "grant":
            _grant(chain, ref.key, height, found)
        elif ref.kind == "usage":
            answer = chain.record(f"/v1/usage/{ref.key}")
            if answer is not None:
                usage = _object(answer, "usage")
                found[("usage", ref.key)] = ("usage", usage_row(usage, height))
                _grant(chain, str(usage.get("via_id")), height, found)  # its `used` moved
        elif ref.kind == "case":
            answer = chain.record(f"/v1/cases/{ref.key}")
            if answer is not None:
                case, steps = case_rows(answer, height)
                found[("cases", ref.key)] = ("cases", case)
                for step in steps:
                    found[("steps", f"{ref.key}/{step[1]}")] = ("steps", step)
        elif ref.kind == "account":
            answer = chain.record(f"/v1/accounts/{ref.key}")
            if answer is not None:
                row = account_row(_object(answer, "account"), height)
                found[("accounts", ref.key)] = ("accounts", row)
    return DerivedRows(tuple(found.values()))


def _grant(
    chain: IndexedChain, key: str, height: int, found: dict[_Key, tuple[str, tuple[object, ...]]]
) -> None:
    answer = chain.record(f"/v1/grants/{key}")
    if answer is not None:
        kind = str(answer.get("kind"))
        found[("grants", key)] = ("grants", grant_row(kind, _object(answer, "record"), height))


def _object(answer: Mapping[str, Any], name: str) -> Mapping[str, Any]:
    value = answer.get(name)
    if not isinstance(value, Mapping):
        raise ValidationError(f"the node's answer has no {name} object")
    return value


class Indexer:
    """Writes the chain into a database, one height per transaction, in order."""

    def __init__(
        self, chain: IndexedChain, database: Database, suite: CryptoSuite, chain_id: str
    ) -> None:
        self.chain = chain
        self.database = database
        self.suite = suite
        progress = database.start(chain_id)
        self.height = progress.height
        """The last height written."""
        self._block_hash = progress.block_hash

    def index_height(self, height: int) -> None:
        """Read and write height ``height`` (the one after the last written)."""
        assert height == self.height + 1, "heights are written in order"
        block = self.chain.block(height)
        bundles = [self.chain.receipt_bundle(str(h)) for h in block.get("txs", [])]
        rows = block_rows(self.suite, block, bundles)
        if rows.height != height:
            raise ValidationError(f"asked for block {height}, the node answered {rows.height}")
        if self.height > 0 and rows.prev_hash != self._block_hash:
            raise DatabaseError(
                f"block {height} does not follow block {self.height} as indexed "
                f"({self.database.where}): the node serves another chain or history"
            )
        self.database.write_height(rows, derived_rows(self.chain, rows.named, height))
        self.height, self._block_hash = height, rows.block_hash

    def step(self, until: int | None = None, stopping: Callable[[], bool] = lambda: False) -> int:
        """Write the heights after the last one, up to the latest (at most
        BLOCKS_PER_POLL, not past ``until``, none once ``stopping()``); the number written."""
        last = min(self.chain.latest_height(), self.height + BLOCKS_PER_POLL)
        if until is not None:
            last = min(last, until)
        start = self.height
        while self.height < last and not stopping():
            self.index_height(self.height + 1)
        return self.height - start


async def run_indexer(
    indexer: Indexer,
    poll_s: float,
    stop: asyncio.Event,
    until: int | None = None,
    announce: Callable[[int], None] | None = None,
) -> None:
    """Index until ``stop`` (or until height ``until`` is written); a failed poll is logged
    and tried again after ``poll_s``; a poll that wrote heights is followed at once by
    the next (catch-up)."""
    while not stop.is_set() and (until is None or indexer.height < until):
        written = 0
        try:
            written = await asyncio.to_thread(indexer.step, until, stop.is_set)
        except GovChainError as exc:
            log.warning("height %d not indexed now: %s", indexer.height + 1, exc)
        except Exception as exc:  # a bug must not end the indexer: one line, tried again
            log.error("height %d: %s: %s", indexer.height + 1, type(exc).__name__, exc)
        if written and announce is not None:
            announce(indexer.height)
        if written:
            continue
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), poll_s)
